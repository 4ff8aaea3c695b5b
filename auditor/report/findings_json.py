"""findings.json: the findings document of interfaces.md (schema ecs-auditor/findings/1)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor import __version__
from auditor.audit import AuditResult
from auditor.fsutil import atomic_writer
from auditor.model.serde import to_jsonable
from auditor.rules.checks import checks_section

FINDINGS_SCHEMA = "ecs-auditor/findings/1"


def findings_document(result: AuditResult, with_findings: bool = True) -> dict:
    inv = result.inventory
    doc = {
        "schema": FINDINGS_SCHEMA,
        "tool_version": __version__,
        "generated_at": result.generated_at,
        "account_id": inv.account_id,
        "regions": list(inv.regions),
        "collected_at": inv.collected_at,
        "coverage": {"gaps": to_jsonable(result.coverage), "expired_mutes": result.expired_mutes},
        "summary": result.summary(),
        "costs": {"services": to_jsonable(result.costs), "pricing": result.pricing,
                  "fit": to_jsonable(result.fits)},
        "checks": checks_section(result.checks),
    }
    if with_findings:
        doc["findings"] = [f.to_dict() for f in result.findings]
    return doc


def write_findings_json(result: AuditResult, folder: Path, options=None) -> list[Path]:
    """The document with its findings written one at a time (compact: json's C encoder runs only
    without indentation)."""
    path = folder / "findings.json"
    head = json.dumps(findings_document(result, with_findings=False), default=str)
    with atomic_writer(path) as fh:
        fh.write(head[:-1].encode() + b', "findings": [')
        for i, f in enumerate(result.findings):
            fh.write((b", " if i else b"") + json.dumps(f.to_dict(), default=str).encode())
        fh.write(b"]}")
    return [path]
