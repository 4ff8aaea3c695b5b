"""`make bench`: measure collection, audit, report and IAM/graph work on synthetic accounts.

Writes reports/bench/results.json and results.md. Sizes: S (the demo), M; L with --sizes S,M,L.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports" / "bench"


def measured(task: str, *args: str) -> dict:
    """Run a bench task in its own process; add its wall time and peak resident memory."""
    from bench.peak import run

    t = time.perf_counter()
    out, _, usage = run([sys.executable, "-m", "bench.tasks", task, *args], cwd=ROOT,
                        stdout=subprocess.PIPE, text=True)
    if usage["status"] != 0:
        raise RuntimeError(f"bench task {task} failed")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - t, 2)
    result["peak_mb"] = usage.get("tree_peak_mb", usage["peak_mb"])  # every process of the task
    return result


def chromium_load(html: Path) -> float | None:
    """Seconds until the report's findings table has rendered in headless Chromium."""
    import shutil

    path = shutil.which("chromium")
    if not path:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu",
                                                          "--disable-background-networking"])
        page = b.new_page()
        t = time.perf_counter()
        page.goto(html.as_uri(), wait_until="load")
        page.locator("#rows tr.finding").first.wait_for()
        took = time.perf_counter() - t
        b.close()
    return round(took, 2)


def collect_size(name: str, work: Path) -> dict:
    from auditor.collect import CollectOptions, collect
    from auditor.collect.base import CallLedger
    from auditor.demo.server import local_session, moto_server
    from auditor.model import save_snapshot
    from bench.bounds import lower_bound

    with moto_server() as endpoint:
        t = time.perf_counter()
        if name == "S":
            from auditor.demo.workloads import seed_demo
            seed_demo(endpoint)
            shape = {"account": "the demo"}
        else:
            from bench.seed import seed_size
            from bench.synthetic import SIZES
            shape = seed_size(endpoint, SIZES[name])
        seeded = time.perf_counter() - t
        ledger = CallLedger()
        t = time.perf_counter()
        inv = collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), max_attempts=2),
                      session=local_session(), ledger=ledger)
        collected = time.perf_counter() - t
    snap = save_snapshot(inv, work / f"{name}.json.gz")
    bound = lower_bound(inv)
    calls = Counter(inv.call_counts)
    return {"shape": shape, "seed_seconds": round(seeded, 1), "collect_seconds": round(collected, 1),
            "calls": sum(calls.values()), "lower_bound": sum(bound.values()),
            "calls_over_bound": {k: [calls[k], bound[k]] for k in sorted(set(calls) | set(bound))
                                 if calls[k] != bound[k]},
            "gaps": len(inv.gaps), "snapshot_mb": round(snap.stat().st_size / 1e6, 2),
            "counts": {"services": len(inv.services), "task_definitions": len(inv.task_definitions),
                       "roles": len(inv.roles), "managed_policies": len(inv.managed_policies)}}


