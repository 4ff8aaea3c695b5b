"""`--security-hub` against the moto server's Security Hub: findings imported in ASFF, read back
with GetFindings, and a finding the next run no longer reports archived (RecordState ARCHIVED),
as https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html
describes for a finding provider."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest

from auditor.demo.server import FAKE_CREDS
from auditor.model import save_snapshot
from auditor.security_hub import ACTIONS
from tests.conftest import aws_env, run_cli, separate_moto_server

pytestmark = pytest.mark.e2e


def _all_findings(hub) -> dict[str, dict]:
    out = {}
    for page in hub.get_paginator("get_findings").paginate():
        out.update({f["Id"]: f for f in page["Findings"]})
    return out


def test_import_read_back_and_archive_what_is_resolved(demo_snapshot, tmp_path):
    path, inv, _ = demo_snapshot
    with separate_moto_server() as endpoint:
        hub = boto3.client("securityhub", region_name="us-east-1", endpoint_url=endpoint, **FAKE_CREDS)
        env = aws_env(endpoint)
        first = run_cli("audit", str(path), "--output", str(tmp_path / "one"), "--security-hub", env=env)
        assert first.returncode == 0, first.stderr
        doc = json.loads((tmp_path / "one" / "findings.json").read_text())
        stored = _all_findings(hub)
        ours = {f"ecs-auditor/{inv.account_id}/{f['rule_id']}/{f['fingerprint']}": f for f in doc["findings"]}
        assert set(stored) == set(ours)
        assert all(f["RecordState"] == "ACTIVE" for f in stored.values())
        n101 = next(i for i, f in ours.items() if f["rule_id"] == "N101")
        assert stored[n101]["Resources"][0]["Id"] == ours[n101]["resource_arn"]
        assert f"{len(ours)} findings imported, 0 archived" in first.stderr

        # The public IP is turned off: the next run no longer reports N101, so it is archived.
        fixed = replace(inv, services=tuple(replace(s, assign_public_ip="DISABLED") for s in inv.services))
        save_snapshot(fixed, tmp_path / "fixed.json.gz")
        second = run_cli("audit", str(tmp_path / "fixed.json.gz"), "--output", str(tmp_path / "two"),
                         "--security-hub", env=env)
        assert second.returncode == 0, second.stderr
        after = _all_findings(hub)
        assert after[n101]["RecordState"] == "ARCHIVED"
        assert [i for i, f in after.items() if f["RecordState"] == "ARCHIVED"] == [n101]
        assert "1 archived" in second.stderr


def test_security_hub_refusal_is_one_line_and_outputs_are_kept(demo_snapshot, tmp_path):
    """Nothing listens on the endpoint: one line, exit 2, and the output folder was written."""
    proc = run_cli("audit", str(demo_snapshot[0]), "--output", str(tmp_path / "o"), "--security-hub",
                   "--quiet", "--endpoint-url", "http://127.0.0.1:9", env=aws_env("http://127.0.0.1:9"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "Security Hub could not be reached" in proc.stderr
    assert (tmp_path / "o" / "findings.json").exists()


def test_permissions_security_hub_prints_only_its_calls():
    proc = run_cli("permissions", "--security-hub")
    assert proc.returncode == 0
    policy = json.loads(proc.stdout)
    assert policy["Statement"][0]["Action"] == sorted(ACTIONS)
    read_only = json.loads(run_cli("permissions").stdout)["Statement"][0]["Action"]
    assert "securityhub:BatchImportFindings" not in read_only
