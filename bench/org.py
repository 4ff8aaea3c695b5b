"""The organisation row of `make bench`: N small member accounts on a moto server behind a
proxy that adds per-call latency (so that waiting dominates, as it does on AWS), scanned with
1 account in flight and with 8; wall time and the whole run's peak memory.

Run alone: python -m bench.org 10,40 120 (the last: sizes scanned with 8 in flight only, for memory)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.15  # seconds per call: AWS Describe/List calls take 50-300 ms from outside the region

_SERVE = """
import sys
from auditor.demo.server import moto_server
with moto_server(managed_policies=False) as url:
    print(url, flush=True)
    sys.stdin.read()
"""


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _scan(proxy_url: str, out: Path, in_flight: int, server_pid: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=proxy_url,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    from bench.peak import run

    t, moto_cpu = time.perf_counter(), _cpu_seconds(server_pid)
    _, err, usage = run(
        [
            sys.executable,
            "-m",
            "auditor",
            "org",
            "scan",
            "--member-role-name",
            "OrganizationAccountAccessRole",
            "--regions",
            "us-east-1",
            "--no-metrics",
            "--max-accounts",
            str(in_flight),
            "--output",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    if usage["status"] != 0:
        raise RuntimeError(f"org scan failed: {err[-500:]}")
    statuses = [e["status"] for e in json.loads((out / "manifest.json").read_text())["accounts"]]
    return {
        "wall_seconds": round(time.perf_counter() - t, 2),
        "peak_mb": usage.get("tree_peak_mb", usage["peak_mb"]),  # the scan's processes (bench/peak.py)
        "ok": statuses.count("ok"),
        "accounts": len(statuses),
        "cpu_seconds": usage["cpu_seconds"],  # the scan's own
        "moto_cpu_seconds": round(_cpu_seconds(server_pid) - moto_cpu, 1),  # the fake AWS's
    }


def org_row(sizes=(10, 40), memory_sizes=(120,)) -> dict:
    """`sizes` scanned with 1 and with 8 accounts in flight; `memory_sizes` with 8 only, to
    show the peak memory of a larger organisation (1 in flight would take minutes)."""
    sys.path.insert(0, str(ROOT))
    from auditor.demo.organisation import build_organisation
    from tests.faults import FaultProxy

    out = {}
    for n in (*sizes, *memory_sizes):
        both = n in sizes
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVE], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            url = server.stdout.readline().strip()
            build_organisation(url, members=n, team_workloads=True)
            with FaultProxy(url, latency=LATENCY) as proxy, tempfile.TemporaryDirectory() as tmp:
                one = _scan(proxy.url, Path(tmp) / "one", 1, server.pid) if both else None
                eight = _scan(proxy.url, Path(tmp) / "eight", 8, server.pid)
                calls = sum(proxy.seen.values()) // (2 if both else 1)
        finally:
            server.stdin.close()
            server.wait(timeout=30)
        out[str(n)] = {
            "accounts": n + 1,
            "one_in_flight": one,
            "eight_in_flight": eight,
            "speedup": round(one["wall_seconds"] / eight["wall_seconds"], 1) if one else None,
            "calls_per_scan": calls,
            "latency_ms": int(LATENCY * 1000),
        }
        print(f"org {n}: {out[str(n)]}", file=sys.stderr)
    return out


def markdown(rows: dict) -> list[str]:
    lines = ["", f"| organisation scan ({int(LATENCY * 1000)} ms per call) | accounts | 1 in flight s | "
             "8 in flight s | speed-up | peak MB (1 / 8) | scan CPU s (1 / 8) | moto CPU s | API calls |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n, r in rows.items():
        one, eight = r["one_in_flight"] or {}, r["eight_in_flight"]
        speedup = f"{r['speedup']}x" if r["speedup"] else "-"
        peak = f"{one.get('peak_mb', '-')} / {eight['peak_mb']}"
        cpu = f"{one.get('cpu_seconds', '-')} / {eight['cpu_seconds']}"
        lines.append(f"| {n} members | {r['accounts']} | {one.get('wall_seconds', 'not run')} | "
                     f"{eight['wall_seconds']} | {speedup} | {peak} | {cpu} | {eight['moto_cpu_seconds']} | "
                     f"{r['calls_per_scan']} |")
    return lines


def sizes_of(text: str) -> tuple[int, ...]:
    """"10,40" -> (10, 40); "" -> ()."""
    return tuple(int(x) for x in text.split(",") if x)


if __name__ == "__main__":
    sizes = sizes_of(sys.argv[1] if len(sys.argv) > 1 else "10,40")
    memory = sizes_of(sys.argv[2] if len(sys.argv) > 2 else "120")
    print("\n".join(markdown(org_row(sizes, memory))))
