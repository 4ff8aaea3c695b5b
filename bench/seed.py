"""Seed a synthetic account of a given size into a moto server, over HTTP, in parallel."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

from auditor.demo.server import local_client, local_session
from bench.synthetic import ACCT, REGION, Size, offline_iam

# moto's backends are not safe for concurrent writes (IAM raised 'dictionary changed size
# during iteration'): seed one request at a time.
WORKERS = 1


def seed_size(endpoint: str, size: Size, seed: int = 3) -> dict:
    session = local_session(REGION)
    c = {n: local_client(session, n, endpoint) for n in ("ec2", "iam", "ecs", "elbv2")}
    ec2 = c["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{REGION}{'abc'[i]}")["Subnet"]["SubnetId"]
               for i in range(3)]
    sg = ec2.create_security_group(GroupName="tasks", Description="t", VpcId=vpc)["GroupId"]

    roles, policies = offline_iam(size, seed)
    iam = c["iam"]

    def make_policy(p):
        iam.create_policy(PolicyName=p.name, PolicyDocument=json.dumps(p.document))

    def make_role(r):
        iam.create_role(RoleName=r.name, AssumeRolePolicyDocument=json.dumps(r.trust_policy))
        for ip in r.inline_policies:
            iam.put_role_policy(RoleName=r.name, PolicyName=ip.name, PolicyDocument=json.dumps(ip.document))
        for arn in r.attached_policy_arns:
            iam.attach_role_policy(RoleName=r.name, PolicyArn=arn)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(make_policy, policies))
        list(pool.map(make_role, roles))
    iam.create_instance_profile(InstanceProfileName="hosts")
    instance_role = next(r for r in roles if "ec2.amazonaws" in json.dumps(r.trust_policy))
    iam.add_role_to_instance_profile(InstanceProfileName="hosts", RoleName=instance_role.name)

    ecs = c["ecs"]
    clusters = [ecs.create_cluster(clusterName=f"cluster-{i}")["cluster"]["clusterName"]
                for i in range(size.clusters)]
    ec2_clusters = clusters[: max(1, size.clusters // 3)]
    if size.instances:
        insts = ec2.run_instances(ImageId="ami-12c6146b", MinCount=size.instances, MaxCount=size.instances,
                                  InstanceType="m5.xlarge", SubnetId=subnets[0],
                                  IamInstanceProfile={"Name": "hosts"},
                                  MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2}
                                  )["Instances"]
        for i, inst in enumerate(insts):
            doc = json.dumps({"instanceId": inst["InstanceId"], "region": REGION, "accountId": ACCT})
            ecs.register_container_instance(cluster=ec2_clusters[i % len(ec2_clusters)],
                                            instanceIdentityDocument=doc)
    task_roles = [r.arn for r in roles if "ecs-tasks" in json.dumps(r.trust_policy)]
    per_family = max(1, size.revisions // max(1, size.services))

    def make_service(i: int) -> None:
        r = random.Random(seed * 1000 + i)
        fargate = i % 5 != 0
        cluster = clusters[i % len(clusters)] if fargate else ec2_clusters[i % len(ec2_clusters)]
        arn = None
        for rev in range(per_family):
            size_kw = {"cpu": str(r.choice([256, 512, 1024])), "memory": "2048"} if fargate else {}
            arn = ecs.register_task_definition(
                family=f"svc{i}", networkMode="awsvpc" if fargate else "bridge",
                requiresCompatibilities=["FARGATE" if fargate else "EC2"], **size_kw,
                taskRoleArn=r.choice(task_roles),
                containerDefinitions=[{"name": "app", "image": f"repo/svc{i}:{rev}", "memory": 512,
                                       "portMappings": [{"containerPort": 8080}],
                                       "environment": [{"name": "MODE", "value": "prod"}]}],
            )["taskDefinition"]["taskDefinitionArn"]
        kwargs = {"cluster": cluster, "serviceName": f"svc{i}", "taskDefinition": arn,
                  "desiredCount": r.randint(1, 4), "launchType": "FARGATE" if fargate else "EC2"}
        if fargate:
            kwargs["networkConfiguration"] = {"awsvpcConfiguration": {
                "subnets": subnets[:2], "securityGroups": [sg], "assignPublicIp": "DISABLED"}}
        ecs.create_service(**kwargs)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(make_service, range(size.services)))
    return {"roles": len(roles), "policies": len(policies), "services": size.services,
            "revisions": per_family * size.services, "clusters": size.clusters,
            "instances": size.instances}
