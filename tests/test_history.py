"""History: four weekly scans of the demo account, changed between scans on the moto server,
appended with --history and read back by `ecs-auditor history` exactly as the findings say.

Expected values are computed here from each scan's own findings.json, by fingerprint; the
history must agree with them, not with numbers written into the test."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest

from auditor.demo.server import FAKE_CREDS
from auditor.model import load_snapshot, save_snapshot
from tests.conftest import aws_env, run_cli, separate_moto_server

pytestmark = pytest.mark.e2e

WEEKS = ["2026-11-02T06:00:00Z", "2026-11-09T06:00:00Z", "2026-11-16T06:00:00Z", "2026-11-23T06:00:00Z"]
SEVERITIES = ["critical", "high", "medium", "low", "info"]


def _change(week: int, ecs, seeded) -> None:
    """What happens to the account before each scan."""
    if week == 1:  # the public admin tool is taken down
        ecs.delete_service(cluster="prod-fargate", service="admin-tool", force=True)
    if week == 2:  # and comes back under another name, public again
        admin_td = ecs.list_task_definitions(familyPrefix="admin-tool")["taskDefinitionArns"][-1]
        ecs.create_service(cluster="prod-fargate", serviceName="admin-tool-v2", taskDefinition=admin_td,
                           desiredCount=1, launchType="FARGATE", networkConfiguration={
                               "awsvpcConfiguration": {"subnets": [seeded.subnets["public-a"]],
                                                       "securityGroups": [seeded.groups["tasks"]],
                                                       "assignPublicIp": "ENABLED"}})


@pytest.fixture(scope="module")
def weekly(tmp_path_factory):
    from auditor.demo.workloads import seed_demo

    root = tmp_path_factory.mktemp("weekly")
    history = root / "history"
    docs = []
    with separate_moto_server() as endpoint:
        seeded = seed_demo(endpoint, metrics=False)
        ecs = boto3.client("ecs", region_name="us-east-1", endpoint_url=endpoint, **FAKE_CREDS)
        env = aws_env(endpoint)
        for week, when in enumerate(WEEKS):
            _change(week, ecs, seeded)
            snap = root / f"week{week}.json.gz"
            proc = run_cli("collect", "--regions", "us-east-1", "--no-metrics", "--output", str(snap),
                           env=env)
            assert proc.returncode == 0, proc.stderr
            save_snapshot(replace(load_snapshot(snap), collected_at=when), snap)  # that week's scan
            out = root / f"out{week}"
            proc = run_cli("audit", str(snap), "--output", str(out), "--history", str(history), "--quiet")
            assert proc.returncode == 0, proc.stderr
            docs.append(json.loads((out / "findings.json").read_text()))
    return history, docs, out


def _expected(docs):
    seen, previous, rows = set(), set(), []
    for doc in docs:
        live = [f for f in doc["findings"] if not f["muted"]]
        now = {f["fingerprint"] for f in live}
        rows.append({"open": {s: sum(f["severity"] == s for f in live) for s in SEVERITIES},
                     "new": len(now - seen), "recurring": len(now & seen),
                     "resolved": len(previous - now)})
        seen |= now
        previous = now
    return rows


def test_trend_reads_back_exactly(weekly):
    history, docs, _ = weekly
    proc = run_cli("history", str(history), "--json")
    assert proc.returncode == 0, proc.stderr
    scans = json.loads(proc.stdout)["scans"]
    assert [s["scanned_at"] for s in scans] == WEEKS
    got = [{k: s[k] for k in ("open", "new", "recurring", "resolved")} for s in scans]
    assert got == _expected(docs)
    # The account really changed: N101 resolved in week 2, a new one in week 3.
    n101 = [{f["fingerprint"] for f in d["findings"] if f["rule_id"] == "N101"} for d in docs]
    assert n101[0] and not n101[1] and n101[2] and n101[2] != n101[0] and n101[3] == n101[2]
    assert scans[1]["resolved"] >= 1 and scans[2]["new"] >= 1


def test_oldest_open_critical_has_its_age(weekly):
    history, docs, _ = weekly
    last = json.loads(run_cli("history", str(history), "--json").stdout)["scans"][-1]
    critical = last["oldest_open"]["critical"]
    first_fp = {f["fingerprint"] for f in docs[0]["findings"] if f["severity"] == "critical"}
    assert critical["fingerprint"] in first_fp  # open since the first week: 21 days
    assert critical["first_seen"] == WEEKS[0] and critical["age_days"] == 21


def test_since_hides_earlier_scans_but_not_what_they_saw(weekly):
    history, _, _ = weekly
    scans = json.loads(run_cli("history", str(history), "--since", "2026-11-15", "--json").stdout)["scans"]
    assert [s["scanned_at"] for s in scans] == WEEKS[2:]
    assert scans[-1]["new"] == 0  # everything in week 4 was seen before, even before --since


def test_table_and_report_show_the_trend(weekly):
    history, _, out = weekly
    text = run_cli("history", str(history)).stdout
    assert text.splitlines()[0].startswith("scanned at") and len(text.splitlines()) == 5
    html = (out / "report.html").read_text()
    assert 'id="trend"' in html and html.count("<polyline") == 5  # one line per severity


def test_bad_history_input_is_one_line(tmp_path):
    proc = run_cli("history", str(tmp_path / "none"))
    assert proc.returncode == 2 and "no history at" in proc.stderr
    proc = run_cli("history", str(tmp_path), "--since", "last week")
    assert proc.returncode == 2 and "--since must be a date" in proc.stderr
