"""`ecs-auditor scan` against the moto server over HTTP: every category, --fail-on, mutelist."""

from __future__ import annotations

import json

import pytest

from tests.conftest import aws_env, run_cli

CATEGORIES = {"iam", "launch-type", "load-balancer", "efs", "container", "network", "cost"}


@pytest.fixture(scope="module")
def scan(demo_server, tmp_path_factory):
    endpoint, seeded = demo_server
    out = tmp_path_factory.mktemp("scan") / "out"
    proc = run_cli("scan", "--endpoint-url", endpoint, "--regions", "us-east-1", "--output", str(out),
                   "--fail-on", "high", env=aws_env(endpoint))
    return proc, out, seeded


def test_scan_finds_every_category_and_fails_on_high(scan):
    proc, out, _ = scan
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((out / "findings.json").read_text())
    assert doc["schema"] == "ecs-auditor/findings/1"
    assert {f["category"] for f in doc["findings"]} >= CATEGORIES - {"cost"}
    shown = {p.name for p in out.iterdir() if not p.name.startswith(".")}  # beside the hidden mark
    assert shown == {"snapshot.json.gz", "findings.json", "findings.csv", "permissions.csv",
                     "costs.csv", "report.html"}
    assert "findings (" in proc.stdout and "report.html" in proc.stdout


def test_rescanning_gives_the_same_fingerprints(scan, demo_server, tmp_path):
    proc, out, _ = scan
    endpoint, _ = demo_server
    again = tmp_path / "again"
    run_cli("scan", "--endpoint-url", endpoint, "--regions", "us-east-1", "--output", str(again),
            "--no-metrics", "--quiet", env=aws_env(endpoint))
    first = {f["fingerprint"] for f in json.loads((out / "findings.json").read_text())["findings"]
             if f["category"] != "cost"}
    second = {f["fingerprint"] for f in json.loads((again / "findings.json").read_text())["findings"]
              if f["category"] != "cost"}
    assert first == second
    diff = run_cli("diff", str(out), str(again), "--json")
    assert json.loads(diff.stdout)["new"] == []


def test_mutelist_mutes_what_it_names_and_fail_on_follows(scan, tmp_path):
    _, out, seeded = scan
    doc = json.loads((out / "findings.json").read_text())
    severe = {f["rule_id"] for f in doc["findings"] if f["severity"] in ("critical", "high")}
    mute = tmp_path / "mute.yaml"
    mute.write_text("mute:\n" + "".join(f"  - rule: {r}\n    reason: accepted in test\n"
                                         for r in sorted(severe)))
    proc = run_cli("audit", str(out / "snapshot.json.gz"), "--output", str(tmp_path / "muted"),
                   "--mutelist", str(mute), "--fail-on", "high", "--quiet")
    assert proc.returncode == 0, proc.stderr
    muted = json.loads((tmp_path / "muted" / "findings.json").read_text())
    assert all(f["muted"] for f in muted["findings"] if f["rule_id"] in severe)
    assert any(not f["muted"] for f in muted["findings"])
    assert muted["summary"]["muted"] == sum(f["rule_id"] in severe for f in muted["findings"])


def test_a_bad_mutelist_is_a_one_line_error(scan, tmp_path):
    _, out, _ = scan
    mute = tmp_path / "mute.yaml"
    mute.write_text("mute:\n  - rule: NOPE\n    reason: x\n")
    proc = run_cli("audit", str(out / "snapshot.json.gz"), "--output", str(tmp_path / "o"),
                   "--mutelist", str(mute))
    assert proc.returncode == 2 and "line 2: unknown rule 'NOPE'" in proc.stderr
    assert proc.stderr.count("\n") == 1 and not (tmp_path / "o").exists()


def test_scan_checks_its_inputs_before_collecting(tmp_path):
    bad = tmp_path / "mute.yaml"
    bad.write_text("mute:\n  - rule: I101\n")
    # The endpoint is unreachable: had collection started, the error would be about the account.
    proc = run_cli("scan", "--endpoint-url", "http://127.0.0.1:9", "--mutelist", str(bad),
                   "--output", str(tmp_path / "o"))
    assert proc.returncode == 2 and "line 2: 'reason' is required" in proc.stderr
    proc = run_cli("scan", "--endpoint-url", "http://127.0.0.1:9", "--format", "html,pdf",
                   "--output", str(tmp_path / "o"))
    assert proc.returncode == 2 and "unknown format(s) pdf" in proc.stderr
