"""PASS as well as FAIL: per rule and per compliance control, which resources were checked and
how each came out (passed, failed, muted, not checked because of a coverage gap).

Auditors ask for evidence that a control holds, not only for its failures. A resource is
"not checked" rather than "passed" when a coverage gap affecting the rule covers it (the gap's
region and resource, or the whole operation): a missing answer is never reported as a PASS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditor.rules.compliance import Control
from auditor.rules.engine import CoverageGap, Finding, Rule, load_rules
from auditor.rules.subjects import SUBJECTS

STATES = ("failed", "muted", "not_checked", "passed")  # worst first: how one resource's states merge


@dataclass(frozen=True)
class RuleCheck:
    """One rule's outcome per resource in its scope."""

    rule: Rule
    resources: dict[str, str]  # ARN -> one of STATES
    regions: dict[str, str]  # ARN -> region
    gaps: tuple[str, ...] = ()  # the coverage gaps (operation: error) that left resources unjudged

    def arns(self, state: str) -> list[str]:
        return sorted(a for a, s in self.resources.items() if s == state)

    def counts(self) -> dict[str, int]:
        out = {"checked": len(self.resources)}
        out.update({s: sum(v == s for v in self.resources.values()) for s in STATES})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule.code, "rule_name": self.rule.name, "category": self.rule.category,
                "severity": self.rule.severity, "subjects": self.rule.subjects,
                "compliance": [c.to_dict() for c in self.rule.controls], **self.counts(),
                "passed_arns": self.arns("passed"), "not_checked_arns": self.arns("not_checked"),
                "gaps": list(self.gaps)}


def _arn_kind(arn: str) -> str:
    """"ecs:task-definition" for an ECS task definition ARN: what a gap's resource is."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return ""
    return parts[2] + ":" + parts[5].split("/", 1)[0]


def _gap_covers(gap: CoverageGap, arn: str, region: str) -> bool:
    if gap.region not in ("global", "", region):
        return False
    return not gap.resource or gap.resource in ("*", arn)


def run_checks(ctx: Any, findings: Iterable[Finding], coverage: Iterable[CoverageGap]) -> list[RuleCheck]:
    rules = load_rules()
    by_rule: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, {}).setdefault(f.resource_arn, []).append(f)
    gaps_of: dict[str, list[CoverageGap]] = {}
    for g in coverage:
        for code in g.affects:
            gaps_of.setdefault(code, []).append(g)
    out = []
    subjects: dict[str, dict[str, str]] = {}  # a kind of subject -> its resources, listed once
    for code, r in rules.items():
        if r.subjects not in subjects:
            subjects[r.subjects] = dict(SUBJECTS[r.subjects](ctx))
        regions = dict(subjects[r.subjects])
        hits = by_rule.get(code, {})
        for arn, fs in hits.items():
            regions.setdefault(arn, fs[0].region)
        gaps = gaps_of.get(code, [])
        kinds = {_arn_kind(a) for a in regions} if gaps else set()
        for g in gaps:  # a resource that could not be read at all is still one not checked
            if g.resource and g.resource not in regions and _arn_kind(g.resource) in kinds:
                regions[g.resource] = g.region
        states = {}
        for arn, region in regions.items():
            fs = hits.get(arn)
            if fs:
                states[arn] = "failed" if any(not f.muted for f in fs) else "muted"
            elif any(_gap_covers(g, arn, region) for g in gaps):
                states[arn] = "not_checked"
            else:
                states[arn] = "passed"
        out.append(RuleCheck(r, states, regions,
                             tuple(dict.fromkeys(f"{g.operation}: {g.error}" for g in gaps))))
    return out


def control_results(checks: Iterable[RuleCheck]) -> list[dict[str, Any]]:
    """Per control: its rules and each resource's worst state across them."""
    merged: dict[Control, dict[str, str]] = {}
    rules_of: dict[Control, list[str]] = {}
    for c in checks:
        for control in c.rule.controls:
            states = merged.setdefault(control, {})
            rules_of.setdefault(control, []).append(c.rule.code)
            for arn, state in c.resources.items():
                old = states.get(arn)
                states[arn] = state if old is None else min(old, state, key=STATES.index)
    out = []
    for control in sorted(merged, key=lambda c: c.sort_key):
        states = merged[control]
        counts = {s: sum(v == s for v in states.values()) for s in STATES}
        status = ("fail" if counts["failed"] else "not checked" if counts["not_checked"] else
                  "pass" if states else "no resources")
        out.append({**control.to_dict(), "title": control.title, "rules": rules_of[control],
                    "status": status, "checked": len(states), **counts,
                    "failed_arns": sorted(a for a, s in states.items() if s == "failed"),
                    "passed_arns": sorted(a for a, s in states.items() if s == "passed")})
    return out


def checks_section(checks: list[RuleCheck]) -> dict[str, Any]:
    """The `checks` section of findings.json."""
    return {"controls": control_results(checks), "rules": [c.to_dict() for c in checks]}


RESOURCE_TYPES = {"ecs:task-definition": "ecs-task-definition", "ecs:service": "ecs-service",
                  "ecs:cluster": "ecs-cluster", "iam:role": "iam-role", "iam:user": "iam-user",
                  "elasticloadbalancing:loadbalancer": "elbv2-load-balancer",
                  "elasticfilesystem:file-system": "efs-file-system"}


def pass_records(checks: Iterable[RuleCheck], account_id: str) -> list[dict[str, Any]]:
    """One record per (rule, resource) that passed, in the findings' own shape with status PASS:
    the rows `--status pass` adds to findings.csv and findings.ocsf.json."""
    import hashlib

    out = []
    for c in checks:
        r = c.rule
        for arn in c.arns("passed"):
            uid = hashlib.sha256(f'["{r.code}","{arn}","pass"]'.encode()).hexdigest()[:20]
            out.append({
                "fingerprint": uid, "rule_id": r.code, "rule_name": r.name, "category": r.category,
                "severity": r.severity, "title": r.title, "status": "PASS",
                "message": f"Checked by {r.code} ({r.name}): passed.",
                "resource_type": RESOURCE_TYPES.get(_arn_kind(arn), _arn_kind(arn)),
                "resource_arn": arn, "region": c.regions.get(arn, "global"), "account_id": account_id,
                "related_arns": [], "evidence": {}, "remediation": r.remediation,
                "references": list(r.references), "compliance": [x.to_dict() for x in r.controls],
                "muted": False})
    return out
