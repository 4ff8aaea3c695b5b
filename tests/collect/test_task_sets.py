"""Task sets (a service with the EXTERNAL deployment controller runs each task set's own task
definition with its own network configuration; ECS Developer Guide, "External deployment"),
collected from DescribeServices on a moto server over HTTP: the task set's task definition is
a workload, and a task set with a public IP is an N101 finding though the service has none."""

from __future__ import annotations

import json

import boto3

from auditor.audit import audit
from auditor.collect import CollectOptions, collect
from auditor.demo.server import FAKE_CREDS
from tests.conftest import separate_moto_server

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def test_task_sets_are_collected_and_judged():
    with separate_moto_server(managed_policies=False) as url:
        s = boto3.session.Session(region_name="us-east-1", **FAKE_CREDS)
        iam, ecs, ec2 = (s.client(x, endpoint_url=url) for x in ("iam", "ecs", "ec2"))
        role = iam.create_role(RoleName="canary-task", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
            "Arn"
        ]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
        ecs.create_cluster(clusterName="c")
        td = ecs.register_task_definition(
            family="canary",
            taskRoleArn=role,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "app", "image": "nginx:1.27"}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster="c", serviceName="web", deploymentController={"type": "EXTERNAL"}, desiredCount=1
        )
        ecs.create_task_set(
            cluster="c",
            service="web",
            taskDefinition=td,
            launchType="FARGATE",
            externalId="canary-1",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [subnet],
                    "securityGroups": [group],
                    "assignPublicIp": "ENABLED",
                }
            },
        )
        inv = collect(
            CollectOptions(endpoint_url=url, regions=("us-east-1",), metrics=False, max_attempts=2), session=s
        )
    [svc] = inv.services
    [ts] = svc.task_sets
    assert (ts.task_definition_arn, ts.assign_public_ip, ts.subnets, ts.external_id) == (
        td,
        "ENABLED",
        (subnet,),
        "canary-1",
    )
    assert svc.deployment_controller == "EXTERNAL" and svc.assign_public_ip is None
    assert td in {t.arn for t in inv.task_definitions}  # described, though no deployment names it
    result = audit(inv)
    assert td in result.model.workloads and role in result.model.role_usage
    [n101] = [f for f in result.findings if f.rule_id == "N101"]
    assert n101.evidence["task_set"] == ts.arn and "Task set" in n101.message
