"""What the report's sections show, computed from an audit: workloads riskiest first, escalation
paths grouped by the principal they reach, costs per cluster, and the anchors that link a
finding to its workload, path and cost row (and back)."""

from __future__ import annotations

import hashlib

from auditor.iam.knowledge import danger_tier
from auditor.report import svg
from auditor.rules.engine import SEVERITIES

MAX_WORKLOADS = 150  # drawn in full; the rest are in permissions.csv
MAX_TARGETS = 60  # escalation targets shown, most gained first; every path is in findings.json
MAX_COST_ROWS = 60  # per cluster, costliest first; every row is in costs.csv
MAX_BARS = 25


def anchor(prefix: str, arn: str) -> str:
    """A stable HTML id for a resource (an ARN is not a valid id as it is)."""
    return f"{prefix}-{hashlib.sha1(arn.encode()).hexdigest()[:12]}"


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


def findings_by_resource(result) -> dict[str, list]:
    """Open findings by every ARN they name (resource and related), worst first."""
    out: dict[str, list] = {}
    for f in result.findings:
        if f.muted:
            continue
        for arn in dict.fromkeys((f.resource_arn, *f.related_arns)):
            out.setdefault(arn, []).append(f)
    for fs in out.values():
        fs.sort(key=lambda f: SEVERITIES.index(f.severity))
    return out


def _front_label(ref, tg, lbs) -> tuple[str, str, str]:
    """The box in front of a service: its load balancer, the edge its listeners (protocol:port),
    not an opaque listener id."""
    ports = sorted({f"{ln.protocol}:{ln.port}" for lb in lbs for ln in lb.listeners if ln.port})
    edge = ", ".join(ports[:2]) + (" …" if len(ports) > 2 else "") or "forwards"
    if not tg:
        return (ref.load_balancer_name, "load-balancer", edge)
    return (f"{lbs[0].name} → {tg.name}" if lbs else tg.name, "target-group", edge)


def workloads_view(result) -> list[dict]:
    """Each workload in use with its three identities; ordered by its worst open finding, then
    by how many it has (a workload with three criticals comes before one with one)."""
    model, ix = result.model, result.inventory.index
    by_arn = findings_by_resource(result)
    costed = {r.service_arn for r in result.costs}
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
            for ref, tg, lbs in ix.fronts(s)[:2]:
                left.append(_front_label(ref, tg, lbs))
        for v in td.volumes:
            if v.efs:
                right.append((v.efs.file_system_id, "efs-file-system", "mounts", False))
        instance = [role_summary(model, r.role_arn) | {"reason": r.reason}
                    for r in w.reachable_instance_roles]
        mine = {f.fingerprint: f for arn in (td.arn, *(s.arn for s in w.services))
                for f in by_arn.get(arn, [])}
        worst = min((SEVERITIES.index(f.severity) for f in mine.values()), default=len(SEVERITIES))
        views.append({
            "arn": td.arn, "id": anchor("w", td.arn), "name": f"{td.family}:{td.revision}",
            "services": [s.name for s in w.services], "launch": ", ".join(sorted(w.launch_types)),
            "network_mode": td.effective_network_mode,
            "worst": SEVERITIES[worst] if worst < len(SEVERITIES) else None,
            "findings": sorted(mine.values(), key=lambda f: SEVERITIES.index(f.severity)),
            "costs": [(s.name, anchor("c", s.arn)) for s in w.services if s.arn in costed],
            "task": role_summary(model, td.task_role_arn),
            "execution": role_summary(model, td.execution_role_arn),
            "instance": instance, "no_task_role_on_ec2": w.on_ec2 and not td.task_role_arn,
            "drawing": svg.neighbourhood(left[:6], (f"{td.family}:{td.revision}", "task-definition"),
                                         right[:6])})
    views.sort(key=lambda v: (SEVERITIES.index(v["worst"]) if v["worst"] else len(SEVERITIES),
                              -len(v["findings"]), v["name"]))
    return views[:MAX_WORKLOADS]


def _gain_rank(model, target: str, paths: list) -> tuple:
    """Admin first, then the most dangerous action gained, then how many actions."""
    best_tier = min((danger_tier(a) for p in paths for a in p.sample_gains[:5]), default=99)
    return (not model.is_admin(target), best_tier, -max(p.gains for p in paths), target)


def _action_name(action: str) -> str:
    """iam:PassRole as the catalogue spells it, not as matching lower-cases it."""
    from auditor.iam.catalogue import catalogue

    known = catalogue().actions.get(action.lower())
    return known.name if known else action


