"""Faults during collection, through a fault-injecting proxy in front of the moto server: the
run completes, the gaps name the rules they prevented, outputs are whole or absent."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from auditor.collect import CollectOptions, collect
from auditor.demo.server import local_session
from auditor.rules.engine import rules_reading
from tests.conftest import ROOT, aws_env, run_cli
from tests.faults import FaultProxy


def through(proxy_decide, endpoint, **opts):
    with FaultProxy(endpoint, proxy_decide) as proxy:
        inv = collect(CollectOptions(endpoint_url=proxy.url, **{"regions": ("us-east-1",), **opts}),
                      session=local_session())
    return inv, proxy


def test_throttling_beyond_the_retry_budget_is_a_gap(demo_server):
    endpoint, seeded = demo_server
    inv, proxy = through(lambda op, n, r: (400, "ThrottlingException") if op == "ListTasks" else None,
                         endpoint, max_attempts=2, metrics=False)
    gaps = [g for g in inv.gaps if g.operation == "ListTasks"]
    assert len(gaps) == len(seeded.clusters) and {g.error for g in gaps} == {"ThrottlingException"}
    assert proxy.injected["ListTasks"] == 2 * len(seeded.clusters)  # each call tried twice
    assert {s.arn for s in inv.services} == set(seeded.services.values())


def test_5xx_once_is_retried_and_always_is_a_gap(demo_server):
    endpoint, seeded = demo_server

    def decide(op, n, region):
        if op == "DescribeServices" and n == 0:
            return 500, "InternalFailure"
        if op == "GetMetricData":
            return 503, "ServiceUnavailable"
        return None
    inv, _ = through(decide, endpoint, max_attempts=3)
    assert {s.arn for s in inv.services} == set(seeded.services.values())
    assert inv.retry_counts.get("ecs:DescribeServices") == 1
    [gap] = inv.gaps
    assert (gap.operation, gap.error) == ("GetMetricData", "ServiceUnavailable")
    # Only the rule that reads utilisation is affected.
    assert rules_reading((gap.action, *gap.blocked)) == ("K101",)


def test_a_connection_timeout_is_a_gap(demo_server):
    endpoint, _ = demo_server
    # moto's slowest honest answer takes about 3 s; the injected one takes 9 s.
    inv, _ = through(lambda op, n, r: (9, "SLOW") if op == "DescribeInstances" else None, endpoint,
                     max_attempts=1, read_timeout=6.0, metrics=False)
    [gap] = inv.gaps
    assert gap.operation == "DescribeInstances" and gap.error == "ReadTimeoutError"
    assert inv.ec2_instances == ()


def test_a_region_that_is_not_enabled_is_a_gap_and_others_complete(demo_server):
    endpoint, seeded = demo_server
    disabled = "ap-east-1"
    inv, _ = through(lambda op, n, r: (403, "UnrecognizedClientException") if r == disabled else None,
                     endpoint, regions=("us-east-1", disabled), metrics=False)
    assert {g.region for g in inv.gaps} == {disabled}
    # Each regional listing of that region is one gap (nothing follows from a failed listing).
    assert {g.operation for g in inv.gaps} == {"ListClusters", "ListTaskDefinitions", "ListSecrets",
                                                "ListQueues", "ListTopics"}
    assert {s.arn for s in inv.services} == set(seeded.services.values())


def test_scan_with_denied_calls_reports_gaps_first_and_follows_fail_on(demo_server, tmp_path):
    endpoint, _ = demo_server
    denied = {"DescribeFileSystemPolicy", "GetMetricData"}
    with FaultProxy(endpoint, lambda op, n, r: (400, "AccessDeniedException") if op in denied
                    else None) as proxy:
        out = tmp_path / "out"
        proc = run_cli("scan", "--endpoint-url", proxy.url, "--regions", "us-east-1", "--output",
                       str(out), "--fail-on", "critical", "--quiet", env=aws_env(proxy.url))
    assert proc.returncode == 1, proc.stderr  # critical findings remain: --fail-on as usual
    doc = json.loads((out / "findings.json").read_text())
    gaps = {g["operation"]: g for g in doc["coverage"]["gaps"]}
    assert set(gaps) == denied
    assert "F109" in gaps["DescribeFileSystemPolicy"]["affects"]
    assert "K101" in gaps["GetMetricData"]["affects"]
    html = (out / "report.html").read_text()
    # The gaps are on the first screen: in the summary, before the findings.
    assert html.index('id="coverage"') < html.index('id="findings"')
    assert f"Coverage gaps: {len(doc['coverage']['gaps'])}." in html
    # nothing half-written beside it (only the hidden lock file)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock") == ["out"]


def test_sigterm_during_a_scan_leaves_the_previous_output_intact(demo_server, tmp_path):
    endpoint, _ = demo_server
    out = tmp_path / "out"
    first = run_cli("scan", "--endpoint-url", endpoint, "--regions", "us-east-1", "--output", str(out),
                    "--no-metrics", "--quiet", env=aws_env(endpoint))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with FaultProxy(endpoint, lambda op, n, r: (30, "SLOW") if op == "DescribeServices" else None) as proxy:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", "scan", "--endpoint-url", proxy.url,
                                 "--regions", "us-east-1", "--output", str(out), "--quiet"],
                                cwd=ROOT, env=aws_env(proxy.url), stderr=subprocess.PIPE, text=True)
        time.sleep(6)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock") == ["out"]


def test_error_messages_never_print_credentials(tmp_path):
    secret = "Zz9SuperSecretAccessKeyValue/DoNotPrint1234"
    with FaultProxy("http://127.0.0.1:9", lambda op, n, r: (403, "InvalidClientTokenId")) as proxy:
        env = aws_env(proxy.url) | {"AWS_SECRET_ACCESS_KEY": secret,
                                    "AWS_ACCESS_KEY_ID": "AKIAZZZZZZZZZZZZZZZZ"}
        proc = run_cli("collect", "--endpoint-url", proxy.url, "--output", str(tmp_path / "s.json.gz"),
                       env=env)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "cannot identify the account" in proc.stderr
    assert secret not in proc.stderr + proc.stdout and "AKIAZZZZ" not in proc.stderr + proc.stdout
    assert not (tmp_path / "s.json.gz").exists()
