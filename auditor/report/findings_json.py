"""findings.json: the findings document of interfaces.md (schema ecs-auditor/findings/1)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor import __version__
from auditor.audit import AuditResult
from auditor.fsutil import atomic_write_text
from auditor.model.serde import to_jsonable

FINDINGS_SCHEMA = "ecs-auditor/findings/1"


def findings_document(result: AuditResult) -> dict:
    inv = result.inventory
    return {
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
        "findings": [f.to_dict() for f in result.findings],
    }


def write_findings_json(result: AuditResult, folder: Path, options=None) -> list[Path]:
    # Compact: json's C encoder runs only without indentation (ten times faster on big accounts).
    return [atomic_write_text(folder / "findings.json",
                              json.dumps(findings_document(result), default=str))]
