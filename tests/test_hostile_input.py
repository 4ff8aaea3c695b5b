"""Bad input of every kind a user (or an attacker who names things) can give: one line on stderr,
exit 2, in bounded time and memory; and nothing printed raw to a terminal or a spreadsheet."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import replace

import pytest

from auditor.audit import audit
from auditor.fsutil import gunzip_bounded
from tests.builders import inventory, service, task_def
from tests.conftest import run_cli


def one_line_exit_2(proc, *words):
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", '"cheap"', "-1"])
def test_a_price_table_with_a_non_price_is_refused(demo_snapshot, tmp_path, value):
    path, _, _ = demo_snapshot
    bad = tmp_path / "prices.json"
    rates = '{"x86": {"vcpu_hour": ' + value + ', "gb_hour": 0.1}}'
    bad.write_text('{"regions": {"us-east-1": {"fargate": ' + rates + '}}}')
    one_line_exit_2(run_cli("audit", str(path), "--output", str(tmp_path / "o"), "--pricing", str(bad)),
                    "vcpu_hour")


def test_a_broken_price_cache_never_breaks_an_audit(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    cache = tmp_path / "cache" / "ecs-auditor" / "prices.json"
    cache.parent.mkdir(parents=True)
    cache.write_text('{"regions": {"us-east-1": {"fargate": {"x86": {"vcpu_hour": NaN}}}}}')
    proc = run_cli("audit", str(path), "--output", str(tmp_path / "o"), "--format", "json",
                   env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    assert doc["costs"]["pricing"]["origin"] == "shipped"


@pytest.mark.parametrize("text, words", [
    ("? [a, b]\n: c\n", ["keys must be plain names"]),
    ("mute:\n  - ? {x: 1}\n    : y\n", ["keys must be plain names"]),
    ("mute: " + "[" * 20000 + "]" * 20000 + "\n", ["mutelist"]),
])
def test_odd_mutelists_are_one_line(demo_snapshot, tmp_path, text, words):
    path, _, _ = demo_snapshot
    (tmp_path / "m.yaml").write_text(text)
    one_line_exit_2(run_cli("audit", str(path), "--output", str(tmp_path / "o"),
                            "--mutelist", str(tmp_path / "m.yaml")), *words)


def test_deep_nesting_in_a_snapshot_or_findings_file_is_one_line(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "s.json").write_text('{"schema": "ecs-auditor/snapshot/1", "roles": ' + deep + "}")
    one_line_exit_2(run_cli("audit", str(tmp_path / "s.json"), "--output", str(tmp_path / "o")),
                    "nested too deeply")
    (tmp_path / "f.json").write_text('{"schema": "ecs-auditor/findings/1", "findings": ' + deep + "}")
    one_line_exit_2(run_cli("diff", str(tmp_path / "f.json"), str(tmp_path / "f.json")), "nested too deeply")


def test_devices_and_fifos_are_refused_without_reading(tmp_path):
    one_line_exit_2(run_cli("audit", "/dev/zero", "--output", str(tmp_path / "o")), "not a regular file")
    os.mkfifo(tmp_path / "fifo")
    one_line_exit_2(run_cli("audit", str(tmp_path / "fifo"), "--output", str(tmp_path / "o"), timeout=20),
                    "not a regular file")


def test_a_gzip_bomb_stops_at_the_limit_without_inflating_it():
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = comp.compress(b"\0" * (8 << 20)) + comp.flush()  # 8 MiB of zeros in ~8 KiB
    assert len(bomb) < 64 << 10
    with pytest.raises(ValueError, match="decompresses to more than 1 MiB"):
        gunzip_bounded(bomb, "bomb", limit=1 << 20)
    assert gunzip_bounded(gzip.compress(b"{}"), "ok") == b"{}"


@pytest.mark.parametrize("args, words", [
    (["--regions", "bad region!"], ["unknown region 'bad'"]),
    (["--regions", "us-east-1,eu-wst-1"], ["unknown region 'eu-wst-1'", "did you mean eu-west-1"]),
    (["--endpoint-url", "localhost:4566"], ["--endpoint-url must be an http"]),
    (["--role-arn", "arn:aws:iam::111122223333:role/Audit", "--external-id", "x"], ["--external-id"]),
    (["--role-arn", "not-an-arn"], ["--role-arn must be an IAM role ARN"]),
])
def test_bad_access_options_are_one_line_before_any_call(tmp_path, args, words):
    base = ["--endpoint-url", "http://127.0.0.1:9", "--regions", "us-east-1"]
    proc = run_cli("scan", *base, *args, "--output", str(tmp_path / "o"))
    one_line_exit_2(proc, *words)
    assert not (tmp_path / "o").exists()


def test_space_separated_regions_and_aws_region_are_accepted(monkeypatch):
    from auditor.cli.inputs import parse_regions

    assert parse_regions("us-east-1 eu-west-1") == ("us-east-1", "eu-west-1")
    assert parse_regions("us-east-1, eu-west-1,") == ("us-east-1", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert parse_regions(None) == ("eu-central-1",)
    assert parse_regions("all") == "all"


def test_diff_refuses_scans_of_different_accounts_unless_forced(tmp_path):
    for name, account in (("a.json", "111122223333"), ("b.json", "444455556666")):
        (tmp_path / name).write_text(json.dumps({"schema": "ecs-auditor/findings/1", "account_id": account,
                                                 "regions": ["us-east-1"], "findings": []}))
    one_line_exit_2(run_cli("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")), "account_id",
                    "--force")
    assert run_cli("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--force").returncode == 0


ESC_NAME = "web\x1b]0;owned\x07\x1b[2J"


def hostile_inventory():
    td = task_def("app", compat=("FARGATE",), cpu="256", memory="512")
    svc = replace(service(ESC_NAME, td, "FARGATE"), assign_public_ip="ENABLED")
    return inventory(tds=[td], services=[svc])


def test_names_with_terminal_escapes_are_printed_escaped(tmp_path):
    from auditor.model import save_snapshot

    snap = save_snapshot(hostile_inventory(), tmp_path / "s.json.gz")
    proc = run_cli("audit", str(snap), "--output", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "web\\x1b]0;owned\\x07" in proc.stdout  # visible, not obeyed
    proc = run_cli("diff", str(tmp_path / "o"), str(tmp_path / "o"))
    assert "\x1b" not in proc.stdout


def test_csv_cells_cannot_become_formulas(tmp_path):
    from auditor.report import write_outputs

    td = task_def("app", compat=("FARGATE",), cpu="256", memory="512")
    svc = replace(service("=HYPERLINK(\"http://x\")", td, "FARGATE"), assign_public_ip="ENABLED")
    out = write_outputs(audit(inventory(tds=[td], services=[svc])), tmp_path / "o", ["csv"])
    import csv

    cells = [cell for name in ("findings.csv", "costs.csv")
             for row in csv.reader((out / name).open()) for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells  # the service's name, defused
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
