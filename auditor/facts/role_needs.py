"""What ECS needs from the roles it uses: the execution role to start a task definition, the
instance role for the agent (aws-facts.md 6.1 and 6.4)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from auditor.facts.images import ecr_repository
from auditor.iam.catalogue import catalogue
from auditor.model import TaskDefinition

# The service principals that assume ECS's roles.
ECS_TASKS = "ecs-tasks.amazonaws.com"
EC2_SERVICE = "ec2.amazonaws.com"

# What ECS needs from an execution role to start tasks (AmazonECSTaskExecutionRolePolicy and
# the secrets documentation, aws-facts.md 6.1).
ECR_PULL_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
LOGS_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")

# AmazonEC2ContainerServiceforEC2Role (aws-facts.md 6.4), plus what the SSM agent uses.
ECS_AGENT_ACTIONS = (
    "ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint", "ecs:Poll", "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState", "ecs:Submit*",
    "ecs:TagResource", *ECR_PULL_ACTIONS, *LOGS_ACTIONS, "logs:CreateLogGroup",
)
SSM_AGENT_ACTIONS = (
    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
    "ssm:DescribeDocument", "ssm:GetManifest", "ssm:ListAssociations",
    "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
)
# The secrets an execution role injects into containers (I203 judges these on the execution role).
EXECUTION_SECRET_ACTIONS = ("secretsmanager:GetSecretValue", "ssm:GetParameters",
                            "ssm:GetParameter", "kms:Decrypt")
@dataclass(frozen=True)
class Need:
    action: str  # lower-case
    resource: str
    why: str

    def pair(self) -> tuple[str, str]:
        return self.action, self.resource


def secret_resource(value_from: str, region: str, account: str) -> tuple[str, str]:
    """(action, resource ARN) that reading a `valueFrom` requires."""
    if value_from.startswith("arn:") and ":secretsmanager:" in value_from:
        # arn:aws:secretsmanager:region:acct:secret:name-AbCdEf[:json-key:stage:version]
        return "secretsmanager:getsecretvalue", ":".join(value_from.split(":")[:7])
    if value_from.startswith("arn:") and ":ssm:" in value_from:
        return "ssm:getparameters", value_from
    name = value_from if value_from.startswith("/") else f"/{value_from}"
    return "ssm:getparameters", f"arn:aws:ssm:{region}:{account}:parameter{name}"


def execution_needs(td: TaskDefinition, account: str) -> list[Need]:
    out: dict[tuple[str, str], Need] = {}

    def add(action: str, resource: str, why: str) -> None:
        out.setdefault((action, resource), Need(action, resource, why))

    for c in td.containers:
        repo = ecr_repository(c.image)
        if repo:
            acct, region, name = repo
            add("ecr:getauthorizationtoken", "*", f"pull {c.image.split('/', 1)[1]}")
            for a in ECR_PULL_ACTIONS[1:]:
                add(a.lower(), f"arn:aws:ecr:{region}:{acct}:repository/{name}",
                    f"pull image of container {c.name}")
        log = c.log_configuration or {}
        if log.get("logDriver") == "awslogs":
            opts = log.get("options") or {}
            group = opts.get("awslogs-group")
            region = opts.get("awslogs-region", td.region)
            if group:
                for a in LOGS_ACTIONS:
                    add(a.lower(), f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:*",
                        f"ship logs of container {c.name}")
                if str(opts.get("awslogs-create-group", "")).lower() == "true":
                    add("logs:createloggroup", f"arn:aws:logs:{region}:{account}:log-group:{group}",
                        f"create the log group of container {c.name}")
        refs = [s.value_from for s in c.secrets]
        refs += [o.get("valueFrom", "") for o in log.get("secretOptions", []) or []]
        for ref in filter(None, refs):
            action, resource = secret_resource(ref, td.region, account)
            add(action, resource, f"inject a secret into container {c.name}")
        if c.repository_credentials:
            action, resource = secret_resource(c.repository_credentials, td.region, account)
            if action.startswith("ssm"):  # a bare name here is a Secrets Manager secret
                action = "secretsmanager:getsecretvalue"
                resource = (f"arn:aws:secretsmanager:{td.region}:{account}:secret:"
                            f"{c.repository_credentials}*")
            add(action, resource, f"private registry credentials of container {c.name}")
    return list(out.values())


def needs_execution_role(td: TaskDefinition, launch_types: set[str]) -> list[str]:
    """Reasons this task definition cannot start without an execution role."""
    reasons = []
    remote = bool(launch_types & {"FARGATE", "EXTERNAL"})
    for c in td.containers:
        if remote and ecr_repository(c.image):
            reasons.append(f"container {c.name} pulls a private ECR image on Fargate/external")
        if remote and (c.log_configuration or {}).get("logDriver") == "awslogs":
            reasons.append(f"container {c.name} uses awslogs on Fargate/external")
        if c.secrets:
            reasons.append(f"container {c.name} injects secrets")
        if c.repository_credentials:
            reasons.append(f"container {c.name} uses private registry credentials")
        if (c.log_configuration or {}).get("secretOptions"):
            reasons.append(f"container {c.name} uses log secretOptions")
    return reasons


@functools.cache  # asked once per role by several rules; the answer never changes
def needed_actions(kind: str, with_ssm_agent: bool = False) -> frozenset[str]:
    """Expanded, lower-case actions a role of this kind needs for ECS itself to work, whatever
    task definitions use it: ECR pull and logs for an execution role, the agent's set for an
    instance role (and the SSM agent's, when asked)."""
    names: tuple[str, ...] = ()
    if kind == "execution":
        names = (*ECR_PULL_ACTIONS, *LOGS_ACTIONS)
    elif kind == "instance":
        names = (*ECS_AGENT_ACTIONS, *SSM_AGENT_ACTIONS) if with_ssm_agent else ECS_AGENT_ACTIONS
    cat = catalogue()
    return frozenset().union(*(cat.expand(n) for n in names))
