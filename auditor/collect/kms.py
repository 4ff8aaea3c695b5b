"""KMS keys that what ECS uses is encrypted with (secrets, parameters, EFS, buckets, ECR
repositories, queues, topics, log groups): each key's metadata, key policy and grants."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, read_policy
from auditor.collect.limits import checked, paginate
from auditor.model import KmsKey

ACTIONS: dict[str, tuple[str, ...]] = {
    "kms:DescribeKey": ("secretsmanager:ListSecrets", "ssm:DescribeParameters",
                        "elasticfilesystem:DescribeFileSystems", "s3:GetEncryptionConfiguration",
                        "ecr:DescribeRepositories", "sqs:GetQueueAttributes", "sns:GetTopicAttributes",
                        "logs:DescribeLogGroups"),
    "kms:GetKeyPolicy": ("kms:DescribeKey",),
    "kms:ListGrants": ("kms:DescribeKey",),
}


def key_region(ref: str, default: str) -> str:
    return ref.split(":")[3] if ref.startswith("arn:") else default


def get_keys(clients: Clients, ledger: CallLedger, region: str, refs: list[str]) -> list[KmsKey]:
    """Each referenced key once, however many ways it is named (ARN, id, alias)."""
    kms = clients("kms", region)
    found: dict[str, dict] = {}
    aliases: dict[str, set[str]] = {}
    for ref in sorted(set(refs)):
        resp = ledger.guard("kms", region, "DescribeKey", lambda r=ref: checked(
            kms.describe_key(KeyId=r), "KeyMetadata", "DescribeKey"), resource=ref)
        if resp is None:
            continue
        meta = resp["KeyMetadata"]
        found.setdefault(meta["Arn"], meta)
        if ref != meta["Arn"]:
            aliases.setdefault(meta["Arn"], set()).add(ref)
    out = []
    for arn, meta in sorted(found.items()):
        policy, status = read_policy(ledger, "kms", region, "GetKeyPolicy", lambda a=arn: kms.get_key_policy(
            KeyId=a, PolicyName="default"), "Policy", arn)
        grants = ledger.guard("kms", region, "ListGrants", lambda a=arn: paginate(
            kms, "list_grants", "Grants", KeyId=a), resource=arn)
        out.append(KmsKey(arn, meta["KeyId"], region, meta.get("KeyManager", "CUSTOMER"),
                          meta.get("KeyState", "Enabled"), policy,
                          "unknown" if status == "unknown" else "present",
                          tuple({k: g.get(k) for k in ("GranteePrincipal", "Operations", "Constraints",
                                                       "RetiringPrincipal")} for g in grants or []),
                          "unknown" if grants is None else "present", tuple(sorted(aliases.get(arn, ())))))
    return out
