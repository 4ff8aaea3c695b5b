"""Resources whose own policies decide access: S3 buckets, Secrets Manager secrets, ECR
repositories, SQS queues, SNS topics (a resource policy each), KMS keys (key policy and
grants), and the SSM parameters task definitions inject (their KMS key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["KmsKey", "LogGroup", "Parameter", "ResourcePolicy"]


@dataclass(frozen=True)
class ResourcePolicy:
    arn: str  # the resource the policy is attached to
    service: str  # s3 | secretsmanager | ecr | sqs | sns
    region: str
    name: str
    policy: Any = None
    policy_status: str = "unknown"  # present | none | unknown (the read failed: a coverage gap)
    kms_key_id: str | None = None  # its encryption key as given (ARN, bare id or alias)
    # S3 Block Public Access of the bucket (None: none set, or unknown when `block_status` says so)
    public_access_block: dict[str, bool] | None = None
    block_status: str = "none"  # present | none | unknown
    tag_mutability: str | None = None  # ECR: MUTABLE | IMMUTABLE
    url: str | None = None  # SQS: the queue URL
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KmsKey:
    arn: str
    key_id: str
    region: str
    manager: str = "CUSTOMER"  # CUSTOMER | AWS
    state: str = "Enabled"
    policy: Any = None
    policy_status: str = "unknown"  # present | unknown
    grants: tuple[dict[str, Any], ...] = ()  # GranteePrincipal, Operations, Constraints
    grants_status: str = "unknown"  # present | unknown
    aliases: tuple[str, ...] = ()  # alias ARNs or names that referred to it


@dataclass(frozen=True)
class Parameter:
    arn: str
    name: str
    region: str
    type: str = "String"  # String | StringList | SecureString
    key_id: str | None = None  # SecureString: the KMS key as given


@dataclass(frozen=True)
class LogGroup:
    """A CloudWatch Logs group that task definitions ship logs to, with its KMS key."""

    name: str
    region: str
    kms_key_id: str | None = None
