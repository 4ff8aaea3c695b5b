"""Tabular views (pandas) of an audit: findings, effective permissions, costs, identities, escalation."""

from __future__ import annotations

import json

import pandas as pd

from auditor.advice.results import CostRow
from auditor.rules.engine import SEVERITIES

FINDING_COLUMNS = ["fingerprint", "rule_id", "rule_name", "category", "severity", "title",
                   "message", "resource_type", "resource_arn", "region", "account_id",
                   "related_arns", "evidence", "remediation", "references", "muted", "status",
                   "compliance"]
PERMISSION_COLUMNS = ["workload", "via", "role_arn", "action", "resource", "decision", "source_policy",
                      "statement", "actions_covered", "actions_left", "admin_equivalent"]
EXPANDED_PERMISSION_COLUMNS = PERMISSION_COLUMNS[:6]
COST_COLUMNS = ["service_arn", "service", "cluster", "launch_type", "size", "desired_count",
                "monthly_cost_usd", "recommendation", "monthly_saving_usd", "fits_fargate",
                "fits_ec2", "assumptions", "region", "vcpu", "memory_gb"]


def findings_frame(findings, passes=()) -> pd.DataFrame:
    """One row per finding (status FAIL), then one per resource a rule passed, if given."""
    rows = []
    for d in [*(f.to_dict() | {"status": "FAIL"} for f in findings), *passes]:
        d = dict(d)
        d["related_arns"] = ";".join(d["related_arns"])
        d["references"] = ";".join(d["references"])
        d["evidence"] = json.dumps(d["evidence"], sort_keys=True, default=str)
        d["compliance"] = ";".join(f"{c['framework']}:{c['control']}" for c in d["compliance"])
        rows.append({c: d.get(c) for c in FINDING_COLUMNS})
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    # Account ids are text (leading zeros), and severities sort by severity, not alphabetically.
    return frame.astype({"account_id": "string"}).assign(
        severity=pd.Categorical(frame["severity"], categories=list(SEVERITIES), ordered=True))


def workload_identities(model):
    """(workload, via, role) for every identity of every workload: task role, reachable instance
    roles, and the execution role (ECS's own, carried by the task definition like the others)."""
    for w in model.workloads.values():
        for ident in model.identities(w):
            yield w.arn, ident.via, ident.role_arn
        if w.task_definition.execution_role_arn:
            yield w.arn, "execution-role", w.task_definition.execution_role_arn


def permissions_frame(result) -> pd.DataFrame:
    """One row per (workload, via, role, action pattern, resource pattern) as the policies say
    them, with the decision, where it is written and how many concrete actions it covers."""
    model = result.model
    rows = [(w, via, role, *(getattr(g, c) for c in PERMISSION_COLUMNS[3:]))
            for w, via, role in workload_identities(model) for g in model.grant_rows(role)]
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS)


def expanded_permission_rows(result):
    """permissions.csv of `--permissions expanded`: one row per concrete action, generated one at
    a time (an admin role alone is ~23,000 rows per workload; never hold them as one table)."""
    model = result.model
    for w, via, role in workload_identities(model):
        for p in model.permissions(role):
            yield (w, via, role, p.action, p.resource, p.decision)


def costs_frame(costs: list[CostRow]) -> pd.DataFrame:
    return pd.DataFrame([{c: getattr(r, c) for c in COST_COLUMNS} for r in costs], columns=COST_COLUMNS)


def identities_frame(model) -> pd.DataFrame:
    rows = []
    for w in model.workloads.values():
        td = w.task_definition
        rows.append({"task_definition": f"{td.family}:{td.revision}",
                     "services": ", ".join(s.name for s in w.services),
                     "launch_type": ", ".join(sorted(w.launch_types)),
                     "network_mode": td.effective_network_mode,
                     "task_role": _role_cell(model, td.task_role_arn),
                     "execution_role": _role_cell(model, td.execution_role_arn),
                     "instance_role": "; ".join(_role_cell(model, r.role_arn)
                                                for r in w.reachable_instance_roles),
                     "arn": td.arn})
    return pd.DataFrame(rows)


def _role_cell(model, arn: str | None) -> str:
    if not arn:
        return ""
    p = model.principals.get(arn)
    if p is None:
        return f"{arn.rsplit('/', 1)[-1]} (not found)"
    admin = " ADMIN" if model.is_admin(arn) else ""
    return f"{p.name} ({len(p.grants)} actions{admin})"


def escalation_frame(model) -> pd.DataFrame:
    return pd.DataFrame([{"principal": p.principal, "target_role": p.target_role, "kind": p.kind,
                          "steps": " -> ".join(s["action"] for s in p.steps),
                          "gains_actions": p.gains, "conditional": p.conditional}
                         for p in model.escalation_paths],
                        columns=["principal", "target_role", "kind", "steps", "gains_actions",
                                 "conditional"])
