"""The organisation report: the worst cross-account paths first, per OU and account rollups,
coverage per account. Self-contained and escaped like the account report (names, tags and
OU names are whatever the organisation's administrators typed)."""

from __future__ import annotations

from pathlib import Path

from auditor import __version__
from auditor.fsutil import atomic_write_text
from auditor.report.html import template
from auditor.rules.engine import SEVERITIES


def _ous(rollup: list[dict]) -> list[tuple[str, dict]]:
    out: dict[str, dict] = {}
    for r in rollup:
        row = out.setdefault(r["ou"], {"accounts": 0, "sev": {}})
        row["accounts"] += 1
        for s, n in r["by_severity"].items():
            row["sev"][s] = row["sev"].get(s, 0) + n
    return sorted(out.items())


def write_org_report(path: Path, data: dict) -> Path:
    view = data["view"]
    # certain paths before conditional ones, shorter before longer
    paths = sorted(view.paths, key=lambda p: (p["conditional"], len(p["steps"]), p["start"]))
    html = template("org.html.j2").render(
        **data, paths=paths, ous=_ous(data["rollup"]), severities=SEVERITIES, version=__version__)
    return atomic_write_text(path, html)
