"""findings.json / CSV contents, diff between scans, baseline marking, safe folder swaps."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from auditor.audit import audit
from auditor.report import write_outputs
from tests.builders import allow, inventory, role, service, task_def
from tests.conftest import run_cli


def small(admin=True):
    r = role("app", allow("*") if admin else allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"))
    td = task_def("app", task_role=r, compat=("FARGATE",), cpu="256", memory="512")
    return inventory(roles=[r], tds=[td], services=[service("app", td, "FARGATE")])


def test_findings_json_and_csv_follow_the_contract(tmp_path):
    out = write_outputs(audit(small()), tmp_path / "o", ["json", "csv"])
    doc = json.loads((out / "findings.json").read_text())
    assert doc["schema"] == "ecs-auditor/findings/1" and doc["account_id"] == "111122223333"
    assert set(doc["summary"]["by_severity"]) == {"critical", "high", "medium", "low", "info"}
    f = next(x for x in doc["findings"] if x["rule_id"] == "I101")
    for key in ("fingerprint", "rule_name", "category", "severity", "title", "message",
                "resource_type", "resource_arn", "region", "account_id", "related_arns", "evidence",
                "remediation", "references", "muted"):
        assert key in f, key
    csv = pd.read_csv(out / "findings.csv")
    assert len(csv) == len(doc["findings"])
    row = csv[csv.rule_id == "I101"].iloc[0]
    assert json.loads(row.evidence)["role_kind"] == "task"
    assert ";" in row.related_arns or row.related_arns.startswith("arn:")
    perms = pd.read_csv(out / "permissions.csv")
    # The contract's columns first, then what the grants view adds.
    assert list(perms.columns) == ["workload", "via", "role_arn", "action", "resource", "decision",
                                   "source_policy", "statement", "actions_covered", "actions_left",
                                   "admin_equivalent"]
    [admin] = perms.itertuples()  # one statement, written as Action "*": one row, not 23,000
    assert (admin.action, admin.resource, admin.decision) == ("*", "*", "allowed")
    assert admin.actions_covered > 20_000 and admin.admin_equivalent
    assert admin.source_policy == "role app inline policy p" and admin.statement == "#1"
    costs = pd.read_csv(out / "costs.csv")
    assert costs.loc[0, "monthly_cost_usd"] == round((0.25 * 0.04048 + 0.5 * 0.004445) * 730 * 2, 2)
    # Sizes as numbers beside the text, and the region.
    row = costs.loc[0]
    assert (row.vcpu, row.memory_gb, row.region) == (0.25, 0.5, "us-east-1")


def test_the_findings_frame_keeps_account_ids_as_text_and_orders_severities():
    frame = audit(small()).findings_frame()
    assert frame.account_id.dtype == "string" and frame.account_id.iloc[0] == "111122223333"
    ordered = list(frame.sort_values("severity").severity.astype(str).unique())
    assert ordered == sorted(ordered, key=["critical", "high", "medium", "low", "info"].index)
    assert ordered != sorted(ordered)  # not alphabetical: critical, medium, low, info here


def test_diff_and_baseline_mark_new_and_resolved(tmp_path):
    old = write_outputs(audit(small(admin=False)), tmp_path / "old", ["json"])
    new = write_outputs(audit(small(admin=True)), tmp_path / "new", ["json"])
    proc = run_cli("diff", str(old), str(new), "--json")
    d = json.loads(proc.stdout)
    assert "I101" in {f["rule_id"] for f in d["new"]}
    assert d["resolved"] == []  # the admin role only adds findings
    text = run_cli("diff", str(old / "findings.json"), str(new))
    assert "new" in text.stdout and "NEW" in text.stdout
    baseline = [f["fingerprint"] for f in json.loads((old / "findings.json").read_text())["findings"]]
    marked = audit(small(admin=True), baseline=baseline)
    assert {f.rule_id for f in marked.findings if f.new} >= {"I101"}
    assert all(f.new is False for f in marked.findings if f.fingerprint in baseline)


def test_diff_of_a_foreign_file_is_a_one_line_error(tmp_path):
    (tmp_path / "x.json").write_text('{"a": 1}')
    proc = run_cli("diff", str(tmp_path / "x.json"), str(tmp_path / "x.json"))
    assert proc.returncode == 2 and "not an ecs-auditor findings file" in proc.stderr


def test_a_failing_write_leaves_the_previous_folder_intact(tmp_path, monkeypatch):
    out = write_outputs(audit(small()), tmp_path / "o", ["json", "html"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(result, folder, options):
        raise RuntimeError("disk full")
    monkeypatch.setattr("auditor.report.html.write_html", boom)
    with pytest.raises(RuntimeError):
        write_outputs(audit(small(admin=False)), out, ["json", "html"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # No temporary folder left behind; only the hidden lock file that serialises runs.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "o"]


def test_expanded_permissions_stream_every_action_and_are_capped(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    proc = run_cli("audit", str(path), "--output", str(tmp_path / "x"), "--format", "csv",
                   "--permissions", "expanded")
    assert proc.returncode == 0, proc.stderr
    expanded = pd.read_csv(tmp_path / "x" / "permissions.csv")
    assert list(expanded.columns) == ["workload", "via", "role_arn", "action", "resource", "decision"]
    assert (expanded.action == "iam:createuser").any() and len(expanded) > 20_000
    proc = run_cli("audit", str(path), "--output", str(tmp_path / "c"), "--format", "csv",
                   "--permissions", "expanded", "--max-output-mb", "1")
    assert proc.returncode == 0 and "permissions.csv (expanded) capped at 1 MB" in proc.stderr
    assert 1 << 20 <= (tmp_path / "c" / "permissions.csv").stat().st_size < 2 << 20


def test_the_default_permissions_csv_of_the_demo_is_small(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    assert run_cli("audit", str(path), "--output", str(tmp_path / "o"), "--format", "csv").returncode == 0
    size = (tmp_path / "o" / "permissions.csv").stat().st_size
    assert size <= 300_000, size
    grants = pd.read_csv(tmp_path / "o" / "permissions.csv")
    # Execution-role rows carry the task definition as their workload, like the others.
    exe = grants[grants.via == "execution-role"]
    assert len(exe) and exe.workload.str.contains(":task-definition/").all()
