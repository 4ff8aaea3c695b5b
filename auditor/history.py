"""History of scheduled audits: each run appended to a Parquet dataset, read back as a trend.

Layout under DIR (hive-partitioned, so DuckDB, pandas/pyarrow, Athena or Spark read it as is):

    DIR/<table>/scan_date=YYYY-MM-DD/account_id=123456789012/<run_id>.parquet

for the tables `scans` (one row per run and account), `findings`, `coverage` and `costs`. A
run's files are written by DuckDB into a staging folder and then renamed into place, the
`scans` row last: a reader only counts runs whose `scans` row exists, so an interrupted append
never shows as a half run. The scan's time is when its data was collected.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from auditor.rules.engine import SEVERITIES

TABLES = ("findings", "coverage", "costs", "scans")  # scans last: it makes the run visible
OPEN_AGE_SEVERITIES = ("critical", "high")


class HistoryError(Exception):
    """The history folder cannot be read or written (one line for the user)."""


def _scanned_at(result) -> datetime:
    stamp = result.inventory.collected_at or result.generated_at
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def _tables(result, run_id: str, when: datetime) -> dict[str, pd.DataFrame]:
    inv = result.inventory
    base = {"run_id": run_id, "scanned_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scan_date": when.date().isoformat(), "account_id": inv.account_id}
    findings = pd.DataFrame(
        [{**base, "fingerprint": f.fingerprint, "rule_id": f.rule_id, "severity": f.severity,
          "category": f.category, "resource_arn": f.resource_arn, "region": f.region,
          "muted": f.muted, "title": f.title, "message": f.message} for f in result.findings],
        columns=[*base, "fingerprint", "rule_id", "severity", "category", "resource_arn", "region",
                 "muted", "title", "message"])
    coverage = pd.DataFrame(
        [{**base, "service": g.service, "region": g.region, "operation": g.operation,
          "error": g.error, "resource": g.resource or ""} for g in result.coverage],
        columns=[*base, "service", "region", "operation", "error", "resource"])
    costs = pd.DataFrame(
        [{**base, "service_arn": c.service_arn, "launch_type": c.launch_type,
          "monthly_cost_usd": float(c.monthly_cost_usd or 0.0),
          "monthly_saving_usd": float(c.monthly_saving_usd or 0.0)} for c in result.costs],
        columns=[*base, "service_arn", "launch_type", "monthly_cost_usd", "monthly_saving_usd"])
    scans = pd.DataFrame([{**base, "regions": ",".join(inv.regions), "tool_version": inv.tool_version,
                           "generated_at": result.generated_at}])
    return {"findings": findings, "coverage": coverage, "costs": costs, "scans": scans}


def append(result, folder: str | Path) -> str:
    """Append one audit to the history under `folder`; returns the run id."""
    import duckdb

    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise HistoryError(f"--history {folder} is a file, not a folder")
    when = _scanned_at(result)
    run_id = f"{when.strftime('%Y%m%dT%H%M%SZ')}-{result.inventory.account_id}-{uuid.uuid4().hex[:8]}"
    staging = root / f".staging-{run_id}"
    try:
        staging.mkdir(parents=True)
        con = duckdb.connect()
        for name, frame in _tables(result, run_id, when).items():
            if frame.empty:
                continue
            con.register("frame", frame)
            target = (staging / name).as_posix().replace("'", "''")
            con.execute(f"COPY frame TO '{target}' (FORMAT PARQUET, PARTITION_BY (scan_date, account_id), "
                        f"FILENAME_PATTERN '{run_id}_{{i}}')")
            con.unregister("frame")
        con.close()
        for name in TABLES:  # rename into place, the scans row last
            for f in sorted((staging / name).rglob("*.parquet")):
                dest = root / name / f.relative_to(staging / name)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, dest)
    except OSError as e:
        raise HistoryError(f"cannot write history in {folder}: {e.strerror or e}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return run_id


def _read(root: Path, table: str) -> pd.DataFrame:
    import duckdb

    if not any((root / table).rglob("*.parquet")):
        return pd.DataFrame()
    pattern = (root / table / "**" / "*.parquet").as_posix().replace("'", "''")
    # Account ids are text (leading zeros); the partition value must not be read as a number.
    return duckdb.sql(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, "
                      "hive_types = {'scan_date': DATE, 'account_id': VARCHAR})").df()


def load(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The history's tables, restricted to complete runs (those with a `scans` row)."""
    root = Path(folder)
    if not root.is_dir():
        raise HistoryError(f"no history at {folder}")
    try:
        tables = {t: _read(root, t) for t in TABLES}
    except Exception as e:  # a damaged Parquet file: say which folder, not a traceback
        raise HistoryError(f"cannot read history in {folder}: {str(e).splitlines()[0][:200]}") from None
    runs = set(tables["scans"]["run_id"]) if not tables["scans"].empty else set()
    return {t: (df[df["run_id"].isin(runs)] if not df.empty else df) for t, df in tables.items()}


