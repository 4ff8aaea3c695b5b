"""One request decided exactly, with what decided it: the policy simulator, offline.

Layers applied here are the ones the snapshot holds for an identity: its identity policies and
its permissions boundary (resource policies, SCPs and RCPs are not collected yet). A condition
on a key the context does not supply makes the answer `conditional` and is named."""

from __future__ import annotations

from auditor.iam import CONDITIONAL, DENIED, decide
from auditor.iam.catalogue import action_matches
from auditor.iam.evaluate import Context, Verdict, weakest
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


def _layer(layer: str, statements, action: str, resource: str,
           context: Context) -> tuple[Verdict, list[dict]]:
    v = decide(statements, action, resource, context)
    used = [_entry(layer, st, "allow", context) for st in v.allows]
    used += [_entry(layer, st, "deny", context) for st in v.denies]
    if not used:
        used = [{"layer": layer, "effect": "none", "policy": "", "sid": "", "conditions_unknown": []}]
    return v, used


def _names(st: Statement, action: str) -> bool:
    if st.not_actions is not None:
        return not any(action_matches(p, action) for p in st.not_actions)
    return any(action_matches(p, action) for p in st.actions)


def _on_some_resource(p: Principal, action: str, context: Context) -> dict:
    """No resource given: may the principal do the action on some resource? The grants table
    answers (the same one who-can and what-can read); decided_by lists the statements that name
    the action."""
    g = p.grants.get(action.lower())
    decision = DENIED if g is None else CONDITIONAL if g.conditional else "allowed"
    used = [_entry("identity", st, st.effect.lower(), context) for st in p.statements if _names(st, action)]
    used += [_entry("boundary", st, st.effect.lower(), context) for st in p.boundary or ()
             if _names(st, action)]
    if p.boundary is not None and not any(u["layer"] == "boundary" for u in used):
        used.append({"layer": "boundary", "effect": "none", "policy": "permissions boundary",
                     "sid": "", "conditions_unknown": []})
    return {"principal": p.arn, "action": action.lower(), "resource": None, "decision": decision,
            "decided_by": used or [{"layer": "identity", "effect": "none", "policy": "", "sid": "",
                                    "conditions_unknown": []}], "via_role": None}


def simulate_principal(p: Principal, action: str, resource: str | None, context: Context) -> dict:
    if resource is None:
        return _on_some_resource(p, action, context)
    v, used = _layer("identity", p.statements, action, resource, context)
    if p.boundary is not None and v.decision != DENIED:
        b, bused = _layer("boundary", p.boundary, action, resource, context)
        v, used = weakest(v, b), used + bused
    return {"principal": p.arn, "action": action.lower(), "resource": resource,
            "decision": v.decision, "decided_by": used, "via_role": None}
