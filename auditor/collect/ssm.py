"""SSM parameters that task definitions inject: their type and KMS key."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, chunks
from auditor.collect.limits import checked
from auditor.model import Parameter

ACTIONS: dict[str, tuple[str, ...]] = {"ssm:DescribeParameters": ("ecs:DescribeTaskDefinition",)}
BATCH = 50  # values of one ParameterFilters entry (SSM API reference)


def parameter_name(value_from: str) -> str:
    """The parameter name a task definition's valueFrom means (ARN, /path or bare name)."""
    if value_from.startswith("arn:"):
        return "/" + value_from.split(":parameter/", 1)[-1].lstrip("/")
    return value_from


def get_parameters(clients: Clients, ledger: CallLedger, region: str, account: str,
                   names: list[str]) -> list[Parameter]:
    ssm = clients("ssm", region)
    out = []
    for batch in chunks(sorted(set(names)), BATCH):
        resp = ledger.guard("ssm", region, "DescribeParameters", lambda b=batch: checked(
            ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": b}],
                                    MaxResults=50), "Parameters", "DescribeParameters"))
        for p in (resp or {}).get("Parameters", []):
            name = p["Name"]
            path = name if name.startswith("/") else f"/{name}"
            out.append(Parameter(f"arn:aws:ssm:{region}:{account}:parameter{path}", name, region,
                                 p.get("Type", "String"), p.get("KeyId")))
    return out
