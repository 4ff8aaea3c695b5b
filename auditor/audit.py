"""The library's front door: audit an inventory into findings, graph, costs and coverage."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import callable_module
from auditor.advice import advise
from auditor.advice.results import CostRow, Fit
from auditor.graph import AccessModel, build_graph
from auditor.graph.answers import WhatCan, WhoCan
from auditor.model import Inventory
from auditor.rules.checks import RuleCheck, run_checks
from auditor.rules.context import AuditContext
from auditor.rules.engine import SEVERITIES, CoverageGap, Finding, rules_reading, run_rules
from auditor.rules.reads import IAM

if TYPE_CHECKING:  # pandas and networkx load only for the frames and the graph (0.35 s)
    import networkx as nx
    import pandas as pd


@dataclass
class AuditResult:
    inventory: Inventory
    model: AccessModel
    findings: list[Finding]
    coverage: list[CoverageGap]
    costs: list[CostRow] = field(default_factory=list)
    expired_mutes: list[dict] = field(default_factory=list)
    generated_at: str = ""
    pricing: dict = field(default_factory=dict)
    fits: list[Fit] = field(default_factory=list)  # launch-type fit per workload
    checks: list[RuleCheck] = field(default_factory=list)  # per rule: resources passed and failed

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        return build_graph(self.model)

    def who_can(self, action: str, resource: str = "*") -> WhoCan:
        return self.model.who_can(action, resource)

    def what_can(self, arn: str, action: str | None = None) -> WhatCan:
        return self.model.what_can(arn, action)

    def simulate(self, principal: str, action: str, resource: str | None = None,
                 context: dict | None = None) -> dict:
        """One request decided exactly (interfaces.md); context keys are request values."""
        ctx = {k.lower(): tuple(v) if isinstance(v, list | tuple) else (v,)
               for k, v in (context or {}).items()}
        return self.model.simulate(principal, action, resource, ctx)

    def summary(self) -> dict:
        live = [f for f in self.findings if not f.muted]
        by_sev = {s: sum(f.severity == s for f in live) for s in SEVERITIES}
        by_cat: dict[str, int] = {}
        for f in live:
            by_cat[f.category] = by_cat.get(f.category, 0) + 1
        return {"by_severity": by_sev, "by_category": dict(sorted(by_cat.items())),
                "muted": len(self.findings) - len(live), "total": len(live)}

    def controls(self) -> list[dict]:
        """Per compliance control: resources checked, passed, failed, muted, not checked."""
        from auditor.rules.checks import control_results
        return control_results(self.checks)

    def passes(self) -> list[dict]:
        """Every (rule, resource) that was checked and passed, shaped like a finding."""
        from auditor.rules.checks import pass_records
        return pass_records(self.checks, self.inventory.account_id)

    def findings_frame(self, status: tuple[str, ...] = ("fail",)) -> pd.DataFrame:
        """Findings (status FAIL) and, with "pass" in `status`, the resources that passed."""
        from auditor.frames import findings_frame
        return findings_frame(self.findings if "fail" in status else [],
                              self.passes() if "pass" in status else ())

    def organisation_effects(self) -> list[dict]:
        """For the roles ECS uses: what IAM grants them that the organisation's SCPs remove
        (empty without an organisation, or where SCPs remove nothing)."""
        from auditor.graph.org_effects import scp_effects

        return scp_effects(self.model, self.model.role_usage)

    def permissions_frame(self) -> pd.DataFrame:
        from auditor.frames import permissions_frame
        return permissions_frame(self)

    def costs_frame(self) -> pd.DataFrame:
        from auditor.frames import costs_frame
        return costs_frame(self.costs)

    def identities_frame(self) -> pd.DataFrame:
        """One row per workload: its task, execution and reachable instance roles side by side."""
        from auditor.frames import identities_frame
        return identities_frame(self.model)

    def escalation_frame(self) -> pd.DataFrame:
        from auditor.frames import escalation_frame
        return escalation_frame(self.model)

    def neighbourhood(self, arn: str, radius: int = 2) -> nx.MultiDiGraph:
        """The part of the graph within `radius` steps of a node, either direction."""
        import networkx as nx

        return nx.ego_graph(self.graph, arn, radius=radius, undirected=True)

    def fails(self, threshold: str | None) -> bool:
        if not threshold:
            return False
        limit = SEVERITIES.index(threshold)
        return any(not f.muted and SEVERITIES.index(f.severity) <= limit for f in self.findings)


def coverage_gaps(inv: Inventory, model: AccessModel, failures: list[CoverageGap]) -> list[CoverageGap]:
    """Every call that failed, policy that could not be read and judgement that could not be
    made, each with the rules it affects (the rules that read it or what follows from it)."""
    out = [CoverageGap(**vars(g), affects=rules_reading((g.action, *g.blocked))) for g in inv.gaps]
    iam_rules = rules_reading(IAM)
    for p in model.principals.values():
        out += [CoverageGap("iam", "global", "ParsePolicy", "MalformedPolicy", p.arn, err,
                            affects=iam_rules) for err in p.errors]
        out += [CoverageGap("iam", "global", "GetPolicyVersion", "PolicyNotCollected", p.arn,
                            f"managed policy {arn} attached to {p.name} was not collected",
                            affects=iam_rules) for arn in p.missing_policies]
    out += [CoverageGap("organizations", "global", "DescribePolicy", "MalformedPolicy", lvl.target, err,
                        affects=iam_rules) for lvl in model.scps + model.rcps for err in lvl.errors]
    out += [CoverageGap("ec2", w.task_definition.region, "DescribeInstances", "NotJudged", w.arn,
                        f"IMDS reachability not judged: {w.imds_unknown}", affects=("I301",))
            for w in model.workloads.values() if w.imds_unknown]
    return out + failures


_GC_LOCK = threading.Lock()
_GC_USERS = [0, None]  # audits running, and the thresholds before the first began


@contextmanager
def _fewer_collections():
    """An audit makes millions of small objects that live until it ends (parsed statements,
    grant tables, paths). With CPython's default thresholds (700, 10, 10) the collector walks
    them again and again: 1.6 s of a 5.6-s audit of 5,000 roles. A higher first threshold
    keeps collections to a few while audits run (side by side in an org scan: the first to
    start sets it, the last to end restores it)."""
    with _GC_LOCK:
        if _GC_USERS[0] == 0:
            _GC_USERS[1] = gc.get_threshold()
            gc.set_threshold(100_000, 50, 100)
        _GC_USERS[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_USERS[0] -= 1
            if _GC_USERS[0] == 0:
                gc.set_threshold(*_GC_USERS[1])


def audit(inv: Inventory, mutelist: str | Path | list | None = None, pricing: str | Path | None = None,
          baseline: list[str] | None = None, headroom: float | None = None,
          instance_family: str | None = None, principals: str | None = None,
          workers: int | None = None) -> AuditResult:
    """Run every rule and the cost advisor on an inventory (offline: no AWS calls).

    `principals`: "ecs" (roles ECS uses) or "all" (every role and user) for the I1xx rules;
    by default "ecs" when the inventory has ECS resources, "all" otherwise.
    `workers`: processes for the rules (1: this one alone); by default two where a large
    account gains from it and the process may safely fork (rules/aside.py)."""
    with _fewer_collections():
        return _audit(inv, mutelist, pricing, baseline, headroom, instance_family, principals,
                      2 if workers is None else workers)


def _audit(inv, mutelist, pricing, baseline, headroom, instance_family, principals,
           workers) -> AuditResult:
    from auditor.mutelist import apply_mutelist, load_mutelist

    model = AccessModel(inv)
    ctx = AuditContext(inv, model, principals)
    ctx.advice = advise(inv, model, pricing, headroom=headroom, instance_family=instance_family)
    costs, pricing_meta = ctx.advice.rows(), ctx.advice.pricing_meta()
    fits = ctx.advice.fits()
    findings, failures = run_rules(ctx, workers=workers)
    expired: list[dict] = []
    if mutelist is not None:
        entries = load_mutelist(mutelist) if isinstance(mutelist, str | Path) else mutelist
        findings, expired = apply_mutelist(findings, entries)
    if baseline is not None:
        old = set(baseline)
        findings = [replace(f, new=f.fingerprint not in old) for f in findings]
    coverage = coverage_gaps(inv, model, failures)
    return AuditResult(inv, model, findings, coverage, costs, expired,
                       datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), pricing_meta, fits,
                       run_checks(ctx, findings, coverage))


callable_module(__name__)