def cloudsplaining(details: Path, out: Path) -> dict | None:
    """The same file through Cloudsplaining, when it is installed (the bench extra)."""
    import shutil

    exe = shutil.which("cloudsplaining") or str(Path(sys.executable).parent / "cloudsplaining")
    if not Path(exe).exists():
        return None
    from bench.peak import run

    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    *_, usage = run([exe, "scan", "-i", str(details), "-o", str(out), "-s"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if usage["status"] != 0:
        raise RuntimeError(f"cloudsplaining scan of {details} failed ({usage['status']})")
    return {"wall_seconds": round(time.perf_counter() - t, 2),
            "peak_mb": usage.get("tree_peak_mb", usage["peak_mb"])}


RUNS = 5  # back-to-back runs of ecs-auditor per size, the median reported (the method)


def ecs_auditor_iam(details: Path, out: Path, truth: dict[str, set[str]], runs: int = RUNS) -> dict:
    """`ecs-auditor audit --iam-details` as a user runs it, timed as Cloudsplaining's command is
    (its own process, start to exit), `runs` times back to back: the median, and every run (a
    few seconds' run on a shared machine varies by a third; Cloudsplaining's minutes average
    that out). Then its misses against the generator's truth."""
    import statistics

    from bench.iam_details import missed
    from bench.peak import run

    walls, peaks, cpus = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        *_, usage = run([sys.executable, "-m", "auditor", "audit", "--iam-details", str(details),
                         "--output", str(out), "--format", "json", "--quiet"], cwd=ROOT,
                        stdout=subprocess.DEVNULL)
        walls.append(round(time.perf_counter() - t, 2))
        if usage["status"] not in (0, 1):  # 1: findings at or above --fail-on, not a failure here
            raise RuntimeError(f"ecs-auditor audit --iam-details {details} failed ({usage['status']})")
        peaks.append(usage.get("tree_peak_mb", usage["peak_mb"]))
        cpus.append(usage.get("cpu_seconds"))
    findings = json.loads((out / "findings.json").read_text())["findings"]
    cpu = [c for c in cpus if c is not None]
    # peak_mb: every process of the run together (the audit and the copy it forks), at most.
    return {"exit": usage["status"], "wall_seconds": statistics.median(walls), "runs": walls,
            "peak_mb": max(peaks), "largest_process_mb": usage["peak_mb"],
            "cpu_seconds": statistics.median(cpu) if cpu else None,
            "findings": len(findings), "missed": missed(findings, truth)}


def iam_only(work: Path, sizes=(1000, 5000, 10000), compare=(1000, 5000)) -> dict:
    from bench.iam_details import write_details

    out = {}
    for n in sizes:
        details = work / f"details{n}.json"
        truth = write_details(n, details)
        (work / f"truth{n}.json").write_text(json.dumps({k: sorted(v) for k, v in truth.items()}))
        row = {"ecs_auditor": ecs_auditor_iam(details, work / f"details{n}-out", truth)}
        if n in compare:
            row["cloudsplaining"] = cloudsplaining(details, work / f"cloudsplaining{n}")
        out[str(n)] = row
    return out


def offline(work: Path) -> dict:
    from auditor.model import Inventory, save_snapshot
    from bench.synthetic import SIZES, offline_findings_inventory, offline_iam, wired_inventory

    roles, policies = offline_iam(SIZES["IAM"])
    iam_snap = save_snapshot(Inventory(account_id="123456789012", roles=tuple(roles),
                                       managed_policies=tuple(policies)), work / "iam.json.gz")
    out = {"iam_5000_roles": measured("iam", str(iam_snap)),
           "graph_5000_roles": measured("graph", str(iam_snap))}
    for n in (1000, 5000):  # every role the task role of one task definition
        snap = save_snapshot(wired_inventory(n), work / f"wired{n}.json.gz")
        out[f"wired_{n}_json"] = measured("audit", str(snap), str(work / f"wired{n}-json"), "json")
        out[f"wired_{n}_default"] = measured("audit", str(snap), str(work / f"wired{n}-default"))
    big = save_snapshot(offline_findings_inventory(), work / "findings10k.json.gz")
    report_dir = work / "report10k"
    out["report_10k"] = measured("audit", str(big), str(report_dir))
    html = report_dir / "report.html"
    out["report_10k"].update(report_mb=round(html.stat().st_size / 1e6, 2),
                             chromium_load_seconds=chromium_load(html))
    out["iam_only"] = iam_only(work)
    return out


def markdown(results: dict) -> str:
    lines = ["# Benchmark", "", f"Machine: {os.cpu_count()} cores. Generated {results['when']}.", "",
             "| size | services | task defs described | roles | API calls | lower bound | collect s "
             "| audit s | audit peak MB | report MB | Chromium load s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results["sizes"].items():
        c, a = r["collect"], r["audit"]
        n = c["counts"]
        lines.append(f"| {name} | {n['services']} | {n['task_definitions']} | {n['roles']} | "
                     f"{c['calls']} | {c['lower_bound']} | {c['collect_seconds']} | "
                     f"{a['audit_seconds']} | {a['peak_mb']} | {a['report_mb']} | "
                     f"{a['chromium_load_seconds']} |")
    o = results["offline"]
    r10 = o["report_10k"]
    lines += ["", "| offline measure | seconds | peak MB | detail |", "|---|---|---|---|",
              f"| classify 5,000 roles / 1,000 policies | {o['iam_5000_roles']['classify_seconds']} | "
              f"{o['iam_5000_roles']['peak_mb']} | {o['iam_5000_roles']['admin_roles']} admin roles |",
              f"| graph of 5,000 roles + who_can | {o['graph_5000_roles']['graph_seconds']} + "
              f"{o['graph_5000_roles']['who_can_seconds']} | {o['graph_5000_roles']['peak_mb']} | "
              f"{o['graph_5000_roles']['nodes']} nodes |",
              f"| audit + report with {r10['findings']} findings | {r10['audit_seconds']} | "
              f"{r10['peak_mb']} | report {r10['report_mb']} MB, Chromium load "
              f"{r10['chromium_load_seconds']} s |"]
    for n in (1000, 5000):
        j, d = o[f"wired_{n}_json"], o[f"wired_{n}_default"]
        lines.append(f"| wired {n} roles, default formats vs json only | {d['audit_seconds']} vs "
                     f"{j['audit_seconds']} | {d['peak_mb']} vs {j['peak_mb']} | outputs "
                     f"{d['outputs_mb']} MB (permissions.csv {d['permissions_csv_mb']} MB) |")
    lines += ["", "Peak MB: the processes of a run together (an audit and the copy it forks; sampled).",
              "", "| IAM-only audit (--iam-details) | ecs-auditor s (median; runs) | peak MB | "
              "Cloudsplaining s | peak MB | ratio | "
              "ecs-auditor misses (admin, passrole, secrets, wildcard) |",
              "|---|---|---|---|---|---|---|"]
    for n, row in o["iam_only"].items():
        e, c = row["ecs_auditor"], row.get("cloudsplaining", "not run")  # None: not installed
        ran = isinstance(c, dict)
        ratio = f"{c['wall_seconds'] / e['wall_seconds']:.1f}x" if ran else "-"
        misses = ", ".join(map(str, e["missed"].values()))
        runs = " / ".join(map(str, e.get("runs", ())))
        lines.append(f"| {n} roles | {e['wall_seconds']} ({runs}) | {e['peak_mb']} | "
                     f"{c['wall_seconds'] if ran else c or 'not installed'} | "
                     f"{c['peak_mb'] if ran else '-'} | {ratio} | {misses} |")
    if results.get("organisation"):
        from bench.org import markdown as org_markdown

        lines += org_markdown(results["organisation"])
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="S,M,L")  # L: the escalation issue's no-slower check
    p.add_argument("--org", default="10,40", help="organisation sizes (member accounts); '' to skip")
    p.add_argument("--org-memory", default="120",
                   help="larger organisation sizes scanned with 8 in flight only (peak memory); '' to skip")
    args = p.parse_args()
    work = OUT / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "sizes": {}, "offline": offline(work)}
    for name in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        print(f"size {name}: seeding and collecting", file=sys.stderr)
        c = collect_size(name, work)
        a = measured("audit", str(work / f"{name}.json.gz"), str(work / f"out-{name}"))
        html = work / f"out-{name}" / "report.html"
        a.update(report_mb=round(html.stat().st_size / 1e6, 2), chromium_load_seconds=chromium_load(html))
        results["sizes"][name] = {"collect": c, "audit": a}
    if args.org:
        from bench.org import org_row, sizes_of

        results["organisation"] = org_row(sizes_of(args.org), sizes_of(args.org_memory))
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    (OUT / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
