"""Tabular views (pandas) of findings, effective permissions and costs, and their CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from auditor.fsutil import atomic_write_text

FINDING_COLUMNS = ["fingerprint", "rule_id", "rule_name", "category", "severity", "title",
                   "message", "resource_type", "resource_arn", "region", "account_id",
                   "related_arns", "evidence", "remediation", "references", "muted"]
PERMISSION_COLUMNS = ["workload", "via", "role_arn", "action", "resource", "decision"]
COST_COLUMNS = ["service_arn", "service", "cluster", "launch_type", "size", "desired_count",
                "monthly_cost_usd", "recommendation", "monthly_saving_usd"]


def findings_frame(findings) -> pd.DataFrame:
    rows = []
    for f in findings:
        d = f.to_dict()
        d["related_arns"] = ";".join(f.related_arns)
        d["references"] = ";".join(f.references)
        d["evidence"] = json.dumps(f.evidence, sort_keys=True, default=str)
        rows.append({c: d.get(c) for c in FINDING_COLUMNS})
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def permissions_frame(result) -> pd.DataFrame:
    """One row per (workload or role, via, role, action, resource, decision)."""
    model = result.model
    rows = []
    for w in model.workloads.values():
        for ident in model.identities(w):
            for p in model.permissions(ident["role_arn"]):
                rows.append((w.arn, ident["via"], ident["role_arn"], p["action"], p["resource"],
                             p["decision"]))
    for role_arn, kinds in sorted(model.role_usage.items()):
        if "execution" in kinds:
            for p in model.permissions(role_arn):
                rows.append((role_arn, "execution-role", role_arn, p["action"], p["resource"],
                             p["decision"]))
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS)


def costs_frame(costs: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in COST_COLUMNS} for r in costs], columns=COST_COLUMNS)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write_text(path, frame.to_csv(index=False))
