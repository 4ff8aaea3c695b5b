"""Trust policies: who may assume a role, and which conditions guard it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.iam.catalogue import action_matches
from auditor.iam.policy import PolicyError, parse_policy

GUARD_KEYS = ("aws:sourceaccount", "aws:sourcearn", "sts:externalid", "aws:principalorgid",
              "aws:sourceorgid", "aws:principalarn", "aws:principalaccount", "aws:sourceorgpaths",
              "aws:principalorgpaths")
_ACCOUNT = re.compile(r"^(\d{12})$|^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


@dataclass(frozen=True)
class Trustee:
    kind: str  # service | aws | federated | any
    value: str
    account: str | None  # the account of an AWS principal
    guards: tuple[str, ...]  # guard condition keys present (lower-case)
    conditions: dict
    negated: bool = False  # came from NotPrincipal (everyone except...)

    def describe(self) -> dict:
        return {"kind": self.kind, "principal": self.value, "guards": list(self.guards),
                "condition": self.conditions}


def trustees(doc, source: str) -> tuple[list[Trustee], str | None]:
    """Principals allowed to assume the role; (list, error message or None)."""
    if doc is None:
        return [], f"{source}: no trust policy collected"
    try:
        policy = parse_policy(doc, source, kind="trust")
    except PolicyError as e:
        return [], str(e)
    out = []
    for st in policy.statements:
        if st.effect != "Allow":
            continue
        names = st.action_patterns
        hits = any(action_matches(p, a) for p in names for a in _ASSUME)
        if (st.not_actions is None) != hits:
            continue
        keys = {k for kv in st.conditions.values() for k in kv}
        guards = tuple(sorted(k for k in keys if k in GUARD_KEYS))
        conds = {op: {k: list(v) for k, v in kv.items()} for op, kv in st.conditions.items()}
        if st.not_principals is not None:
            out.append(Trustee("any", "*", None, guards, conds, negated=True))
        for kind, values in (st.principals or {}).items():
            for v in values:
                if kind == "*" or v == "*":
                    out.append(Trustee("any", "*", None, guards, conds))
                    continue
                m = _ACCOUNT.match(v)
                account = (m.group(1) or m.group(2)) if m else None
                out.append(Trustee(kind.lower() if kind != "AWS" else "aws", v, account, guards,
                                   conds))
    return out, None


def trusts_service(items: list[Trustee], service: str) -> list[Trustee]:
    return [t for t in items if (t.kind == "service" and t.value == service) or t.kind == "any"]
