"""Is action A on resource R allowed, and why? IAM's semantics for identity policies.

Explicit deny wins; Resource/NotResource wildcards span ':' and '/'; actions are
case-insensitive and resources case-sensitive; policy variables take the request's value (none
matches nothing, unknown makes the answer "conditional", and without Version 2012-10-17 they
are literal text); a permissions boundary intersects; a condition is evaluated when the context
supplies its keys, otherwise the allow is "conditional".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from auditor.iam.catalogue import action_matches, catalogue
from auditor.iam.glob import resource_glob, substitutions
from auditor.iam.policy import Statement

ALLOWED, CONDITIONAL, DENIED = "allowed", "conditional", "denied"
RANK = {DENIED: 0, CONDITIONAL: 1, ALLOWED: 2}  # least to most permissive
Context = dict[str, tuple[str, ...]]


def resource_matches(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    return resource_glob(pattern).fullmatch(resource)


def pattern_verdict(pattern: str, resource: str, variables: bool, context: Context | None) -> bool | None:
    """Does a resource pattern match? None when it depends on a policy variable's unknown value."""
    if pattern == "*":
        return True
    if not variables or "${" not in pattern:
        return resource_glob(pattern, variables).fullmatch(resource)
    patterns, unknown = substitutions(pattern, context or {})
    if any(resource_glob(p).fullmatch(resource) for p in patterns):
        return None if unknown else True
    return False


def names_action(st: Statement, action: str) -> bool:
    """Does the statement's Action (or NotAction) cover this action?"""
    if st.not_actions is not None:
        return not any(action_matches(p, action) for p in st.not_actions)
    return any(action_matches(p, action) for p in st.actions)


def statement_matches(st: Statement, action: str, resource: str,
                      context: Context | None = None) -> bool | None:
    """True, False, or None when only an unknown policy variable could make it match."""
    if not names_action(st, action):
        return False
    verdicts = [pattern_verdict(p, resource, st.variables, context)
                for p in (st.not_resources if st.not_resources is not None else st.resources)]
    hit = True if True in verdicts else None if None in verdicts else False
    if st.not_resources is not None:
        return None if hit is None else not hit
    return hit


# --- conditions ---------------------------------------------------------------------------

def _cmp_string(op: str, have: str, want: str) -> bool:
    if op in ("StringEquals", "StringNotEquals"):
        return have == want
    if op in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return have.lower() == want.lower()
    if op in ("StringLike", "StringNotLike"):
        return resource_matches(want, have)
    if op in ("ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"):
        # Each of the six colon-separated parts is matched on its own: a wildcard in the
        # account part cannot reach into the region (IAM User Guide, "ARN condition operators").
        # A pattern of fewer parts ("*", "arn:aws:ecs:*") lets its last part cover the rest.
        wp = want.split(":", 5)
        hp = have.split(":", len(wp) - 1)
        return len(hp) == len(wp) and all(resource_matches(w, h) for h, w in zip(hp, wp, strict=True))
    if op == "Bool":
        return have.lower() == want.lower()
    if op == "BinaryEquals":
        return have == want  # base64 text of the same bytes
    if op.startswith("Numeric"):
        a, b = float(have), float(want)
        return {"NumericEquals": a == b, "NumericNotEquals": a == b, "NumericLessThan": a < b,
                "NumericLessThanEquals": a <= b, "NumericGreaterThan": a > b,
                "NumericGreaterThanEquals": a >= b}[op]
    if op in ("IpAddress", "NotIpAddress"):
        return ipaddress.ip_address(have) in ipaddress.ip_network(want, strict=False)
    if op.startswith("Date"):
        a, b = _instant(have), _instant(want)  # ISO 8601 in any offset, or epoch seconds
        return {"DateEquals": a == b, "DateNotEquals": a == b,
                "DateLessThan": a < b, "DateLessThanEquals": a <= b,
                "DateGreaterThan": a > b, "DateGreaterThanEquals": a >= b}[op]
    raise KeyError(op)


def _instant(text: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
            "ArnNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress"}


def condition_holds(conditions: dict[str, dict[str, tuple[str, ...]]],
                    context: Context | None) -> bool | None:
    """True / False when the context decides every key, None when some key is unknown."""
    result: bool | None = True
    for raw_op, keys in conditions.items():
        quantifier, _, op = raw_op.rpartition(":")
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        for key, wanted in keys.items():
            have = (context or {}).get(key)
            if op == "Null":
                if have is None:
                    verdict = None
                else:
                    verdict = (len(have) == 0) == (wanted[0].lower() == "true")
            elif have is None:
                verdict = None
            elif not have:  # the request has no such key
                if quantifier == "ForAllValues":
                    verdict = True  # every one of no values matches (IAM User Guide, "Set operators")
                elif quantifier == "ForAnyValue":
                    verdict = False  # no value can match, negated operator or not
                else:
                    verdict = True if if_exists else (op in _NEGATED)
            else:
                try:
                    verdict = _values_match(op, quantifier, have, wanted)
                except (KeyError, ValueError):
                    verdict = None  # an operator or value we cannot judge
            if verdict is False:
                return False
            if verdict is None:
                result = None
    return result


def _values_match(op: str, quantifier: str, have: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    negated = op in _NEGATED

    def one(h: str) -> bool:
        hit = any(_cmp_string(op, h, w) for w in wanted)
        return not hit if negated else hit

    if quantifier == "ForAllValues":
        return all(one(h) for h in have)
    return any(one(h) for h in have)


# --- decisions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    decision: str
    allows: tuple[Statement, ...] = ()
    denies: tuple[Statement, ...] = ()

    def evidence(self) -> list[dict]:
        return [s.describe() for s in self.allows + self.denies]


def decide(statements: Iterable[Statement], action: str, resource: str,
           context: Context | None = None) -> Verdict:
    """The layer's decision. The request is the one AWS authorises: an action that takes only
    "*" is decided for "*" whatever resource was asked about, and a resource of a type the
    action does not act on is named by no statement (resource_types.py)."""
    asked = catalogue().types.request_resource(action.lower(), resource)
    if asked is None:
        return Verdict(DENIED)
    resource = asked
    allow_sure, allow_maybe, deny_sure, deny_maybe = [], [], [], []
    for st in statements:
        matched = statement_matches(st, action, resource, context)
        if matched is False:
            continue
        holds = condition_holds(st.conditions, context) if st.conditions else True
        if holds is False:
            continue
        if matched is None:
            holds = None  # it applies only if the unknown variable has the right value
        if st.effect == "Deny":
            (deny_sure if holds else deny_maybe).append(st)
        else:
            (allow_sure if holds else allow_maybe).append(st)
    if deny_sure:
        return Verdict(DENIED, (), tuple(deny_sure))
    if not allow_sure and not allow_maybe:
        return Verdict(DENIED)
    decision = ALLOWED if allow_sure and not deny_maybe else CONDITIONAL
    return Verdict(decision, tuple(allow_sure or allow_maybe), tuple(deny_maybe))


def weakest(*verdicts: Verdict) -> Verdict:
    """Intersection (identity policy and boundary): the least permissive decision wins."""
    return min(verdicts, key=lambda v: RANK[v.decision])
