"""The library's front door: audit an inventory into findings, graph, costs and coverage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import networkx as nx
import pandas as pd

from auditor import __version__
from auditor.advice import advise
from auditor.graph import AccessModel, build_graph
from auditor.model import Inventory
from auditor.rules.context import AuditContext
from auditor.rules.engine import SEVERITIES, Finding, affected_rules, run_rules

FINDINGS_SCHEMA = "ecs-auditor/findings/1"


@dataclass
class AuditResult:
    inventory: Inventory
    model: AccessModel
    findings: list[Finding]
    coverage: list[dict]
    costs: list[dict] = field(default_factory=list)
    expired_mutes: list[dict] = field(default_factory=list)
    generated_at: str = ""
    pricing: dict = field(default_factory=dict)
    fits: list[dict] = field(default_factory=list)  # launch-type fit per workload

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        return build_graph(self.model)

    def who_can(self, action: str, resource: str = "*") -> dict:
        return self.model.who_can(action, resource)

    def what_can(self, arn: str, action: str | None = None) -> dict:
        return self.model.what_can(arn, action)

    def summary(self) -> dict:
        live = [f for f in self.findings if not f.muted]
        by_sev = {s: sum(f.severity == s for f in live) for s in SEVERITIES}
        by_cat: dict[str, int] = {}
        for f in live:
            by_cat[f.category] = by_cat.get(f.category, 0) + 1
        return {"by_severity": by_sev, "by_category": dict(sorted(by_cat.items())),
                "muted": len(self.findings) - len(live), "total": len(live)}

    def findings_frame(self) -> pd.DataFrame:
        from auditor.report.tables import findings_frame
        return findings_frame(self.findings)

    def permissions_frame(self) -> pd.DataFrame:
        from auditor.report.tables import permissions_frame
        return permissions_frame(self)

    def costs_frame(self) -> pd.DataFrame:
        from auditor.report.tables import costs_frame
        return costs_frame(self.costs)

    def identities_frame(self) -> pd.DataFrame:
        """One row per workload: its task, execution and reachable instance roles side by side."""
        from auditor.report.tables import identities_frame
        return identities_frame(self.model)

    def escalation_frame(self) -> pd.DataFrame:
        from auditor.report.tables import escalation_frame
        return escalation_frame(self.model)

    def neighbourhood(self, arn: str, radius: int = 2) -> nx.MultiDiGraph:
        """The part of the graph within `radius` steps of a node, either direction."""
        return nx.ego_graph(self.graph, arn, radius=radius, undirected=True)

    def fails(self, threshold: str | None) -> bool:
        if not threshold:
            return False
        limit = SEVERITIES.index(threshold)
        return any(not f.muted and SEVERITIES.index(f.severity) <= limit for f in self.findings)


def coverage_gaps(inv: Inventory, model: AccessModel, failures: list[dict]) -> list[dict]:
    out = []
    for g in inv.gaps:
        out.append({"service": g.service, "region": g.region, "operation": g.operation,
                    "error": g.error, "resource": g.resource, "message": g.message,
                    "affects": affected_rules(g.affects)})
    iam_rules = affected_rules(["I"])
    for p in model.principals.values():
        for err in p.errors:
            out.append({"service": "iam", "region": "global", "operation": "ParsePolicy",
                        "error": "MalformedPolicy", "resource": p.arn, "message": err,
                        "affects": iam_rules})
        for arn in p.missing_policies:
            out.append({"service": "iam", "region": "global", "operation": "GetPolicyVersion",
                        "error": "PolicyNotCollected", "resource": p.arn,
                        "message": f"managed policy {arn} attached to {p.name} was not collected",
                        "affects": iam_rules})
    for w in model.workloads.values():
        if w.imds_unknown:
            out.append({"service": "ec2", "region": w.task_definition.region,
                        "operation": "DescribeInstances", "error": "NotJudged", "resource": w.arn,
                        "message": f"IMDS reachability not judged: {w.imds_unknown}",
                        "affects": ["I301"]})
    return out + [{k: v for k, v in f.items() if k != "trace"} for f in failures]


def audit(inv: Inventory, mutelist: str | Path | list | None = None, pricing: str | Path | None = None,
          baseline: list[str] | None = None, headroom: float | None = None,
          instance_family: str | None = None) -> AuditResult:
    """Run every rule and the cost advisor on an inventory (offline: no AWS calls)."""
    from auditor.mutelist import apply_mutelist, load_mutelist

    model = AccessModel(inv)
    ctx = AuditContext(inv, model)
    ctx.advice = advise(inv, model, pricing, headroom=headroom, instance_family=instance_family)
    costs, pricing_meta = ctx.advice.rows(), ctx.advice.pricing_meta()
    fits = ctx.advice.fits()
    findings, failures = run_rules(ctx)
    expired: list[dict] = []
    if mutelist is not None:
        entries = load_mutelist(mutelist) if isinstance(mutelist, str | Path) else mutelist
        findings, expired = apply_mutelist(findings, entries)
    if baseline is not None:
        old = set(baseline)
        findings = [replace(f, new=f.fingerprint not in old) for f in findings]
    return AuditResult(inv, model, findings, coverage_gaps(inv, model, failures), costs, expired,
                       datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), pricing_meta, fits)


def findings_document(result: AuditResult) -> dict:
    inv = result.inventory
    return {
        "schema": FINDINGS_SCHEMA,
        "tool_version": __version__,
        "generated_at": result.generated_at,
        "account_id": inv.account_id,
        "regions": list(inv.regions),
        "collected_at": inv.collected_at,
        "coverage": {"gaps": result.coverage, "expired_mutes": result.expired_mutes},
        "summary": result.summary(),
        "costs": {"services": result.costs, "pricing": result.pricing, "fit": result.fits},
        "findings": [f.to_dict() for f in result.findings],
    }