def _day(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def trend(folder: str | Path, since: date | None = None) -> dict[str, Any]:
    """Per scan, oldest first: open findings by severity, new / resolved / recurring by
    fingerprint (against the same account's earlier scans), the oldest open critical and high
    finding with its age, and coverage gaps. `since` hides earlier scans from the answer but not
    from the comparison (a finding first seen before `since` is still not new)."""
    t = load(folder)
    scans = t["scans"]
    if not scans.empty:
        scans = scans.sort_values(["scanned_at", "account_id", "generated_at"])
    findings, coverage = t["findings"], t["coverage"]
    open_ = findings[~findings["muted"].astype(bool)] if not findings.empty else findings
    out, seen_first, previous = [], {}, {}
    for scan in scans.to_dict("records"):
        account, run = scan["account_id"], scan["run_id"]
        mine = open_[open_["run_id"] == run] if not open_.empty else open_
        now = set(mine["fingerprint"]) if not mine.empty else set()
        first = seen_first.setdefault(account, {})
        before = previous.get(account, set())
        oldest = {}
        for sev in OPEN_AGE_SEVERITIES:
            rows = mine[mine["severity"] == sev] if not mine.empty else mine
            best = None
            for r in rows.to_dict("records"):
                since_when = first.get(r["fingerprint"], scan["scanned_at"])
                if best is None or since_when < best[0]:
                    best = (since_when, r)
            if best:
                age = (_day(scan["scanned_at"]) - _day(best[0])).days
                oldest[sev] = {"fingerprint": best[1]["fingerprint"], "rule_id": best[1]["rule_id"],
                               "resource_arn": best[1]["resource_arn"], "first_seen": best[0],
                               "age_days": age}
        gaps = coverage[coverage["run_id"] == run] if not coverage.empty else coverage
        row = {"run_id": run, "scanned_at": scan["scanned_at"], "account_id": account,
               "regions": [r for r in str(scan["regions"]).split(",") if r],
               "open": {s: int((mine["severity"] == s).sum()) if not mine.empty else 0 for s in SEVERITIES},
               "new": len([f for f in now if f not in first]),
               "recurring": len([f for f in now if f in first]),
               "resolved": len(before - now), "oldest_open": oldest, "coverage_gaps": len(gaps)}
        row["open_total"] = sum(row["open"].values())
        for f in now:
            first.setdefault(f, scan["scanned_at"])
        previous[account] = now
        if since is None or _day(scan["scanned_at"]).date() >= since:
            out.append(row)
    latest = {}
    for row in out:
        latest[row["account_id"]] = row
    return {"scans": out,
            "accounts_with_gaps": sorted(a for a, r in latest.items() if r["coverage_gaps"])}


def format_trend(data: dict[str, Any]) -> str:
    if not data["scans"]:
        return "No scans in this history."
    head = (f"{'scanned at':<21} {'account':<13} {'crit':>4} {'high':>4} {'med':>4} {'low':>4} {'info':>4}"
            f" {'new':>4} {'resolved':>8} {'recurring':>9} {'gaps':>4}  oldest open critical / high")
    lines = [head]
    for r in data["scans"]:
        o = r["open"]
        old = "; ".join(f"{sev} {v['rule_id']} {v['age_days']} d" for sev, v in r["oldest_open"].items())
        lines.append(f"{r['scanned_at']:<21} {r['account_id']:<13} {o['critical']:>4} {o['high']:>4} "
                     f"{o['medium']:>4} {o['low']:>4} {o['info']:>4} {r['new']:>4} {r['resolved']:>8} "
                     f"{r['recurring']:>9} {r['coverage_gaps']:>4}  {old or '-'}")
    if data["accounts_with_gaps"]:
        lines.append("Accounts with coverage gaps in their latest scan: "
                     + ", ".join(data["accounts_with_gaps"]))
    return "\n".join(lines)
