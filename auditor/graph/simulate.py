"""One request decided exactly, with what decided it: the policy simulator, offline.

Layers applied here: the identity policies, the permissions boundary, and the resource's own
policy (bucket, secret, repository, queue, topic, KMS key policy and grants) when the snapshot
holds one, the SCPs of each level of the account's path in its organisation and, for its own
resources of the services they cover, the RCPs (when the snapshot carries the organisation).
A condition on a key the context does not supply makes the answer `conditional` and is named."""

from __future__ import annotations

from auditor.iam import ALLOWED, CONDITIONAL, DENIED, decide
from auditor.iam.evaluate import RANK, Context, Verdict, names_action, weakest
from auditor.iam.glob import variables_in
from auditor.iam.policy import Statement
from auditor.iam.principals import Principal


def parse_context(pairs: list[str] | None) -> Context:
    """KEY=VALUE strings (a key given twice is multi-valued); keys are case-insensitive."""
    out: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or ":" not in key:
            raise ValueError(f"--context {pair!r}: expected KEY=VALUE with a key such as aws:SourceIp")
        out.setdefault(key.strip().lower(), []).append(value)
    return {k: tuple(v) for k, v in out.items()}


def _entry(layer: str, st: Statement, effect: str, context: Context) -> dict:
    keys = {k for kv in st.conditions.values() for k in kv}
    if st.variables:  # a policy variable in a resource is a request value too
        keys |= {key for r in (st.not_resources or st.resources) for _, key, _ in variables_in(r)}
    keys = sorted(keys - set(context))
    return {"layer": layer, "effect": effect, "policy": st.source, "sid": st.sid or "",
            "conditions_unknown": keys}


def _nothing(layer: str, policy: str = "") -> dict:
    """No statement of this layer applies (an implicit deny, or a boundary that allows nothing)."""
    return {"layer": layer, "effect": "none", "policy": policy, "sid": "", "conditions_unknown": []}


def _layer(layer: str, statements, action: str, resource: str,
           context: Context) -> tuple[Verdict, list[dict]]:
    v = decide(statements, action, resource, context)
    used = [_entry(layer, st, "allow", context) for st in v.allows]
    used += [_entry(layer, st, "deny", context) for st in v.denies]
    return v, used or [_nothing(layer)]


def _on_some_resource(p: Principal, action: str, context: Context) -> dict:
    """No resource given: may the principal do the action on some resource? The grants table
    answers (the same one who-can and what-can read); decided_by lists the statements that name
    the action."""
    g = p.grants.get(action.lower())
    decision = DENIED if g is None else CONDITIONAL if g.conditional else ALLOWED
    used = [_entry("identity", st, st.effect.lower(), context) for st in p.statements
            if names_action(st, action)]
    used += [_entry("boundary", st, st.effect.lower(), context) for st in p.boundary or ()
             if names_action(st, action)]
    used += [_entry("scp", st, st.effect.lower(), context) for lvl in p.scps
             if not lvl.allows_everything for st in lvl.statements if names_action(st, action)]
    if p.boundary is not None and not any(u["layer"] == "boundary" for u in used):
        used.append(_nothing("boundary", "permissions boundary"))
    return {"principal": p.arn, "action": action.lower(), "resource": None, "decision": decision,
            "decided_by": used or [_nothing("identity")], "via_role": None}


def _org_layers(levels, action: str, resource: str, context: Context) -> list[dict]:
    """Each SCP or RCP level's part, up to the first that denies: the statements that
    decided, or "none" for a level where nothing allows (that level alone denies)."""
    used: list[dict] = []
    for lvl in levels:
        v, entries = _layer(lvl.layer, lvl.statements, action, resource, context)
        used += [dict(e, policy=e["policy"] or lvl.label) for e in entries]
        if v.decision == DENIED:
            break
    return used


def simulate_principal(p: Principal, action: str, resource: str | None, context: Context,
                       layer=None, account: str = "", rcps: tuple = ()) -> dict:
    """`layer`: the resource's own policy (a ResourceLayer), when it has one; `rcps`: the
    account's RCP levels."""
    if resource is None:
        return _on_some_resource(p, action, context)
    from auditor.graph.resources import decide_request
    from auditor.iam.organisation import exempt_from_controls, rcp_governs

    caller = context
    context = p.request_context(context, resource)  # the same request Principal.decide judges
    v, used = _layer("identity", p.statements, action, resource, context)
    if p.boundary is not None and (v.decision != DENIED or layer is not None):
        b, bused = _layer("boundary", p.boundary, action, resource, context)
        v, used = weakest(v, b), used + bused
    if p.scps and v.decision != DENIED:
        used += _org_layers(p.scps, action, resource, context)
    if layer is not None:
        result = decide_request(p, layer, action, resource, caller, account)
        if result.unknown:
            used.append(_nothing("resource", f"{layer.source} (could not be read)"))
        elif result.resource is not None:
            r = result.resource
            used += [_entry("resource", st, "allow", context) for st in r.allows]
            used += [_entry("resource", st, "deny", context) for st in r.denies]
            if not r.allows and not r.denies:
                used.append(_nothing("resource", layer.source))
    if rcp_governs(rcps, resource, account) and not exempt_from_controls(p.arn):
        used += _org_layers(rcps, action, resource, context)
    v = decide_request(p, layer, action, resource, caller, account, rcps).verdict
    out = {"principal": p.arn, "action": action.lower(), "resource": resource,
           "decision": v.decision, "decided_by": used, "via_role": None}
    note = resource_type_note(action, resource)
    return out | {"note": note} if note else out


def resource_type_note(action: str, resource: str) -> str:
    """What the catalogue says when the request is not the one asked about: the action takes
    only "*", or does not act on this kind of resource (then nothing can allow it)."""
    from auditor.iam.catalogue import catalogue

    types = catalogue().types
    action = action.lower()
    asked = types.request_resource(action, resource)
    if asked == resource:
        return ""
    if asked == "*":
        return f'{action} takes no resource ARN (the catalogue lists no resource type): decided for "*"'
    return (f"{action} does not act on this resource: it acts on "
            f"{', '.join(types.formats.get(action, ()))}")


def most_permissive(results: list[dict]) -> dict | None:
    return max(results, key=lambda r: RANK[r["decision"]], default=None)
