"""The rule registry, findings, context escalation and coverage.

A rule is a plain function registered with its code, name, category and default severity.
Its docstring is its user documentation (What it does / Why is this bad / Example /
Remediation / References); the catalogue is generated from it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from json.encoder import encode_basestring_ascii
from typing import Any

from auditor.model import Gap
from auditor.rules.compliance import Control, parse_controls

SEVERITIES = ("critical", "high", "medium", "low", "info")
CATEGORIES = ("iam", "launch-type", "load-balancer", "efs", "container", "network", "cost")
SECTIONS = ("What it does", "Why is this bad", "Example", "Remediation", "References")
PREFIX_CATEGORY = {"I": "iam", "L": "launch-type", "B": "load-balancer", "F": "efs",
                   "C": "container", "N": "network", "K": "cost"}


def raise_severity(sev: str) -> str:
    return SEVERITIES[max(0, SEVERITIES.index(sev) - 1)]


def lower_severity(sev: str) -> str:
    return SEVERITIES[min(len(SEVERITIES) - 1, SEVERITIES.index(sev) + 1)]


@dataclass(frozen=True)
class Hit:
    """What a rule reports about one resource; the engine makes it a Finding."""

    resource_arn: str
    resource_type: str
    message: str
    region: str = "global"
    evidence: dict[str, Any] = field(default_factory=dict)
    related_arns: tuple[str, ...] = ()
    severity: str | None = None  # when not the rule's default (a conditional allow, PTRACE...)
    key: str = ""  # what tells two hits on one resource apart (a container, a variable...)
    exposure_of: tuple[str, ...] = ()  # workloads whose internet exposure raises this finding


@dataclass(frozen=True)
class Finding:
    fingerprint: str
    rule_id: str
    rule_name: str
    category: str
    severity: str
    title: str
    message: str
    resource_type: str
    resource_arn: str
    region: str
    account_id: str
    related_arns: tuple[str, ...]
    evidence: dict[str, Any]
    remediation: str
    references: tuple[str, ...]
    compliance: tuple[Control, ...] = ()  # the controls its rule implements
    muted: bool = False
    mute_reason: str | None = None
    new: bool | None = None  # set when compared with a baseline

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["related_arns"] = list(self.related_arns)
        d["references"] = list(self.references)
        d["compliance"] = [c.to_dict() for c in self.compliance]
        if d["mute_reason"] is None:
            d.pop("mute_reason")
        if d["new"] is None:
            d.pop("new")
        return d


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str
    severity: str
    title: str
    check: Callable[[Any], Iterable[Hit]]
    doc: dict[str, str]
    reads: tuple[str, ...] = ()  # the collector calls (IAM action names) whose data it judges
    module: str = ""  # where its code lives, e.g. "auditor.rules.container"
    controls: tuple[Control, ...] = ()  # compliance controls it implements (rules/compliance.py)
    subjects: str = ""  # the kind of resource it checks (rules/subjects.py)

    @property
    def remediation(self) -> str:
        return self.doc["Remediation"]

    @cached_property  # (every finding carries them: read from the docstring once per rule)
    def references(self) -> tuple[str, ...]:
        return tuple(re.findall(r"https?://\S+", self.doc["References"]))


REGISTRY: dict[str, Rule] = {}


def parse_doc(text: str | None) -> dict[str, str]:
    sections: dict[str, str] = {}
    current = None
    for line in (text or "").strip().splitlines():
        stripped = line.strip()
        head = next((s for s in SECTIONS if stripped.startswith(s + ":")), None)
        if head:
            current = head
            sections[head] = stripped[len(head) + 1:].strip()
        elif current:
            sections[current] = (sections[current] + "\n" + stripped).strip()
    return sections


def rule(code: str, name: str, severity: str, title: str, reads: Iterable[str] = (),
         subjects: str = "", controls: Iterable[str] = ()):
    """Register a rule function under its code, with the collector calls it reads, the kind of
    resource it checks and the compliance controls it implements ("aws-fsbp:ECS.2")."""
    from auditor.rules.subjects import SUBJECTS

    category = PREFIX_CATEGORY[code[0]]
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: unknown severity {severity}")
    if subjects not in SUBJECTS:
        raise ValueError(f"{code}: subjects must be one of {', '.join(SUBJECTS)}, got {subjects!r}")
    parsed = parse_controls(tuple(controls))

    def wrap(fn: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(code, name, category, severity, title, fn, parse_doc(fn.__doc__),
                              tuple(dict.fromkeys(reads)), fn.__module__, parsed, subjects)
        return fn

    return wrap


def lookup(code_or_name: str) -> Rule | None:
    load_rules()
    if code_or_name.upper() in REGISTRY:
        return REGISTRY[code_or_name.upper()]
    return next((r for r in REGISTRY.values() if r.name == code_or_name), None)


# One module per concern; its docstring names the codes it holds (a test keeps them so).
RULE_MODULES = ("iam_permissions", "iam_ecs_roles", "iam_reach", "resource_policies", "launch_type",
                "load_balancer", "efs", "container", "network", "cost", "organisation")


def load_rules() -> dict[str, Rule]:
    # Importing the modules registers their rules.
    for name in RULE_MODULES:
        importlib.import_module(f"auditor.rules.{name}")
    return dict(sorted(REGISTRY.items()))


def fingerprint(code: str, hit: Hit) -> str:
    # The compact JSON list [code, arn, key], written directly (json.dumps with separators
    # builds an encoder per call, and this runs for every finding).
    raw = f"[{_json_string(code)},{_json_string(hit.resource_arn)},{_json_string(hit.key)}]"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _json_string(value: object) -> str:
    return encode_basestring_ascii(value) if isinstance(value, str) else json.dumps(value)


def rules_reading(actions: Iterable[str]) -> tuple[str, ...]:
    """Codes of the rules that read any of these collector calls (IAM action names)."""
    wanted = {a.lower() for a in actions}
    return tuple(sorted(code for code, r in load_rules().items()
                        if wanted & {a.lower() for a in r.reads}))


@dataclass(frozen=True)
class CoverageGap(Gap):
    """Something the audit could not fully check (a failed call, a policy it could not read, a
    judgement it could not make), and the rules that it affects."""

    affects: tuple[str, ...] = ()


# The rules judging each principal's permissions, and so classifying every principal: half of a
# large IAM audit's work, independent of the escalation search (I304) that is most of the rest.
PER_PRINCIPAL = "auditor.rules.iam_permissions"
SPLIT_FROM = 500  # principals: below this, a second process saves less than it costs


def run_rules(ctx: Any, codes: Iterable[str] | None = None,
              workers: int = 1) -> tuple[list[Finding], list[CoverageGap]]:
    """All findings, and rule failures as coverage gaps (never silence). With `workers` > 1,
    a large account's per-principal rules run in a forked copy of the process (rules/aside.py)
    while this one runs the rest: the same findings, sooner."""
    from auditor.rules import aside

    rules = load_rules()
    chosen = list(codes or rules)
    apart = [c for c in chosen if rules[c].module == PER_PRINCIPAL]
    side = None
    if workers > 1 and apart and len(ctx.model.principals) >= SPLIT_FROM and aside.can_fork():
        ctx.model.prepare_for_split()
        side = aside.Aside(lambda: (_run(ctx, rules, apart), ctx.model.classifications()))
    try:
        here = _run(ctx, rules, [c for c in chosen if side is None or c not in apart])
        answer = side.result() if side else None
    except BaseException:
        if side:
            side.abandon()
        raise
    if answer is not None:
        done, classes = answer
        here.update(done)
        ctx.model.add_classifications(classes)
    elif side:  # the copy failed: its rules run here, so nothing is missing
        here.update(_run(ctx, rules, apart))
    findings = [f for c in chosen for f in here[c][0]]
    failures = [g for c in chosen for g in here[c][1]]
    findings.sort(key=lambda f: (SEVERITIES.index(f.severity), f.rule_id, f.resource_arn, f.fingerprint))
    return findings, failures


def _run(ctx: Any, rules: dict[str, Rule], codes: list[str]) -> dict[str, tuple[list, list]]:
    """code -> (its findings, its failures as coverage gaps)."""
    out: dict[str, tuple[list, list]] = {}
    for code in codes:
        r = rules[code]
        try:
            hits = list(r.check(ctx))
        except Exception as e:  # a bug or odd data in one rule must not sink the audit
            out[code] = [], [CoverageGap("ecs-auditor", "global", f"rule {code}", type(e).__name__,
                                         message=str(e)[:300], affects=(code,))]
            continue
        seen: set[str] = set()
        found = []
        for h in hits:
            f = make_finding(ctx, r, h)
            if f.fingerprint not in seen:
                seen.add(f.fingerprint)
                found.append(f)
        out[code] = found, []
    return out


def make_finding(ctx: Any, r: Rule, h: Hit) -> Finding:
    sev = h.severity or r.severity
    evidence = dict(h.evidence)
    message = h.message
    exposed = ctx.exposure(h.exposure_of) if h.exposure_of else None
    if exposed:
        evidence["exposure"] = exposed  # kept even at critical, so risk ranking can use it
    if exposed and r.code[0] == "I" and r.code[1] in "13":
        raised = raise_severity(sev)
        if raised != sev:
            evidence["severity_raised"] = {"from": sev, "to": raised, "because": exposed}
            message = f"{message} Raised to {raised}: {exposed}."
            sev = raised
    return Finding(
        fingerprint=fingerprint(r.code, h), rule_id=r.code, rule_name=r.name, category=r.category,
        severity=sev, title=r.title, message=message, resource_type=h.resource_type,
        resource_arn=h.resource_arn, region=h.region, account_id=ctx.inv.account_id,
        related_arns=tuple(sorted(set(h.related_arns))), evidence=evidence,
        remediation=r.remediation, references=r.references, compliance=r.controls)


def with_mute(f: Finding, reason: str) -> Finding:
    return replace(f, muted=True, mute_reason=reason)
