"""The output folder: only a folder the tool wrote is ever replaced, one run at a time, and a kill
at any instant leaves the previous run's folder or this run's, never none and never litter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.fsutil import MARK, OutputError, OutputFolder
from tests.conftest import ROOT, run_cli


def audit_into(snapshot, out, *extra):
    return run_cli("audit", str(snapshot), "--output", str(out), "--format", "json", *extra)


def test_a_folder_the_tool_did_not_write_is_never_replaced(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    mine = tmp_path / "reports"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own work")
    proc = audit_into(path, mine)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "not written by ecs-auditor" in proc.stderr
    assert (mine / "notes.txt").read_text() == "my own work"


@pytest.mark.parametrize("target", [".", "..", "HOME", "FILE", "LINK"])
def test_dangerous_outputs_are_refused_before_anything_is_written(demo_snapshot, tmp_path, target):
    path, _, _ = demo_snapshot
    (tmp_path / "a-file").write_text("keep")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "link")
    out = {"HOME": str(Path.home()), "FILE": str(tmp_path / "a-file"),
           "LINK": str(tmp_path / "link")}.get(target, target)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(path), "--output", out],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "a-file").read_text() == "keep" and not any((tmp_path / "elsewhere").iterdir())


def test_a_read_only_parent_is_refused_by_scan_before_collecting(tmp_path):
    if os.geteuid() == 0:
        parent = tmp_path / "a-file"  # root may write anywhere, but not inside a file
        parent.write_text("")
    else:
        parent = tmp_path / "ro"
        parent.mkdir(mode=0o500)
    # No endpoint at all: a scan that collected first would fail on the network instead.
    proc = run_cli("scan", "--endpoint-url", "http://127.0.0.1:9", "--regions", "us-east-1",
                   "--output", str(parent / "out"))
    assert proc.returncode == 2 and "--output" in proc.stderr and "cannot" in proc.stderr


def test_rerun_replaces_its_own_folder_and_marks_it(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    out = tmp_path / "o"
    assert audit_into(path, out).returncode == 0
    assert (out / MARK).exists()
    (out / "findings.json").write_text("{}")  # tampered: the next run replaces it whole
    assert audit_into(path, out).returncode == 0
    assert json.loads((out / "findings.json").read_text())["findings"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "o"]


def test_two_runs_into_one_folder_do_not_mix(tmp_path):
    with OutputFolder(tmp_path / "o"):
        with pytest.raises(OutputError, match="another ecs-auditor run"):
            with OutputFolder(tmp_path / "o"):
                pass


def test_sigkill_at_any_instant_leaves_a_whole_folder_and_the_next_run_tidies(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    out = tmp_path / "o"
    assert audit_into(path, out, "--format", "json,csv,html").returncode == 0
    cmd = [sys.executable, "-m", "auditor", "audit", str(path), "--output", str(out),
           "--format", "json,csv,html", "--quiet"]
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.2, 2.6):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Always a complete folder: the previous run's or this one's.
        assert json.loads((out / "findings.json").read_text())["findings"], delay
        assert (out / "report.html").stat().st_size > 0 and (out / MARK).exists()
    assert audit_into(path, out).returncode == 0  # takes the lock, tidies what the kills left
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "o"]


def test_a_missing_baseline_is_a_note_and_every_finding_is_new(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    proc = audit_into(path, tmp_path / "o", "--baseline", str(tmp_path / "last"))
    assert proc.returncode == 0, proc.stderr
    assert "no baseline" in proc.stderr
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    assert doc["findings"] and all(f["new"] for f in doc["findings"])


def test_a_kill_between_the_two_renames_is_undone_by_the_next_run(tmp_path):
    # Where the one-step exchange is not available the old folder is moved aside first; a kill
    # right then leaves no output folder, and the next run puts the old one back.
    aside = tmp_path / ".o.old-4242"
    aside.mkdir()
    (aside / MARK).write_text("")
    (tmp_path / ".o.tmp-x").mkdir()  # and the half-written new one
    with OutputFolder(tmp_path / "o"):
        assert (tmp_path / "o" / MARK).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.lock", "o"]


def test_the_readme_cron_recipe_works_from_an_empty_folder(demo_server, tmp_path):
    """The scheduled-audit line of the README, run as cron would run it, twice."""
    endpoint, _ = demo_server
    line = next(li for li in (ROOT / "README.md").read_text().splitlines() if li.startswith("0 6 * * 1"))
    lines = (ROOT / "README.md").read_text().splitlines()
    first = lines.index(line)
    last = next(i for i in range(first, len(lines)) if not lines[i].endswith("\\"))
    command = "\n".join(lines[first:last + 1])  # the entry and its continuation lines
    command = command.split("  ", 1)[1].replace("\\\n", " ").replace("\\%", "%")  # as cron passes it
    command = command.replace("/opt/ecs-auditor", str(tmp_path))
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)  # the venv running us
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "date").write_text('#!/bin/sh\necho "$FAKE_DATE"\n')
    (bin_dir / "date").chmod(0o755)
    config = tmp_path / "aws-config"
    config.write_text("[profile audit]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
                      "region = us-east-1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", AWS_CONFIG_FILE=str(config),
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_ENDPOINT_URL=endpoint)
    for day in ("2026-12-07", "2026-12-14"):
        proc = subprocess.run(["sh", "-c", command], env={**env, "FAKE_DATE": day},
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert os.readlink(tmp_path / "reports" / "last") == day
    first, second = (json.loads((tmp_path / "reports" / d / "findings.json").read_text())
                     for d in ("2026-12-07", "2026-12-14"))
    assert all(f["new"] for f in first["findings"])
    assert not any(f["new"] for f in second["findings"])  # the same account a week later
    trend = subprocess.run([sys.executable, "-m", "auditor", "history", str(tmp_path / "reports" / "history"),
                            "--json"], capture_output=True, text=True, timeout=120)
    scans = json.loads(trend.stdout)["scans"]
    assert len(scans) == 2 and scans[1]["new"] == 0 and scans[1]["recurring"] == scans[0]["new"]
