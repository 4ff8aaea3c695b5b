"""Run a command from a small process and report its peak resident memory and CPU time.

A child's ru_maxrss starts from the resident size of the process that forked it (Linux copies
the high-water mark with the address space, and keeps it across exec), so a command started
straight from the bench, which holds whole inventories by then, would report the bench's size.
Started from this process (a bare interpreter, ~15 MB), it reports its own.

ru_maxrss is the largest single process. A command that forks a helper (a split audit,
auditor/rules/aside.py) holds both at once, so the processes' resident sizes are also summed,
sampled every 20 ms from /proc (tree_peak_mb: an upper bound, as pages the two share are
counted twice).

    python bench/peak.py REPORT.json CMD [ARG...]   # CMD's stdio passes through; exit status too
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
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
    tree_peak = [0]
    done = threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, tree_peak, done), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    Path(report).write_text(json.dumps({"status": code, "peak_mb": round(usage.ru_maxrss / 1024),
                                        "tree_peak_mb": max(round(tree_peak[0] / 2**20),
                                                            round(usage.ru_maxrss / 1024)),
                                        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}))
    return code


def _sample_tree(pid: int, peak: list[int], done: threading.Event) -> None:
    """The largest sum of resident bytes of `pid` and its descendants seen while it runs."""
    page = os.sysconf("SC_PAGE_SIZE")
    while not done.wait(0.02):
        total, todo = 0, [pid]
        while todo:
            p = todo.pop()
            try:
                total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page
                todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
            except (OSError, ValueError, IndexError):
                continue  # gone, or not Linux
        peak[0] = max(peak[0], total)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
