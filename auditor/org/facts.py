"""What the organisation analysis needs from one audited account, small enough to keep for
hundreds: its admin principals, the edges between its principals (with their steps), who
carries each principal (workloads), the trust its roles place in other accounts, and which
roles ECS uses. Written beside the account's outputs as `org-facts.json`, so that `org merge`
never holds more than one account's full model at a time."""

from __future__ import annotations

from auditor.audit import AuditResult

FACTS_FILE = "org-facts.json"


def account_facts(result: AuditResult) -> dict:
    model = result.model
    account = result.inventory.account_id
    admins = sorted(a for a in model.principals if model.is_admin(a))
    callers = {a for a, p in model.principals.items() if "sts:assumerole" in p.grants}
    keep_steps = set(admins) | callers  # ECS steps are worked out only where a path can use them
    edges = []
    for src, es in sorted(model.principal_edges.items()):
        for e in es:
            steps = list(e.steps)
            if not steps:
                path = model.escalation_path(src, e.target) if e.target in keep_steps else None
                steps = path.steps if path else [{
                    "action": "ecs:RunTask", "resource": e.target, "decision": "conditional",
                    "note": "an ECS route to the role (see the account's report)"}]
            edges.append({"from": src, "to": e.target, "kind": e.kind,
                          "conditional": e.conditional, "steps": steps})
    carriers = {}
    for arn in model.principals:
        cs = model._carriers(arn)
        if cs:
            carriers[arn] = [{"arn": c.arn, "via": c.via} for c in cs]
    trusts = []
    for role in result.inventory.roles:
        items, _ = model.trust.get(role.arn, ([], None))
        for t in items:
            if t.kind not in ("aws", "any") or t.negated or (t.account == account and t.kind == "aws"):
                continue
            trusts.append({"role": role.arn, "principal": t.value, "account": t.account or "*",
                           "conditions": bool(t.conditions), "guards": list(t.guards)})
    return {"account_id": account, "admins": admins, "edges": edges, "carriers": carriers,
            "trusts": trusts, "ecs_roles": sorted(model.role_usage)}
