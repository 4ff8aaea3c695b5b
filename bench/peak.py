"""Run a command from a small process and report its peak resident memory and CPU time.

A child's ru_maxrss starts from the resident size of the process that forked it (Linux copies
the high-water mark with the address space, and keeps it across exec), so a command started
straight from the bench, which holds whole inventories by then, would report the bench's size.
Started from this process (a bare interpreter, ~15 MB), it reports its own.

    python bench/peak.py REPORT.json CMD [ARG...]   # CMD's stdio passes through; exit status too
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def run(cmd: list[str], **popen) -> tuple[str | None, str | None, dict]:
    """Start `cmd` through this launcher and wait; answers (what it wrote to the pipes asked
    for, if any; {status, peak_mb, cpu_seconds})."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "peak.json"
        proc = subprocess.Popen([sys.executable, __file__, str(report), *cmd], **popen)
        out, err = proc.communicate()
        got = json.loads(report.read_text()) if report.exists() else {"status": proc.returncode}
    return out, err, got


def main(argv: list[str]) -> int:
    report, cmd = argv[0], argv[1:]
    child = subprocess.Popen(cmd)
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    Path(report).write_text(json.dumps({"status": code, "peak_mb": round(usage.ru_maxrss / 1024),
                                        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
