"""The demo account's clusters, hosts, task definitions, services and their utilisation."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.demo.seed import ACCT, DIGEST, ECR, PLANTED_SECRETS, REGION, WEB_TAG, Seeder


def awslogs(name: str) -> dict:
    return {"logDriver": "awslogs", "options": {"awslogs-group": f"/ecs/{name}",
                                                "awslogs-region": REGION,
                                                "awslogs-stream-prefix": name}}


def container(name: str, image: str | None = None, port: int | None = None, **extra: Any) -> dict:
    c: dict[str, Any] = {
        "name": name, "image": image or f"{ECR}/{name}{DIGEST}", "essential": True,
        "user": "1000", "readonlyRootFilesystem": True, "logConfiguration": awslogs(name),
    }
    if port:
        c["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def fargate(family: str, containers: list[dict], cpu: str = "256", memory: str = "512",
            task_role: str | None = None, execution_role: str = "ecs-task-execution",
            **extra: Any) -> dict:
    return {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": cpu, "memory": memory, "containerDefinitions": containers,
            "taskRoleArn": task_role, "executionRoleArn": execution_role, **extra}


def ec2_task(family: str, containers: list[dict], network_mode: str = "bridge",
             task_role: str | None = None, execution_role: str | None = "ecs-task-execution",
             **extra: Any) -> dict:
    return {"family": family, "networkMode": network_mode, "requiresCompatibilities": ["EC2"],
            "containerDefinitions": containers, "taskRoleArn": task_role,
            "executionRoleArn": execution_role, **extra}


class Workloads:
    def __init__(self, seeder: Seeder) -> None:
        self.sd = seeder
        self.s = seeder.s
        self.ecs = seeder.client("ecs")

    def clusters(self) -> None:
        for name, insights in (("prod-ec2", "enabled"), ("prod-fargate", "enabled"),
                               ("staging", "disabled")):
            self.s.clusters[name] = self.ecs.create_cluster(
                clusterName=name, settings=[{"name": "containerInsights", "value": insights}],
                tags=[{"key": "team", "value": "platform"}])["cluster"]["clusterArn"]

    def hosts(self) -> None:
        ec2 = self.sd.client("ec2")
        profile = f"arn:aws:iam::{ACCT}:instance-profile/ecs-instance-profile"
        plan = (  # cluster, type, subnet, tokens, hop limit
            ("prod-ec2", "m5.large", "private-a", "required", 2),
            ("prod-ec2", "m5.large", "private-b", "required", 2),
            ("staging", "t3.medium", "private-a", "optional", 1),
        )
        for i, (cluster, itype, subnet, tokens, hops) in enumerate(plan):
            inst = ec2.run_instances(
                ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType=itype,
                SubnetId=self.s.subnets[subnet], SecurityGroupIds=[self.s.groups["instances"]],
                IamInstanceProfile={"Arn": profile},
                MetadataOptions={"HttpTokens": tokens, "HttpPutResponseHopLimit": hops,
                                 "HttpEndpoint": "enabled"})["Instances"][0]
            doc = json.dumps({"instanceId": inst["InstanceId"], "region": REGION,
                              "accountId": ACCT, "instanceType": itype})
            self.ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=doc)
            self.s.instances[f"{cluster}-{i}"] = inst["InstanceId"]

    def register(self, td: dict) -> str:
        for key in ("taskRoleArn", "executionRoleArn"):
            if td.get(key):
                td[key] = self.s.roles[td[key]]
            else:
                td.pop(key, None)
        arn = self.ecs.register_task_definition(**td)["taskDefinition"]["taskDefinitionArn"]
        self.s.task_definitions[td["family"]] = arn
        return arn

    def service(self, cluster: str, name: str, td: str, count: int = 2, lb: tuple | None = None,
                subnets: tuple[str, ...] = ("private-a", "private-b"), public_ip: bool = False,
                launch: str = "FARGATE", awsvpc: bool = False, **extra: Any) -> str:
        kwargs: dict[str, Any] = {"cluster": cluster, "serviceName": name, "taskDefinition": td,
                                  "desiredCount": count, "launchType": launch, **extra}
        if launch == "FARGATE" or awsvpc:
            kwargs["networkConfiguration"] = {"awsvpcConfiguration": {
                "subnets": [self.s.subnets[x] for x in subnets],
                "securityGroups": [self.s.groups["tasks"]],
                "assignPublicIp": "ENABLED" if public_ip else "DISABLED"}}
        if lb:
            tg_or_name, cname, cport = lb
            key = "loadBalancerName" if tg_or_name == "classic" else "targetGroupArn"
            value = "legacy-clb" if tg_or_name == "classic" else self.s.target_groups[tg_or_name]
            kwargs["loadBalancers"] = [{key: value, "containerName": cname, "containerPort": cport}]
        arn = self.ecs.create_service(**kwargs)["service"]["serviceArn"]
        self.s.services[name] = arn
        return arn

    def prod_fargate(self) -> None:
        c = "prod-fargate"
        self.service(c, "web", self.register(fargate(
            "web", [container("web", image=f"{ECR}/web:{WEB_TAG}", port=8080)], "512", "1024",
            task_role="web-task")),
            count=3, lb=("web", "web", 8080))
        self.service(c, "api", self.register(fargate(
            "api", [container("api", port=8080, cpu=256, memoryReservation=2048)], "2048", "8192",
            task_role="api-task")), count=2, lb=("api", "api", 8080))
        self.service(c, "admin-tool", self.register(fargate(
            "admin-tool", [container("admin-tool", port=8080)], "512", "1024",
            task_role="admin-tool-task")), count=1, lb=("admin", "admin-tool", 8080),
            subnets=("public-a",), public_ip=True)
        worker_env = [{"name": "QUEUE_URL", "value": f"https://sqs.{REGION}.amazonaws.com/{ACCT}/jobs"},
                      {"name": "AWS_ACCESS_KEY_ID", "value": PLANTED_SECRETS[1]},
                      {"name": "AWS_SECRET_ACCESS_KEY", "value": PLANTED_SECRETS[0]},
                      {"name": "DB_PASSWORD_SECRET_ARN",
                       "value": f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:prod/db-password"},
                      {"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "yes"}]
        self.service(c, "worker", self.register(fargate(
            "worker", [container("worker", environment=worker_env, secrets=[
                {"name": "DB_PASSWORD",
                 "valueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:prod/db-password"}])],
            "512", "1024", task_role="worker-task")), count=2)
        self.service(c, "reports", self.register(fargate(
            "reports", [container("reports", mountPoints=[
                {"sourceVolume": "archive", "containerPath": "/archive"}])], "1024", "2048",
            task_role="worker-task",
            volumes=[{"name": "archive", "efsVolumeConfiguration": {
                "fileSystemId": self.s.file_systems["legacy"]}}])),
            count=1, platformVersion="1.3.0")
        self.service(c, "ingest", self.register(fargate(
            "ingest", [container("ingest", port=9000)], "512", "1024", task_role="worker-task")),
            count=2, lb=("ingest", "ingest", 9000), platformVersion="LATEST")

    def prod_ec2(self) -> None:
        c = "prod-ec2"
        self.service(c, "legacy-web", self.register(ec2_task(
            "legacy-web", [container("legacy-web", image="acme/legacy-web:latest", privileged=True,
                                     user=None, readonlyRootFilesystem=None, memory=512,
                                     portMappings=[{"containerPort": 8080, "hostPort": 0}])],
            execution_role="legacy-execution", task_role="web-task")),
            count=2, lb=("classic", "legacy-web", 8080), launch="EC2")
        self.service(c, "cache-proxy", self.register(ec2_task(
            "cache-proxy", [container("cache-proxy", image=f"{ECR}/cache-proxy{DIGEST}", memory=256,
                                      portMappings=[{"containerPort": 80, "hostPort": 0}])])),
            count=2, lb=("cache", "cache-proxy", 80), launch="EC2")
        self.service(c, "batch", self.register(ec2_task(
            "batch", [container("batch", memory=1024)], network_mode="awsvpc",
            task_role="batch-task")), count=1, launch="EC2", awsvpc=True)
        self.service(c, "files", self.register(ec2_task(
            "files", [container("files", memory=512, mountPoints=[
                {"sourceVolume": "shared", "containerPath": "/data"}])], task_role="files-task",
            volumes=[{"name": "shared", "efsVolumeConfiguration": {
                "fileSystemId": self.s.file_systems["shared"], "transitEncryption": "ENABLED",
                "authorizationConfig": {"accessPointId": self.s.access_points["files"],
                                        "iam": "ENABLED"}}}])), count=1, launch="EC2")
        self.service(c, "metrics-agent", self.register(ec2_task(
            "metrics-agent", [container("metrics-agent", memory=128)], network_mode="host",
            task_role="web-task")), count=0, launch="EC2", schedulingStrategy="DAEMON")

    def staging(self) -> None:
        c = "staging"
        self.service(c, "staging-web", self.register(fargate(
            "staging-web", [container("staging-web", image="nginx", user=None,
                                      logConfiguration=None)], task_role="web-task")), count=1)
        self.service(c, "staging-api", self.register(fargate(
            "staging-api", [container("staging-api", port=8080)], "512", "1024",
            task_role="api-task")), count=1, lb=("staging-api", "staging-api", 8080))
        self.service(c, "staging-cron", self.register(ec2_task(
            "staging-cron", [container("staging-cron", memory=256)], task_role="worker-task")),
            count=1, launch="EC2")

    def exec_and_tasks(self) -> None:
        # moto drops enableExecuteCommand on create_service; set it the way AWS also allows.
        self.ecs.update_service(cluster="prod-fargate", service="admin-tool",
                                enableExecuteCommand=True)
        self.ecs.run_task(cluster="prod-ec2", taskDefinition="cache-proxy", count=2,
                          launchType="EC2", group="service:cache-proxy")

    def metrics(self, now: datetime | None = None) -> None:
        cw = self.sd.client("cloudwatch")
        end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        # (cpu mean %, memory mean %) by service; api is the over-provisioned one.
        levels = {"web": (45, 60), "api": (6, 9), "admin-tool": (20, 35), "worker": (55, 70),
                  "reports": (30, 50), "ingest": (40, 55), "legacy-web": (35, 60),
                  "cache-proxy": (25, 40), "batch": (50, 45), "files": (20, 30),
                  "staging-web": (5, 20), "staging-api": (10, 25), "staging-cron": (5, 15)}
        cluster_of = {name: arn.split("/")[1] for name, arn in self.s.services.items()}
        for svc, (cpu, mem) in levels.items():
            data = []
            for h in range(14 * 24):
                ts = end - timedelta(hours=h + 1)
                wave = 1 + 0.35 * math.sin(h / 24 * 2 * math.pi)
                for metric, mean in (("CPUUtilization", cpu), ("MemoryUtilization", mem)):
                    avg = round(mean * wave, 2)
                    data.append({"MetricName": metric, "Timestamp": ts, "Unit": "Percent",
                                 "Dimensions": [{"Name": "ClusterName", "Value": cluster_of[svc]},
                                                {"Name": "ServiceName", "Value": svc}],
                                 "StatisticValues": {"SampleCount": 60, "Sum": avg * 60,
                                                     "Minimum": avg * 0.8,
                                                     "Maximum": min(100.0, avg * 1.25)}})
            for i in range(0, len(data), 1000):
                cw.put_metric_data(Namespace="AWS/ECS", MetricData=data[i:i + 1000])


def seed_demo(endpoint: str, metrics: bool = True):
    """Create the whole demo account; return what was made."""
    sd = Seeder(endpoint)
    sd.network()
    sd.iam()
    sd.data()
    sd.efs()
    sd.load_balancers()
    w = Workloads(sd)
    w.clusters()
    w.hosts()
    w.prod_fargate()
    w.prod_ec2()
    w.staging()
    w.exec_and_tasks()
    if metrics:
        w.metrics()
    return sd.s
