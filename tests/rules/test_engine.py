"""The registry, the generated catalogue, fingerprints and the mutelist."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from auditor.mutelist import MutelistError, apply_mutelist, load_mutelist
from auditor.rules.catalogue import catalogue_markdown
from auditor.rules.engine import CATEGORIES, SECTIONS, SEVERITIES, load_rules
from tests.builders import allow, findings, inventory, role, service, task_def
from tests.conftest import ROOT

SPEC_CODES = set(re.findall(r"^\| ([ILBFCN]\d{3}) \|", (ROOT.parent / "shared/docs/rules.md").read_text(),
                            re.M)) if (ROOT.parent / "shared/docs/rules.md").exists() else set()


def test_every_rule_documents_every_section_with_an_aws_reference():
    rules = load_rules()
    assert len(rules) >= 45
    for code, r in rules.items():
        missing = [s for s in SECTIONS if not r.doc.get(s)]
        assert not missing, f"{code} lacks {missing}"
        assert r.references and all(u.startswith("https://") for u in r.references), code
        assert r.severity in SEVERITIES and r.category in CATEGORIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), code


# Specified rules whose issue is still open, each with the issue that brings it. The list only
# shrinks: a specified code neither implemented nor listed here fails, and so does a listed code
# that has been implemented.
PENDING: dict[str, int] = {}


@pytest.mark.skipif(not SPEC_CODES, reason="shared/docs/rules.md is not beside the checkout")
def test_every_specified_rule_is_implemented():
    implemented = set(load_rules())
    assert SPEC_CODES - set(PENDING) <= implemented
    assert not implemented & set(PENDING), "implemented: remove them from PENDING"
    assert set(PENDING) <= SPEC_CODES


def test_docs_rules_md_is_generated_and_current():
    on_disk = (ROOT / "docs/rules.md").read_text()
    assert on_disk == catalogue_markdown(), "run: python -m auditor.rules.catalogue"


def admin_inventory():
    r = role("app", allow("*"))
    td = task_def("app", task_role=r, compat=("FARGATE",))
    return inventory(roles=[r], tds=[td], services=[service("app", td, "FARGATE")])


def test_fingerprints_are_stable_and_distinct():
    a, b = findings(admin_inventory()), findings(admin_inventory())
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert len({f.fingerprint for f in a}) == len(a)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "mute.yaml"
    p.write_text(text)
    return p


def test_mutelist_by_code_or_name_with_glob_and_expiry(tmp_path):
    found = findings(admin_inventory())
    entries = load_mutelist(write(tmp_path, """
mute:
  - rule: I101
    resource: "arn:aws:iam::*:role/app"
    reason: accepted, SEC-1
  - rule: writable-root-filesystem
    reason: legacy images
  - rule: C103
    reason: expired acceptance
    expires: 2020-01-01
"""))
    muted, expired = apply_mutelist(found, entries, dt.date(2026, 11, 27))
    by_rule = {f.rule_id: f for f in muted}
    assert by_rule["I101"].muted and by_rule["I101"].mute_reason == "accepted, SEC-1"
    assert by_rule["C104"].muted
    assert not by_rule["C103"].muted  # the expired entry mutes nothing...
    assert expired == [{"rule": "C103", "resource": None, "reason": "expired acceptance",
                        "expires": "2020-01-01", "line": 8}]  # ...and is reported


@pytest.mark.parametrize("text, message", [
    ("mute:\n  - rule: I101\n    reason: [unclosed\n", "invalid YAML at line"),
    ("mute:\n  - rule: X999\n    reason: r\n", "line 2: unknown rule 'X999'"),
    ("mute:\n  - rule: I101\n", "line 2: 'reason' is required"),
    ("mute:\n  - rule: I101\n    reason: r\n    expires: someday\n", "line 2: 'expires' must be a date"),
    ("nothing: here\n", "expected 'mute:' with a list"),
])
def test_bad_mutelists_name_the_line(tmp_path, text, message):
    with pytest.raises(MutelistError, match=re.escape(message)):
        load_mutelist(write(tmp_path, text))


def test_every_collector_call_is_read_by_a_rule_and_every_read_is_collected():
    """A call no rule reads is a permission asked for nothing (the VPCs once were); a read no
    collector makes is a rule that can never be judged."""
    from auditor.collect import call_graph, declared_actions

    reads = {a for r in load_rules().values() for a in r.reads}
    declared = set(declared_actions())
    assert reads <= declared, f"read but never collected: {sorted(reads - declared)}"
    follows = call_graph()
    unread = sorted(a for a in declared if not ({a, *follows[a]} & reads))
    assert not unread, f"collected but read by no rule (directly or through what follows): {unread}"


def test_a_gap_affects_the_rules_that_read_what_it_blocked():
    from auditor.collect import call_graph
    from auditor.rules.engine import rules_reading

    # No container instances: nothing about hosts can be judged, task definitions still can.
    blocked = ("ecs:ListContainerInstances", *call_graph()["ecs:ListContainerInstances"])
    affected = set(rules_reading(blocked))
    assert {"I301", "I302", "L106", "L107", "K105"} <= affected
    assert not {"C101", "C102", "L101", "F102", "N101"} & affected


def test_each_rule_module_holds_the_codes_its_docstring_names():
    """A rule code tells where its code and its test live: auditor/rules/<concern>.py holds the
    range its docstring names, and tests/rules/test_<concern>.py tests it."""
    import importlib

    from auditor.rules.engine import RULE_MODULES

    for name in RULE_MODULES:
        doc = importlib.import_module(f"auditor.rules.{name}").__doc__
        letter, low, high = re.match(r"Rules ([A-Z])(\d{3})–[A-Z](\d{3})", doc).groups()
        in_range = {c for c in load_rules() if c[0] == letter and low <= c[1:] <= high}
        codes = {c for c, r in load_rules().items() if r.module == f"auditor.rules.{name}"}
        assert codes and codes == in_range, name
        test = ROOT / "tests" / "rules" / f"test_{name}.py"
        assert test.exists(), f"no test module for auditor.rules.{name}"
        assert f"auditor.rules.{name}" in test.read_text().split("\n", 1)[0]
