"""The snapshot: exact round-trip, atomic writes, one-line errors for anything else."""

from __future__ import annotations

import gzip
import json

import pytest

from auditor.model import (
    ContainerDefinition,
    EnvVar,
    Inventory,
    Role,
    SnapshotError,
    TaskDefinition,
    load_snapshot,
    save_snapshot,
)
from tests.conftest import run_cli


def small_inventory() -> Inventory:
    td = TaskDefinition(arn="arn:aws:ecs:us-east-1:1:task-definition/a:1", family="a", revision=1,
                        region="us-east-1", cpu="256", containers=(ContainerDefinition(
                            name="c", image="nginx", environment=(EnvVar("X", "clean", value="1"),),
                            log_configuration={"logDriver": "awslogs", "options": {"k": "v"}}),))
    role = Role(arn="arn:aws:iam::1:role/r", name="r",
                trust_policy={"Statement": [{"Effect": "Allow"}]})
    return Inventory(account_id="1", regions=("us-east-1",), call_counts={"ecs:ListClusters": 1},
                     task_definitions=(td,), roles=(role,))


def test_round_trip_is_exact(tmp_path):
    inv = small_inventory()
    path = save_snapshot(inv, tmp_path / "s.json.gz")
    assert load_snapshot(path) == inv
    # Same inventory, same bytes: scheduled runs can compare files.
    again = save_snapshot(inv, tmp_path / "t.json.gz")
    assert path.read_bytes() == again.read_bytes()


def test_demo_snapshot_round_trips(demo_snapshot, tmp_path):
    _, inv, _ = demo_snapshot
    assert load_snapshot(save_snapshot(inv, tmp_path / "x.json.gz")) == inv


@pytest.mark.parametrize("content, message", [
    (lambda good: good[: len(good) // 2], "truncated or corrupt"),
    (lambda good: b"hello, world", "not JSON"),
    (lambda good: gzip.compress(b'{"foo": 1}'), "not an ecs-auditor snapshot"),
    (lambda good: gzip.compress(b'[1, 2]'), "not an ecs-auditor snapshot"),
    (lambda good: gzip.compress(json.dumps({"schema": "ecs-auditor/snapshot/99"}).encode()),
     "unsupported snapshot schema"),
    (lambda good: gzip.compress(json.dumps({"schema": "ecs-auditor/snapshot/1"}).encode()),
     "missing required field 'account_id'"),
    (lambda good: gzip.compress(json.dumps({"schema": "ecs-auditor/snapshot/1", "account_id": "1",
                                            "roles": [{"arn": 5, "name": "r"}]}).encode()),
     "snapshot.roles[0].arn"),
])
def test_bad_snapshots_give_one_line_errors(tmp_path, content, message):
    good = save_snapshot(small_inventory(), tmp_path / "good.json.gz").read_bytes()
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(content(good))
    with pytest.raises(SnapshotError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_snapshot(bad)


def test_cli_reports_a_bad_snapshot_in_one_line_with_exit_2(tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"\x1f\x8b\x08garbage")
    proc = run_cli("audit", str(bad), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "truncated or corrupt" in proc.stderr


def test_failed_write_keeps_the_previous_snapshot(tmp_path, monkeypatch):
    path = save_snapshot(small_inventory(), tmp_path / "s.json.gz")
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        save_snapshot(Inventory(account_id="2"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json.gz"]  # no temp file left


def test_audit_leaves_the_callers_garbage_collector_settings_as_they_were():
    # audit() collects less often while it runs (millions of long-lived objects); a notebook's
    # own settings come back afterwards, also when two audits overlap.
    import gc
    import threading

    from auditor.audit import audit
    from tests.builders import inventory

    before = gc.get_threshold()
    gc.set_threshold(1234, 5, 6)
    try:
        seen = []
        runs = [threading.Thread(target=lambda: seen.append(len(audit(inventory()).findings)))
                for _ in range(3)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        assert len(seen) == 3 and gc.get_threshold() == (1234, 5, 6)
    finally:
        gc.set_threshold(*before)
