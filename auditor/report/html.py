"""report.html: one self-contained file (inline CSS and JS, no network), rendered by jinja2
with autoescape. Account data reaches the page escaped, or as JSON that scripts only ever
insert as text."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from auditor import __version__
from auditor.fsutil import atomic_write_text
from auditor.iam.catalogue import catalogue
from auditor.iam.knowledge import by_danger
from auditor.report import svg
from auditor.report.views import costs_view, finding_links, paths_view, workloads_view
from auditor.rules.engine import SEVERITIES

# auto_reload off: the templates ship with the package; checking their files on every render
# costs thousands of stat calls per account in an organisation scan.
_env = Environment(loader=PackageLoader("auditor.report", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True,
                   auto_reload=False)
_COMPILING = threading.Lock()


def template(name: str):
    """A compiled template; compiled once even when accounts audited side by side ask for it
    at the same moment."""
    with _COMPILING:
        return _env.get_template(name)


def safe_json(data) -> Markup:
    """JSON for a <script type="application/json"> block: no sequence can close the tag."""
    text = json.dumps(data, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# Rules whose evidence shows the first 50 of a role's actions in a category (the classification
# field that holds them all), so the report can offer the whole list, most dangerous first.
FULL_LISTS = {"I104": "data_read_on_all", "I105": "permissions_management_on_all",
              "I106": "write_on_all", "I107": "credentials"}
MAX_FULL_LIST = 2000


def full_actions(result, f) -> list[str] | None:
    field = FULL_LISTS.get(f.rule_id)
    shown = f.evidence.get("actions") or []
    if not field or f.evidence.get("count", 0) <= len(shown) or f.resource_arn not in result.model.principals:
        return None
    cat = catalogue()
    found = getattr(result.model.classification(f.resource_arn), field)
    return [cat.actions[a].name for a in by_danger(found)][:MAX_FULL_LIST]


def findings_data(result) -> list[dict]:
    links = finding_links(result)
    return [{"i": i, "fp": f.fingerprint, "links": links.get(f.fingerprint, []), "sev": f.severity,
             "cat": f.category, "rule": f.rule_id,
             "name": f.rule_name, "title": f.title, "msg": f.message, "type": f.resource_type,
             "arn": f.resource_arn, "region": f.region, "related": list(f.related_arns),
             "evidence": f.evidence, "fix": f.remediation, "refs": list(f.references),
             "muted": f.muted, "why_muted": f.mute_reason, "new": f.new,
             "all_actions": full_actions(result, f)}
            for i, f in enumerate(result.findings)]


def top_risks(result, n: int = 10) -> list:
    live = [f for f in result.findings if not f.muted and f.category != "cost"]
    return sorted(live, key=lambda f: (SEVERITIES.index(f.severity),
                                       "exposure" not in f.evidence, f.rule_id))[:n]


def trend_view(history: str | None, account: str) -> dict | None:
    """The trend chart of a --history folder, for this account (None without history)."""
    if not history:
        return None
    from auditor.history import HistoryError, trend

    try:
        scans = [s for s in trend(history)["scans"] if s["account_id"] == account]
    except HistoryError:
        return None
    if not scans:
        return None
    points = [(s["scanned_at"], s["open"]) for s in scans[-26:]]  # half a year of weekly scans
    return {"chart": svg.trend(points, "Open findings by severity per scan"), "scans": scans[-26:]}


def render_report(result, history: str | None = None) -> str:
    inv = result.inventory
    summary = result.summary()
    return template("report.html.j2").render(
        inv=inv, summary=summary, severities=SEVERITIES, version=__version__,
        catalogue_version=catalogue().version, generated_at=result.generated_at,
        coverage=result.coverage, expired_mutes=result.expired_mutes, top=top_risks(result),
        rules=sorted({(f.rule_id, f.rule_name) for f in result.findings}),
        categories=sorted({f.category for f in result.findings}),
        workloads=workloads_view(result), workload_total=len(result.model.workloads),
        paths=paths_view(result),
        path_total=sum(r.total for r in result.model.escalation.values())
        + len(result.model.chained_paths),
        path_targets=len({p.target_role for p in result.model.escalation_paths + result.model.chained_paths}),
        costs=costs_view(result), pricing=result.pricing,
        data=safe_json(findings_data(result)),
        has_baseline=any(f.new is not None for f in result.findings),
        new_count=sum(bool(f.new) for f in result.findings),
        controls=result.controls(), trend=trend_view(history, inv.account_id),
        org_effects=result.organisation_effects() if inv.organisation else None)


def write_html(result, folder: Path, options=None) -> list[Path]:
    history = options.history if options else None
    return [atomic_write_text(folder / "report.html", render_report(result, history))]
