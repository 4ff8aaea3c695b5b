"""What ECS needs from an execution role to start a task definition (aws-facts.md 6.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.iam.knowledge import ECR_PULL_ACTIONS, LOGS_ACTIONS
from auditor.model import TaskDefinition

_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)")


@dataclass(frozen=True)
class Need:
    action: str  # lower-case
    resource: str
    why: str

    def pair(self) -> tuple[str, str]:
        return self.action, self.resource


def ecr_repository(image: str) -> tuple[str, str, str] | None:
    """(account, region, repository) of a private ECR image, else None."""
    m = _ECR_IMAGE.match(image)
    return (m["account"], m["region"], m["repo"]) if m else None


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
