"""New, resolved and unchanged findings between two scans, by fingerprint."""

from __future__ import annotations

from pathlib import Path

from auditor.fsutil import InputError, load_json, read_input


class DiffError(ValueError):
    pass


def load_document(path: str | Path) -> dict:
    """A findings.json (or the one in an output folder), checked to be one."""
    p = Path(path)
    if p.is_dir():
        p = p / "findings.json"
    try:
        doc = load_json(read_input(p), str(p))
    except InputError as e:
        raise DiffError(str(e).replace(": not JSON", ": not a findings.json file")) from None
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("ecs-auditor/findings/"):
        raise DiffError(f"{p}: not an ecs-auditor findings file")
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(f, dict) and "fingerprint" in f
                                                 for f in findings):
        raise DiffError(f"{p}: findings list is malformed")
    return doc


def load_findings(path: str | Path) -> list[dict]:
    return load_document(path)["findings"]


def diff(old: str | Path, new: str | Path, force: bool = False) -> dict:
    """New, resolved and unchanged findings. Scans of different accounts, regions or schema
    versions are refused unless forced: everything would look new and resolved."""
    docs = load_document(old), load_document(new)
    for key in ("account_id", "regions", "schema"):
        a, b = (d.get(key) for d in docs)
        if a != b and not force:
            raise DiffError(f"the scans differ in {key} ({a} vs {b}); use --force to compare anyway")
    a = {f["fingerprint"]: f for f in docs[0]["findings"]}
    b = {f["fingerprint"]: f for f in docs[1]["findings"]}

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
