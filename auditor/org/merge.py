"""`org merge`: join the accounts' outputs (one run, or the shards of a job array) into the
organisation's findings.json, manifest.json and report.html, with the cross-account findings
(I305, I306). Offline: it reads only RUN_DIR."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auditor import __version__
from auditor.fsutil import atomic_write_text, atomic_writer
from auditor.model import Inventory
from auditor.model.arns import account_of
from auditor.org.account import OK, PARTIAL, SKIPPED, STATUSES, UNREACHABLE
from auditor.org.cross import OrgView, build_view, load_facts
from auditor.org.run import Manifest, OrgError, load_org, read_manifests

ORG_RULES = ("I305", "I306")
CROSS_FILE = "cross-account.json"


class _OrgContext:
    """The little of an AuditContext the organisation rules and the engine use."""

    def __init__(self, account_id: str, view: OrgView) -> None:
        self.inv = Inventory(account_id=account_id)
        self.org_view = view

    def exposure(self, _workloads) -> None:
        return None


def organisation_findings(account_id: str, view: OrgView) -> list:
    from auditor.rules.engine import run_rules

    findings, failures = run_rules(_OrgContext(account_id, view), ORG_RULES)
    if failures:
        raise OrgError(f"organisation rule failed: {failures[0].message}")
    # each finding belongs to the account of the principal or role it is about
    return [replace(f, account_id=account_of(f.resource_arn)) for f in findings]


def _load_model(run_dir: Path):
    from auditor.graph import AccessModel
    from auditor.model import load_snapshot

    def load(account: str):
        return AccessModel(load_snapshot(run_dir / "accounts" / account / "snapshot.json.gz"))
    return load


def merge(run_dir: str | Path, output: str | Path | None = None, say=lambda _: None) -> dict:
    run_dir = Path(run_dir)
    out = Path(output) if output else run_dir
    org = load_org(run_dir)
    entries = read_manifests(run_dir)
    if not entries:
        raise OrgError(f"{run_dir}: no manifest (run `org scan` first)")
    scanned = sorted(a for a, e in entries.items() if e.get("status") in (OK, PARTIAL)
                     and (run_dir / "accounts" / a / "findings.json").exists())
    facts = load_facts(run_dir, scanned)
    view = build_view(org, facts, _load_model(run_dir))
    org_findings = organisation_findings(org.management_account_id, view)
    out.mkdir(parents=True, exist_ok=True)
    # the cross-account edges, for who-can over the organisation (org/api.py) without
    # deciding every trust again
    atomic_write_text(out / CROSS_FILE, json.dumps({"edges": view.cross_edges}, sort_keys=True))
    Manifest(out / "manifest.json", "merged", entries).flush()
    generated_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    summary, per_account = _write_findings(out / "findings.json", run_dir, org, entries, scanned,
                                           org_findings, generated_at)
    from auditor.report.org_html import write_org_report

    write_org_report(out / "report.html", {
        "org": org, "rollup": _rollup(org, entries, per_account), "view": view, "summary": summary,
        "generated_at": generated_at})
    say(f"merged {len(scanned)} accounts: {summary['total']} findings, "
        f"{len(view.cross_edges)} cross-account edges, {len(org_findings)} organisation findings")
    return {"accounts": len(scanned), "summary": summary, "cross_edges": len(view.cross_edges),
            "organisation_findings": len(org_findings), "view": view}


def _account_doc(run_dir: Path, account: str) -> dict:
    return json.loads((run_dir / "accounts" / account / "findings.json").read_text())


def _write_findings(path: Path, run_dir: Path, org, entries: dict, scanned: list[str],
                    org_findings: list, generated_at: str) -> tuple[dict, dict[str, dict[str, int]]]:
    """One findings.json for all accounts, streamed one account at a time; answers the
    summary and, per account, its open findings by severity."""
    from auditor.rules.engine import SEVERITIES

    by_sev = dict.fromkeys(SEVERITIES, 0)
    per_account: dict[str, dict[str, int]] = {}
    total = muted = 0
    regions: set[str] = set()
    gaps: list[dict] = [{"service": "organizations", "region": "global", "operation": g["operation"],
                         "error": g["error"], "resource": g.get("target"), "message": g.get("message", ""),
                         "account_id": org.management_account_id} for g in org.gaps]
    for a, e in sorted(entries.items()):
        status = e.get("status")
        if status not in (OK, SKIPPED):
            unreachable = status == UNREACHABLE
            gaps.append({"service": "sts" if unreachable else "ecs-auditor", "region": "global",
                         "operation": "AssumeRole" if unreachable else "ScanAccount", "error": status,
                         "resource": a, "message": e.get("error") or "", "account_id": a})
    with atomic_writer(path) as fh:
        fh.write(json.dumps({"schema": "ecs-auditor/findings/1", "tool_version": __version__,
                             "generated_at": generated_at,
                             "account_id": org.management_account_id,
                             "organisation_id": org.org_id})[:-1].encode() + b', "findings": [')
        first = True

        def put(d: dict) -> None:
            nonlocal first, total, muted
            fh.write((b"" if first else b", ") + json.dumps(d, default=str).encode())
            first = False
            if d.get("muted"):
                muted += 1
            else:
                total += 1
                by_sev[d["severity"]] += 1
                mine = per_account.setdefault(d["account_id"], {})
                mine[d["severity"]] = mine.get(d["severity"], 0) + 1

        for f in org_findings:
            put(f.to_dict())
        for a in scanned:
            doc = _account_doc(run_dir, a)
            regions |= set(doc.get("regions", []))
            gaps += [dict(g, account_id=a) for g in doc.get("coverage", {}).get("gaps", [])]
            for d in doc.get("findings", []):
                put(d)
            del doc
        summary = {"by_severity": by_sev, "total": total, "muted": muted,
                   "accounts": {s: sum(e.get("status") == s for e in entries.values()) for s in STATUSES}}
        fh.write(b"], " + json.dumps({"regions": sorted(regions), "coverage": {"gaps": gaps},
                                      "summary": summary}, default=str)[1:].encode())
    return summary, per_account


def _rollup(org, entries: dict, per_account: dict[str, dict[str, int]]) -> list[dict]:
    """Per account: OU path, status, open findings by severity (organisation ones included)."""
    rows = []
    for acct in org.accounts:
        a = acct.account_id
        e = entries.get(a, {"status": "not scanned", "error": None})
        rows.append({"account_id": a, "name": acct.name, "ou": " / ".join(org.ou_names(a)),
                     "status": e.get("status"), "error": e.get("error"),
                     "by_severity": per_account.get(a, {}), "regions": e.get("regions", []),
                     "regions_skipped": e.get("regions_skipped", []), "seconds": e.get("seconds")})
    return rows
