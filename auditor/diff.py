"""New, resolved and unchanged findings between two scans, by fingerprint."""

from __future__ import annotations

import json
from pathlib import Path


class DiffError(ValueError):
    pass


def load_findings(path: str | Path) -> list[dict]:
    p = Path(path)
    if p.is_dir():
        p = p / "findings.json"
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise DiffError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DiffError(f"{p}: not a findings.json file") from None
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("ecs-auditor/findings/"):
        raise DiffError(f"{p}: not an ecs-auditor findings file")
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(f, dict) and "fingerprint" in f
                                                 for f in findings):
        raise DiffError(f"{p}: findings list is malformed")
    return findings


def diff(old: str | Path, new: str | Path) -> dict:
    a = {f["fingerprint"]: f for f in load_findings(old)}
    b = {f["fingerprint"]: f for f in load_findings(new)}

    def brief(f: dict) -> dict:
        return {k: f.get(k) for k in ("fingerprint", "rule_id", "severity", "resource_arn",
                                       "message", "muted")}
    return {"new": [brief(b[k]) for k in b if k not in a],
            "resolved": [brief(a[k]) for k in a if k not in b],
            "unchanged": [brief(b[k]) for k in b if k in a]}


def format_diff(d: dict) -> str:
    lines = [f"{len(d['new'])} new, {len(d['resolved'])} resolved, {len(d['unchanged'])} unchanged"]
    for label in ("new", "resolved"):
        for f in d[label]:
            lines.append(f"  {label.upper():<9}[{f['severity']}] {f['rule_id']} {f['message']}")
    return "\n".join(lines)