def paths_view(result) -> list[dict]:
    """Escalation paths grouped by the role they reach, ranked by what is gained; principals that
    take the same steps are listed once together, certain and conditional apart."""
    model = result.model
    by_target: dict[str, list] = {}
    for p in model.escalation_paths + model.chained_paths:
        by_target.setdefault(p.target_role, []).append(p)
    groups, drawn = [], set()
    for target, paths in sorted(by_target.items(), key=lambda kv: _gain_rank(model, *kv))[:MAX_TARGETS]:
        routes: dict[tuple, dict] = {}
        for p in paths:
            key = (p.kind, p.conditional, tuple(s["action"] for s in p.steps))
            route = routes.setdefault(key, {"kind": p.kind, "conditional": p.conditional,
                                            "steps": [s["action"] for s in p.steps],
                                            "principals": [], "via": set()})
            route["principals"].append(_name(p.principal))
            route["via"].update(_name(v) for v in p.via)
        first = paths[0]
        shape = tuple(s["action"] for s in first.steps)
        drawing = None
        if shape not in drawn:  # the same steps to another role are not drawn again
            drawn.add(shape)
            who = routes[(first.kind, first.conditional, shape)]["principals"]
            label = who[0] + (f" +{len(who) - 1}" if len(who) > 1 else "")
            drawing = svg.chain([(label, "iam-role"), *((a, "step") for a in shape),
                                 (_name(target), "iam-role")], ["may"] * len(shape) + ["gains"])
        groups.append({"target": target, "name": _name(target), "id": anchor("p", target),
                       "admin": model.is_admin(target), "gains": max(p.gains for p in paths),
                       "sample": [_action_name(a) for a in first.sample_gains[:6]],
                       "routes": sorted(routes.values(), key=lambda r: (r["conditional"], r["kind"])),
                       "principals": len({p.principal for p in paths}), "drawing": drawing})
    return groups


def costs_view(result) -> dict:
    by_cluster: dict[str, list] = {}
    for row in result.costs:
        by_cluster.setdefault(row.cluster, []).append(row)
    workload_of = {s.arn: anchor("w", w.arn) for w in result.model.workloads.values() for s in w.services}
    clusters = []
    for name, rows in sorted(by_cluster.items()):
        priced = sorted((r for r in rows if r.monthly_cost_usd is not None),
                        key=lambda r: -r.monthly_cost_usd)
        bars = [(r.service, r.monthly_cost_usd, r.monthly_saving_usd or 0) for r in priced[:MAX_BARS]]
        shown = priced[:MAX_COST_ROWS] + [r for r in rows if r.monthly_cost_usd is None][:10]
        clusters.append({"name": name, "hidden": len(rows) - len(shown),
                         "rows": [{"row": r, "id": anchor("c", r.service_arn),
                                   "workload": workload_of.get(r.service_arn)} for r in shown],
                         "total": sum(r.monthly_cost_usd for r in priced),
                         "chart": svg.bars(bars, f"{name}: monthly cost, costliest {len(bars)}"
                                                 " (saving in red)")})
    total = sum(c["total"] for c in clusters)
    saving = sum(r.monthly_saving_usd or 0 for r in result.costs)
    saving += sum(f.evidence.get("monthly_saving_usd", 0) for f in result.findings if f.rule_id == "K105")
    return {"clusters": clusters, "total": total, "saving": saving}


def finding_links(result) -> dict[str, list[dict]]:
    """fingerprint -> the report's places about the same resources: workload, path, cost row."""
    workloads = {}
    for w in result.model.workloads.values():
        for arn in (w.arn, *(s.arn for s in w.services)):
            workloads.setdefault(arn, (f"workload {w.task_definition.family}:{w.task_definition.revision}",
                                       anchor("w", w.arn)))
    every = result.model.escalation_paths + result.model.chained_paths
    targets = {p.target_role for p in every}
    principals = {p.principal: p.target_role for p in every}
    costed = {r.service_arn for r in result.costs}
    out = {}
    for f in result.findings:
        links = {}
        for arn in (f.resource_arn, *f.related_arns):
            if arn in workloads:
                links[workloads[arn][1]] = workloads[arn][0]
            if arn in targets:
                links[anchor("p", arn)] = f"escalation paths to {_name(arn)}"
            if arn in principals and f.rule_id in ("I304",):
                links[anchor("p", principals[arn])] = f"escalation path to {_name(principals[arn])}"
            if arn in costed:
                links[anchor("c", arn)] = f"cost of {_name(arn)}"
        out[f.fingerprint] = [{"href": "#" + k, "label": v} for k, v in links.items()]
    return out
