"""Resource policies end to end: collected from the demo account on the moto server over HTTP,
and each layer deciding through simulate, who-can, what-can and the rules; a denied key-policy
read is a coverage gap in the report and makes what depends on it conditional."""

from __future__ import annotations

import json

import pytest

from auditor.collect import CollectOptions, collect
from auditor.demo.server import DEMO_ACCOUNT as ACCT
from auditor.demo.server import local_session
from auditor.model import save_snapshot
from tests.conftest import run_cli
from tests.faults import FaultProxy

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCT}:role/"
REPORT = "arn:aws:s3:::acme-reports/2026/q4.csv"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCT}:jobs"


def _json(*args):
    proc = run_cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_policies_are_collected(demo_snapshot):
    _, inv, _ = demo_snapshot
    kinds = {(r.service, r.name): r for r in inv.resource_policies}
    assert kinds[("s3", "acme-reports")].policy_status == "present"
    assert kinds[("sqs", "jobs")].policy_status == "present"
    assert kinds[("ecr", "worker")].policy_status == "present"
    assert kinds[("ecr", "web")].policy_status == "none"  # no policy is not a gap
    secret = next(r for r in inv.resource_policies if r.service == "secretsmanager")
    keys = {k.arn: k for k in inv.kms_keys}
    key = next(k for k in keys.values() if "alias/app-secrets" in k.aliases)
    assert secret.kms_key_id == "alias/app-secrets"
    assert key.manager == "CUSTOMER" and key.policy_status == "present"
    [group] = inv.log_groups  # the API's log group has its own key, read like the others
    assert group.name == "/ecs/api" and group.kms_key_id in keys


def test_an_allow_only_in_the_bucket_policy(demo_snapshot):
    snap = str(demo_snapshot[0])
    sim = _json("simulate", "--snapshot", snap, "--principal", ROLE + "worker-task", "--action",
                "s3:PutObject", "--resource", REPORT)
    assert sim["decision"] == "allowed"
    assert [d["layer"] for d in sim["decided_by"] if d["effect"] == "allow"] == ["resource"]
    who = _json("who-can", "s3:PutObject", REPORT, "--snapshot", snap)
    assert ROLE + "worker-task" in {p["arn"] for p in who["principals"]}
    what = _json("what-can", "worker", "--snapshot", snap, "--action", "s3:PutObject")
    assert any(p["resource"] == "arn:aws:s3:::acme-reports/*"
               and p["source"] == "bucket policy of acme-reports" for p in what["permissions"])


def test_a_deny_only_in_the_bucket_policy(demo_snapshot):
    snap = str(demo_snapshot[0])
    sim = _json("simulate", "--snapshot", snap, "--principal", ROLE + "legacy-execution", "--action",
                "s3:DeleteObject", "--resource", REPORT)
    assert sim["decision"] == "denied"
    assert any(d["layer"] == "resource" and d["effect"] == "deny" and d["sid"] == "KeepReports"
               for d in sim["decided_by"])
    # Its own policy allows s3:* on *: on another bucket the same request is allowed.
    other = _json("simulate", "--snapshot", snap, "--principal", ROLE + "legacy-execution", "--action",
                  "s3:DeleteObject", "--resource", "arn:aws:s3:::elsewhere/x")
    assert other["decision"] == "allowed"


def test_a_key_policy_without_iam_delegation(demo_snapshot):
    snap, inv, _ = demo_snapshot
    key = next(k for k in inv.kms_keys if "alias/app-secrets" in k.aliases)
    sim = _json("simulate", "--snapshot", str(snap), "--principal", ROLE + "ecs-task-execution",
                "--action", "kms:Decrypt", "--resource", key.arn)
    assert sim["decision"] == "denied"  # its identity policy is not even asked: no delegation
    assert [d["layer"] for d in sim["decided_by"]][-1] == "resource"


def test_the_rules_on_the_demo(demo_snapshot, tmp_path):
    snap, inv, _ = demo_snapshot
    proc = run_cli("audit", str(snap), "--output", str(tmp_path / "out"), "--format", "json,html", "--quiet")
    assert proc.returncode == 0, proc.stderr
    findings = json.loads((tmp_path / "out" / "findings.json").read_text())["findings"]
    by = {}
    for f in findings:
        by.setdefault(f["rule_id"], []).append(f)
    key = next(k for k in inv.kms_keys if "alias/app-secrets" in k.aliases)
    [i202] = [f for f in by["I202"] if "worker" in f["resource_arn"]]
    assert [m["resource"] for m in i202["evidence"]["missing"]] == [key.arn]
    partner = "arn:aws:iam::999988887777:root"
    assert [f["evidence"]["admitted"][0]["principal"] for f in by["I401"]] == [partner]
    assert {f["resource_arn"] for f in by["I402"]} == {"arn:aws:s3:::acme-web-assets", QUEUE}
    assert [f["resource_arn"] for f in by["I403"]] == [f"arn:aws:ecr:us-east-1:{ACCT}:repository/worker"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "workload-data-public" in html


def test_who_can_names_outsiders_external_and_public(demo_snapshot):
    snap, inv, _ = demo_snapshot
    secret = next(r.arn for r in inv.resource_policies if r.service == "secretsmanager")
    who = _json("who-can", "secretsmanager:GetSecretValue", secret, "--snapshot", str(snap))
    outside = {p["arn"]: p["reach"] for p in who["principals"] if p["reach"]}
    assert outside == {"arn:aws:iam::999988887777:root": "external"}
    queue = _json("who-can", "sqs:SendMessage", QUEUE, "--snapshot", str(snap))
    assert {p["arn"]: p["reach"] for p in queue["principals"] if p["reach"]} == {"*": "public"}


def test_a_denied_key_policy_read_is_a_gap_and_answers_are_conditional(demo_server, tmp_path):
    endpoint, _ = demo_server

    def deny(op, n, region):
        return (400, "AccessDeniedException") if op == "GetKeyPolicy" else None
    with FaultProxy(endpoint, deny) as proxy:
        inv = collect(CollectOptions(endpoint_url=proxy.url, regions=("us-east-1",), metrics=False,
                                     max_attempts=1), session=local_session())
    gaps = [g for g in inv.gaps if g.operation == "GetKeyPolicy"]
    assert gaps and {g.error for g in gaps} == {"AccessDeniedException"}
    path = tmp_path / "snap.json.gz"
    save_snapshot(inv, path)
    key = next(k for k in inv.kms_keys if "alias/app-secrets" in k.aliases)
    sim = _json("simulate", "--snapshot", str(path), "--principal", ROLE + "ecs-task-execution",
                "--action", "kms:Decrypt", "--resource", key.arn)
    assert sim["decision"] == "conditional"
    proc = run_cli("audit", str(path), "--output", str(tmp_path / "out"), "--format", "json,html", "--quiet")
    doc = json.loads((tmp_path / "out" / "findings.json").read_text())
    g = next(g for g in doc["coverage"]["gaps"] if g["operation"] == "GetKeyPolicy")
    assert "I202" in g["affects"] and "I404" in g["affects"]
    assert "GetKeyPolicy" in (tmp_path / "out" / "report.html").read_text()
    assert proc.returncode == 0
