"""OCSF (validated by py-ocsf-models) and ASFF as written by `--format ocsf,asff`, PASS rows with
`--status fail,pass`, and the controls on the demo account's findings.

ASFF fields and limits: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-attributes.html
OCSF Detection Finding (class 2004): https://schema.ocsf.io/1.5.0/classes/detection_finding
"""

from __future__ import annotations

import json

import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def outputs(demo_snapshot, tmp_path_factory):
    path, inv, seeded = demo_snapshot
    out = tmp_path_factory.mktemp("formats") / "out"
    mutes = tmp_path_factory.mktemp("mutes") / "mute.yaml"
    mutes.write_text("mute:\n  - rule: C108\n    reason: pinned by the deploy pipeline\n")
    proc = run_cli("audit", str(path), "--output", str(out), "--format", "json,csv,ocsf,asff",
                   "--status", "fail,pass", "--mutelist", str(mutes), "--quiet")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "findings.json").read_text())
    return out, doc, inv


def test_ocsf_events_validate_and_carry_fingerprint_resources_and_compliance(outputs):
    out, doc, inv = outputs
    events = json.loads((out / "findings.ocsf.json").read_text())
    fails = [e for e in events if e["status_code"] == "FAIL"]
    assert len(fails) == len(doc["findings"])
    by_uid = {f["fingerprint"]: f for f in doc["findings"]}
    for e in events:
        DetectionFinding.model_validate(e)  # raises on any field the schema does not allow
        assert e["class_uid"] == 2004 and e["type_uid"] == 200401
    for e in fails:
        f = by_uid[e["finding_info"]["uid"]]
        res = e["resources"][0]
        assert res["uid"] == f["resource_arn"] and res["data"]["account_id"] == inv.account_id
        assert e["cloud"]["account"]["uid"] == inv.account_id
        assert e["severity_id"] == {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}[f["severity"]]
        assert e["unmapped"]["compliance"] == f["compliance"]
        assert e["remediation"]["desc"] == f["remediation"]
        assert e["status"] == ("Suppressed" if f["muted"] else "New")
    assert any(e["status"] == "Suppressed" for e in fails)  # C108 was muted


def test_pass_rows_are_evidence_of_each_checked_resource(outputs):
    out, doc, _ = outputs
    events = json.loads((out / "findings.ocsf.json").read_text())
    passes = {(e["metadata"]["event_code"], e["resources"][0]["uid"]) for e in events
              if e["status_code"] == "PASS"}
    expected = {(r["rule_id"], a) for r in doc["checks"]["rules"] for a in r["passed_arns"]}
    assert passes == expected and passes
    csv = (out / "findings.csv").read_text()
    assert csv.count(",PASS,") == len(expected)


def test_asff_has_the_fields_batch_import_requires(outputs):
    out, doc, inv = outputs
    findings = [f for f in json.loads((out / "findings.asff.json").read_text())
                if f["Compliance"]["Status"] == "FAILED"]
    assert len(findings) == len(doc["findings"])
    account = inv.account_id
    for a in findings:
        assert a["SchemaVersion"] == "2018-10-08"
        assert a["ProductArn"] == f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default"
        assert a["AwsAccountId"] == account and a["GeneratorId"][0] in "ILBFCNK"
        assert len(a["Title"]) <= 256 and len(a["Description"]) <= 1024
        assert len(a["Remediation"]["Recommendation"]["Text"]) <= 512
        assert all(t.count("/") == 2 or t.startswith("TTPs/") for t in a["Types"])
    by_rule = {a["GeneratorId"]: a for a in findings}
    assert by_rule["N101"]["Compliance"]["RelatedRequirements"] == [
        "AWS Foundational Security Best Practices v1.0.0/ECS.2"]
    assert by_rule["C108"]["Workflow"]["Status"] == "SUPPRESSED"
    assert by_rule["N101"]["Workflow"]["Status"] == "NEW"


def test_the_demo_account_control_ecs2_names_its_services(outputs, demo_snapshot):
    """FSBP ECS.2 on the demo: every service is checked; admin-tool (public IP) fails."""
    _, doc, inv = outputs
    ecs2 = next(c for c in doc["checks"]["controls"] if c["control"] == "ECS.2")
    services = {s.arn for s in inv.services}
    public = {s.arn for s in inv.services if s.assign_public_ip == "ENABLED"}
    assert [a.rsplit("/", 1)[-1] for a in public] == ["admin-tool"]
    assert ecs2["checked"] == len(services)
    assert set(ecs2["failed_arns"]) == public
    assert set(ecs2["passed_arns"]) == services - public


def test_unknown_status_is_a_usage_error(demo_snapshot, tmp_path):
    proc = run_cli("audit", str(demo_snapshot[0]), "--output", str(tmp_path / "o"), "--status", "ok")
    assert proc.returncode == 2 and "unknown status" in proc.stderr and "Traceback" not in proc.stderr
