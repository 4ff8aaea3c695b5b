"""Synthetic accounts of a given size: realistic policies (most least-privilege, some wildcards,
a few admin and escalation cases), built offline as an Inventory or seeded into a moto server."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from auditor.model import (
    Cluster,
    ContainerDefinition,
    InlinePolicy,
    Inventory,
    ManagedPolicy,
    PortMapping,
    Role,
    Service,
    TaskDefinition,
)

ACCT, REGION = "123456789012", "us-east-1"
SERVICES = ["s3", "dynamodb", "sqs", "sns", "kms", "secretsmanager", "logs", "events", "lambda",
            "kinesis", "ssm", "cloudwatch", "xray", "ses", "states"]
ACTIONS = {
    "s3": ["GetObject", "PutObject", "ListBucket", "DeleteObject"],
    "dynamodb": ["GetItem", "PutItem", "Query", "UpdateItem", "Scan"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes"],
    "sns": ["Publish"], "kms": ["Decrypt", "GenerateDataKey"],
    "secretsmanager": ["GetSecretValue"], "logs": ["CreateLogStream", "PutLogEvents"],
    "events": ["PutEvents"], "lambda": ["InvokeFunction"], "kinesis": ["PutRecord", "GetRecords"],
    "ssm": ["GetParameter", "GetParameters"], "cloudwatch": ["PutMetricData"],
    "xray": ["PutTraceSegments"], "ses": ["SendEmail"], "states": ["StartExecution"],
}


@dataclass(frozen=True)
class Size:
    name: str
    clusters: int
    services: int
    revisions: int
    roles: int
    policies: int
    instances: int


SIZES = {
    "M": Size("M", 5, 300, 2000, 1000, 200, 40),
    "L": Size("L", 10, 1500, 10000, 5000, 1000, 150),
    "IAM": Size("IAM", 1, 0, 0, 5000, 1000, 0),
}


def resource(svc: str, rnd: random.Random) -> str:
    n = rnd.randint(1, 400)
    return {"s3": f"arn:aws:s3:::bucket-{n}/*", "dynamodb": f"arn:aws:dynamodb:{REGION}:{ACCT}:table/t{n}",
            "sqs": f"arn:aws:sqs:{REGION}:{ACCT}:q{n}", "sns": f"arn:aws:sns:{REGION}:{ACCT}:topic{n}",
            "kms": f"arn:aws:kms:{REGION}:{ACCT}:key/k{n}",
            "secretsmanager": f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:app{n}-*",
            "logs": f"arn:aws:logs:{REGION}:{ACCT}:log-group:/ecs/app{n}:*"}.get(svc, "*")


def policy_doc(rnd: random.Random) -> dict:
    """Most least-privilege; some wildcards; a few admin and escalation cases."""
    roll = rnd.random()
    if roll < 0.005:
        stmts = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    elif roll < 0.02:
        stmts = [{"Effect": "Allow", "Action": ["iam:PassRole", "ecs:RunTask",
                                                "ecs:RegisterTaskDefinition"], "Resource": "*"}]
    elif roll < 0.12:
        svc = rnd.choice(SERVICES[:6])
        stmts = [{"Effect": "Allow", "Action": f"{svc}:*", "Resource": "*"}]
    elif roll < 0.16:
        stmts = [{"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"], "Resource": "*"}]
    else:
        stmts = []
        for svc in rnd.sample(SERVICES, rnd.randint(1, 3)):
            acts = rnd.sample(ACTIONS[svc], rnd.randint(1, len(ACTIONS[svc])))
            stmts.append({"Effect": "Allow", "Action": [f"{svc}:{a}" for a in acts],
                          "Resource": resource(svc, rnd)})
    return {"Version": "2012-10-17", "Statement": stmts}


def trust(kind: str) -> dict:
    principal = {"task": "ecs-tasks.amazonaws.com", "instance": "ec2.amazonaws.com"}.get(kind,
                                                                                      "lambda.amazonaws.com")
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": principal},
                                                    "Action": "sts:AssumeRole"}]}


def offline_iam(size: Size, seed: int = 7) -> tuple[list[Role], list[ManagedPolicy]]:
    rnd = random.Random(seed)
    policies = [ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/p{i}", name=f"p{i}", default_version_id="v1",
                              document=policy_doc(rnd)) for i in range(size.policies)]
    roles = []
    for i in range(size.roles):
        kind = "task" if i % 10 < 7 else ("instance" if i % 10 == 7 else "other")
        attached = tuple(p.arn for p in rnd.sample(policies, rnd.randint(0, 2))) if policies else ()
        roles.append(Role(arn=f"arn:aws:iam::{ACCT}:role/r{i}", name=f"r{i}", trust_policy=trust(kind),
                          inline_policies=(InlinePolicy("inline", policy_doc(rnd)),),
                          attached_policy_arns=attached))
    return roles, policies


def offline_findings_inventory(services: int = 2000, seed: int = 11) -> Inventory:
    """An account whose audit yields over 10,000 findings (for the report's load test)."""
    rnd = random.Random(seed)
    roles, policies = offline_iam(Size("F", 1, 0, 0, 300, 60, 0), seed)
    task_roles = [r for r in roles if "ecs-tasks" in json.dumps(r.trust_policy)]
    cluster = Cluster(arn=f"arn:aws:ecs:{REGION}:{ACCT}:cluster/big", name="big", region=REGION)
    tds, svcs = [], []
    for i in range(services):
        c = ContainerDefinition(name=f"app{i}", image=f"repo/app{i}:latest", privileged=i % 7 == 0,
                                port_mappings=(PortMapping(8080),))
        td = TaskDefinition(arn=f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/app{i}:1", family=f"app{i}",
                            revision=1, region=REGION, network_mode="awsvpc",
                            requires_compatibilities=("FARGATE",), cpu="256", memory="512",
                            task_role_arn=rnd.choice(task_roles).arn, containers=(c,))
        tds.append(td)
        svcs.append(Service(arn=f"arn:aws:ecs:{REGION}:{ACCT}:service/big/app{i}", name=f"app{i}",
                            cluster_arn=cluster.arn, region=REGION, task_definition_arn=td.arn,
                            launch_type="FARGATE", desired_count=2, assign_public_ip="ENABLED"))
    return Inventory(account_id=ACCT, regions=(REGION,), clusters=(cluster,), services=tuple(svcs),
                     task_definitions=tuple(tds), roles=tuple(roles), managed_policies=tuple(policies))


def wired_inventory(n_roles: int, seed: int = 13) -> Inventory:
    """`n_roles` roles, each the task role of one task definition; services for a tenth of them
    (the "wired" account of the outputs-that-scale benchmark)."""
    roles, policies = offline_iam(Size("W", 1, 0, 0, n_roles, max(1, n_roles // 5), 0), seed)
    cluster = Cluster(arn=f"arn:aws:ecs:{REGION}:{ACCT}:cluster/wired", name="wired", region=REGION)
    tds, svcs = [], []
    for i, r in enumerate(roles):
        td = TaskDefinition(arn=f"arn:aws:ecs:{REGION}:{ACCT}:task-definition/w{i}:1", family=f"w{i}",
                            revision=1, region=REGION, network_mode="awsvpc",
                            requires_compatibilities=("FARGATE",), cpu="256", memory="512",
                            task_role_arn=r.arn, containers=(ContainerDefinition(
                                name="app", image=f"repo/w{i}@sha256:1"),))
        tds.append(td)
        if i % 10 == 0:
            svcs.append(Service(arn=f"arn:aws:ecs:{REGION}:{ACCT}:service/wired/w{i}", name=f"w{i}",
                                cluster_arn=cluster.arn, region=REGION, task_definition_arn=td.arn,
                                launch_type="FARGATE", desired_count=1))
    return Inventory(account_id=ACCT, regions=(REGION,), clusters=(cluster,), services=tuple(svcs),
                     task_definitions=tuple(tds), roles=tuple(roles), managed_policies=tuple(policies))
