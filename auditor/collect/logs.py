"""CloudWatch Logs groups that task definitions ship logs to: their KMS key (the key is then
read like the other keys workloads use)."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, chunks
from auditor.collect.limits import checked
from auditor.model import LogGroup

ACTIONS: dict[str, tuple[str, ...]] = {"logs:DescribeLogGroups": ("ecs:DescribeTaskDefinition",)}
BATCH = 50  # logGroupIdentifiers of one call (CloudWatch Logs API reference)


def log_groups_of(td) -> list[tuple[str, str]]:
    """(region, group name) of each awslogs container of a task definition."""
    out = []
    for c in td.containers:
        log = c.log_configuration or {}
        opts = log.get("options") or {}
        if log.get("logDriver") == "awslogs" and opts.get("awslogs-group"):
            out.append((opts.get("awslogs-region") or td.region, opts["awslogs-group"]))
    return out


def get_log_groups(clients: Clients, ledger: CallLedger, region: str, names: list[str]) -> list[LogGroup]:
    """The groups that have a KMS key, with it."""
    logs = clients("logs", region)
    wanted = sorted(set(names))
    out = []
    for batch in chunks(wanted, BATCH):
        resp = ledger.guard("logs", region, "DescribeLogGroups", lambda b=batch: checked(
            logs.describe_log_groups(logGroupIdentifiers=b), "logGroups", "DescribeLogGroups"))
        for g in (resp or {}).get("logGroups", []):
            if g.get("logGroupName") in batch and g.get("kmsKeyId"):  # exact names only
                out.append(LogGroup(g["logGroupName"], region, g["kmsKeyId"]))
    return out
