"""Secrets Manager: every secret's encryption key and resource policy (who else may read it)."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, read_policy
from auditor.collect.limits import paginate
from auditor.model import ResourcePolicy

ACTIONS: dict[str, tuple[str, ...]] = {
    "secretsmanager:ListSecrets": (),
    "secretsmanager:GetResourcePolicy": ("secretsmanager:ListSecrets",),
}


def get_secrets(clients: Clients, ledger: CallLedger, region: str) -> list[ResourcePolicy]:
    sm = clients("secretsmanager", region)
    listed = ledger.guard("secretsmanager", region, "ListSecrets", lambda: paginate(
        sm, "list_secrets", "SecretList")) or []
    out = []
    for s in listed:
        arn = s["ARN"]
        # No ResourcePolicy key in the answer means the secret has none.
        policy, status = read_policy(ledger, "secretsmanager", region, "GetResourcePolicy",
                                     lambda a=arn: sm.get_resource_policy(SecretId=a), "ResourcePolicy", arn)
        out.append(ResourcePolicy(arn, "secretsmanager", region, s.get("Name", arn), policy, status,
                                  kms_key_id=s.get("KmsKeyId")))
    return out
