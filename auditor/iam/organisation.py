"""SCPs and RCPs as layers of the one evaluation.

AWS Organizations User Guide, "SCP evaluation": a request is allowed only if an SCP at every
level of the path root → OU … → account allows it, and an explicit deny in any of them wins.
SCPs do not affect the management account nor service-linked roles ("SCP effects on
permissions"). RCPs ("Resource control policies") are evaluated the same way, level by level,
for requests to the resources of member accounts, for the services that support them; they
do not restrict service-linked roles either.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.iam.evaluate import DENIED, Context, Verdict, decide, weakest
from auditor.iam.policy import PolicyError, Statement, parse_policy
from auditor.model.org import ControlLevel, OrgControls

# Services whose resources RCPs govern ("Resource control policies", list of supported
# services): S3, STS, KMS, SQS, Secrets Manager (at launch), then ECR, OpenSearch
# Serverless, Cognito identity pools, CloudWatch Logs and DynamoDB.
RCP_SERVICES = frozenset({"s3", "sts", "kms", "sqs", "secretsmanager", "ecr", "aoss",
                          "cognito-identity", "logs", "dynamodb"})


@dataclass(frozen=True)
class Level:
    layer: str  # scp | rcp
    target: str
    label: str  # "SCP level ou-… (Workloads)"
    statements: tuple[Statement, ...]
    errors: tuple[str, ...] = ()

    @property
    def allows_everything(self) -> bool:
        """FullAWSAccess alone: Allow * on * with no condition and nothing denied."""
        return all(s.effect == "Allow" and not s.conditions and s.not_actions is None
                   and "*" in s.actions and s.not_resources is None and "*" in s.resources
                   for s in self.statements) and bool(self.statements)


def _level(layer: str, lvl: ControlLevel) -> Level:
    statements: list[Statement] = []
    errors: list[str] = []
    kind = "resource" if layer == "rcp" else "identity"
    for p in lvl.policies:
        source = f"{layer.upper()} {p.name} on {lvl.target}"
        try:
            statements += parse_policy(p.document, source, kind).statements
        except PolicyError as e:
            errors.append(str(e))
    return Level(layer, lvl.target, f"{layer.upper()}s on {lvl.target} ({lvl.name})",
                 tuple(statements), tuple(errors))


def scp_levels(ctl: OrgControls | None) -> tuple[Level, ...]:
    if ctl is None or ctl.exempt:
        return ()
    return tuple(_level("scp", lvl) for lvl in ctl.scp_levels)


def rcp_levels(ctl: OrgControls | None) -> tuple[Level, ...]:
    if ctl is None or ctl.exempt:
        return ()
    return tuple(_level("rcp", lvl) for lvl in ctl.rcp_levels)


def exempt_from_controls(arn: str) -> bool:
    """Service-linked roles are not limited by SCPs or RCPs."""
    return ":role/aws-service-role/" in arn


def rcp_governs(levels: tuple[Level, ...], resource: str, account: str) -> bool:
    """Is this resource one of the account's own, of a service RCPs cover?"""
    parts = resource.split(":")
    if not levels or len(parts) < 5:
        return False
    service, owner = parts[2], parts[4]
    # S3 bucket and object ARNs carry no account: they are the audited account's own.
    return service in RCP_SERVICES and owner in (account, "")


def levels_verdict(levels: tuple[Level, ...], action: str, resource: str,
                   context: Context | None) -> Verdict | None:
    """The least permissive of the levels' decisions (None when there are none)."""
    worst: Verdict | None = None
    for lvl in levels:
        v = decide(lvl.statements, action, resource, context)
        if v.decision == DENIED:
            return v
        worst = v if worst is None else weakest(worst, v)
    return worst


def deciding_level(levels: tuple[Level, ...], action: str, resource: str,
                   context: Context | None) -> tuple[Level, Verdict] | None:
    """The first level that denies the request, with its verdict."""
    for lvl in levels:
        v = decide(lvl.statements, action, resource, context)
        if v.decision == DENIED:
            return lvl, v
    return None
