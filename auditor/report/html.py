"""report.html: one self-contained file (inline CSS and JS, no network), rendered by jinja2
with autoescape. Account data reaches the page escaped, or as JSON that scripts only ever
insert as text."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from auditor import __version__
from auditor.fsutil import atomic_write_text
from auditor.iam.catalogue import catalogue
from auditor.iam.knowledge import by_danger
from auditor.report import svg
from auditor.rules.engine import SEVERITIES

MAX_WORKLOADS = 150  # drawn in full; the rest are in permissions.csv
MAX_PATHS = 100
MAX_COST_ROWS = 60  # per cluster, costliest first; every row is in costs.csv
MAX_BARS = 25

_env = Environment(loader=PackageLoader("auditor.report", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def safe_json(data) -> Markup:
    """JSON for a <script type="application/json"> block: no sequence can close the tag."""
    text = json.dumps(data, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]


def role_summary(model, role_arn: str | None) -> dict | None:
    if not role_arn:
        return None
    p = model.principals.get(role_arn)
    if p is None:
        return {"name": _name(role_arn), "arn": role_arn, "missing": True, "badges": [], "actions": 0}
    c = model.classification(role_arn)
    badges = []
    if c.admin:
        badges.append("admin")
    if c.escalation:
        badges.append("privilege escalation")
    if c.service_wildcards:
        badges.append("wildcards: " + ", ".join(sorted(c.service_wildcards)[:4]))
    if c.permissions_management_on_all:
        badges.append("changes permissions on *")
    if c.data_read_on_all:
        badges.append("reads data on *")
    services = model.actions_by_service(role_arn)  # counted once per role, not per workload
    return {"name": p.name, "arn": role_arn, "missing": False, "badges": badges,
            "actions": len(p.grants),
            "services": ", ".join(f"{s} ({n})" for s, n in services.most_common(6))}


def workloads_view(result, risky: set[str]) -> list[dict]:
    model, ix = result.model, result.inventory.index
    views = []
    for w in model.workloads.values():
        td = w.task_definition
        left = [(s.name, "service", "runs") for s in w.services[:4]]
        right = []
        for role_arn, edge in ((td.task_role_arn, "task role"), (td.execution_role_arn, "execution role")):
            if role_arn:
                right.append((_name(role_arn), "iam-role", edge, model.is_admin(role_arn)))
        for r in w.reachable_instance_roles:
            right.append((_name(r.role_arn), "iam-role", "IMDS", True))
        for s in w.services[:2]:
            for ref, tg, _ in ix.fronts(s)[:2]:
                left.append((tg.name, "target-group", "forwards") if tg else
                            (ref.load_balancer_name, "load-balancer", "forwards"))
        for v in td.volumes:
            if v.efs:
                right.append((v.efs.file_system_id, "efs-file-system", "mounts", False))
        instance = [role_summary(model, r.role_arn) | {"reason": r.reason}
                    for r in w.reachable_instance_roles]
        views.append({
            "arn": td.arn, "name": f"{td.family}:{td.revision}",
            "services": [s.name for s in w.services], "launch": ", ".join(sorted(w.launch_types)),
            "network_mode": td.effective_network_mode, "risky": td.arn in risky,
            "task": role_summary(model, td.task_role_arn),
            "execution": role_summary(model, td.execution_role_arn),
            "instance": instance, "no_task_role_on_ec2": w.on_ec2 and not td.task_role_arn,
            "drawing": svg.neighbourhood(left[:6], (f"{td.family}:{td.revision}", "task-definition"),
                                         right[:6])})
    views.sort(key=lambda v: (not v["risky"], v["name"]))
    return views[:MAX_WORKLOADS]


def paths_view(result) -> list[dict]:
    out = []
    paths = sorted(result.model.escalation_paths, key=lambda p: -p.gains)[:MAX_PATHS]
    for p in paths:
        kind = "iam-user" if ":user/" in p.principal else "iam-role"
        steps = [(_name(p.principal), kind)] + [(s["action"], "step") for s in p.steps] + \
            [(_name(p.target_role), "iam-role")]
        edges = ["may"] * (len(steps) - 2) + ["gains"]
        out.append({"principal": p.principal, "target": p.target_role, "kind": p.kind,
                    "gains": p.gains, "sample": p.sample_gains, "conditional": p.conditional,
                    "drawing": svg.chain(steps, edges)})
    return out


def costs_view(result) -> dict:
    by_cluster: dict[str, list] = {}
    for row in result.costs:
        by_cluster.setdefault(row.cluster, []).append(row)
    clusters = []
    for name, rows in sorted(by_cluster.items()):
        priced = sorted((r for r in rows if r.monthly_cost_usd is not None),
                        key=lambda r: -r.monthly_cost_usd)
        bars = [(r.service, r.monthly_cost_usd, r.monthly_saving_usd or 0) for r in priced[:MAX_BARS]]
        shown = priced[:MAX_COST_ROWS] + [r for r in rows if r.monthly_cost_usd is None][:10]
        clusters.append({"name": name, "rows": shown, "hidden": len(rows) - len(shown),
                         "total": sum(r.monthly_cost_usd for r in priced),
                         "chart": svg.bars(bars, f"{name}: monthly cost, costliest {len(bars)}"
                                                 " (saving in red)")})
    total = sum(c["total"] for c in clusters)
    saving = sum(r.monthly_saving_usd or 0 for r in result.costs)
    saving += sum(f.evidence.get("monthly_saving_usd", 0) for f in result.findings if f.rule_id == "K105")
    return {"clusters": clusters, "total": total, "saving": saving}


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
    return [{"i": i, "fp": f.fingerprint, "sev": f.severity, "cat": f.category, "rule": f.rule_id,
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
    risky = {a for f in result.findings if not f.muted and f.severity in ("critical", "high")
             for a in (f.resource_arn, *f.related_arns)}
    return _env.get_template("report.html.j2").render(
        inv=inv, summary=summary, severities=SEVERITIES, version=__version__,
        catalogue_version=catalogue().version, generated_at=result.generated_at,
        coverage=result.coverage, expired_mutes=result.expired_mutes, top=top_risks(result),
        rules=sorted({(f.rule_id, f.rule_name) for f in result.findings}),
        categories=sorted({f.category for f in result.findings}),
        workloads=workloads_view(result, risky), workload_total=len(result.model.workloads),
        paths=paths_view(result),
        path_total=sum(len(r.targets) for r in result.model.escalation.values()),
        costs=costs_view(result), pricing=result.pricing,
        data=safe_json(findings_data(result)),
        has_baseline=any(f.new is not None for f in result.findings),
        new_count=sum(bool(f.new) for f in result.findings),
        controls=result.controls(), trend=trend_view(history, inv.account_id))


def write_html(result, folder: Path, options=None) -> list[Path]:
    history = options.history if options else None
    return [atomic_write_text(folder / "report.html", render_report(result, history))]
