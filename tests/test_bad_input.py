"""Bad data inside a valid snapshot, and fuzzing of the snapshot loader."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.audit import audit
from auditor.model import InlinePolicy, SnapshotError, inventory_from_dict, load_snapshot, save_snapshot
from auditor.report import FORMATS, write_outputs
from tests.builders import allow, inventory, policy, role, service, task_def


def app_with(r):
    td = task_def("app", task_role=r, compat=("FARGATE",), cpu="256", memory="512")
    return inventory(roles=[r], tds=[td], services=[service("app", td, "FARGATE")])


def test_a_10_mb_policy_text_is_a_reported_gap_and_the_audit_goes_on(tmp_path):
    huge = json.dumps(policy(allow("s3:GetObject", ["arn:aws:s3:::b/" + "x" * 100] * 100_000)))
    assert len(huge) > 10_000_000
    r = replace(role("big"), inline_policies=(InlinePolicy("huge", huge),
                                              InlinePolicy("ok", policy(allow("sqs:SendMessage")))))
    result = audit(app_with(r))
    [gap] = [g for g in result.coverage if g.operation == "ParsePolicy"]
    assert "too large" in gap.message and "huge" in gap.message
    assert result.model.principals[r.arn].decide("sqs:SendMessage").decision == "allowed"
    write_outputs(result, tmp_path / "o", list(FORMATS))


def test_a_10_mb_policy_document_is_evaluated():
    arns = [f"arn:aws:s3:::bucket-{i:05d}/prefix/{'y' * 40}/*" for i in range(50)]
    doc = policy(*[allow(["s3:GetObject", "s3:PutObject"], arns) for _ in range(3500)],
                 allow("dynamodb:*"))
    assert len(json.dumps(doc)) > 10_000_000
    result = audit(app_with(role("big", *doc["Statement"])))
    assert "I102" in {f.rule_id for f in result.findings}  # dynamodb:*


def test_unicode_and_control_characters_in_names(tmp_path):
    weird = "rôle-\u202e\u0007\x1b[31m-\ud7ff-名前-😀"
    r = replace(role("x", allow("*")), name=weird, tags={"\x00k": "v\x01"})
    inv = app_with(r)
    inv = replace(inv, services=(replace(inv.services[0], name=f"svc-{weird}"),))
    result = audit(inv)
    out = write_outputs(result, tmp_path / "o", list(FORMATS))
    assert "svc-" in (out / "report.html").read_text()
    snap = save_snapshot(inv, tmp_path / "s.json.gz")
    assert load_snapshot(snap) == inv


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=5),
    max_leaves=30)
FIELDS = ["account_id", "regions", "roles", "services", "task_definitions", "clusters", "gaps",
          "call_counts", "file_systems", "images"]


@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzzed_snapshot_bodies_load_or_fail_with_a_snapshot_error(body):
    try:
        inv = inventory_from_dict({"schema": "ecs-auditor/snapshot/1", **body})
    except SnapshotError:
        return
    audit(inv)  # whatever loads must also audit without crashing


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_bytes_never_crash_the_loader(tmp_path, blob):
    p = tmp_path / "fuzz.json.gz"
    p.write_bytes(blob)
    with pytest.raises(SnapshotError):
        load_snapshot(p)
    p.write_bytes(gzip.compress(blob))
    with pytest.raises(SnapshotError):
        load_snapshot(p)
