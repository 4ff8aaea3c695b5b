"""What a principal can do, in the categories the IAM rules need — across all its policies."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from auditor.iam.catalogue import catalogue
from auditor.iam.escalation_methods import BY_ID
from auditor.iam.knowledge import (
    CREDENTIAL_ACTIONS,
    CREDENTIAL_ACTIONS_ON_ALL,
    DATA_READ_ACTIONS,
    ESCALATION_METHODS,
)
from auditor.iam.principals import (
    ADMIN_POLICY_ARN,
    Principal,
    covers_all_resources,
    named_actions,
    statement_actions,
)


@dataclass(frozen=True)
class Classification:
    """What a principal's allowed actions amount to, for the I1xx rules."""

    admin: dict | None = None  # {"conditional": bool, "statements": [...]}
    service_wildcards: dict[str, bool] = field(default_factory=dict)  # service -> conditional
    escalation: list[dict] = field(default_factory=list)
    data_read_on_all: dict[str, bool] = field(default_factory=dict)  # action -> conditional
    permissions_management_on_all: dict[str, bool] = field(default_factory=dict)
    write_on_all: dict[str, bool] = field(default_factory=dict)
    write_on_all_star_only: dict[str, bool] = field(default_factory=dict)  # take only "*"
    credentials: dict[str, bool] = field(default_factory=dict)
    unknown_actions: list[dict] = field(default_factory=list)


def _low(names) -> tuple[str, ...]:
    return tuple(n.lower() for n in names)


# Lower-cased once: classify runs for every principal (5,000 in a large account).
_METHODS = tuple((method, _low(actions), frozenset(_low(actions)))
                 for method, actions in ESCALATION_METHODS.items())
_DATA_READS = frozenset(_low(DATA_READ_ACTIONS))
_CREDENTIALS = frozenset(_low(CREDENTIAL_ACTIONS))
_CREDENTIALS_ON_ALL = frozenset(_low(CREDENTIAL_ACTIONS_ON_ALL))


def classify(p: Principal) -> Classification:
    cat = catalogue()
    grants, keys = p.grants, p.grant_keys
    out = Classification(admin=admin_of(p), unknown_actions=unknown_actions(p))

    if not out.admin:
        for svc in sorted(_wildcard_services(p)):
            held = cat.by_service.get(svc, frozenset()) & keys
            if held and _every_action_of(svc, len(held), p):
                out.service_wildcards[svc] = any(grants[a].conditional for a in held)

    for method, actions, needed in _METHODS:
        if needed <= keys:
            got = [grants[a] for a in actions]
            m = BY_ID[method]
            out.escalation.append({"method": method,
                                   "actions": [cat.info(a).name for a in actions],
                                   "conditional": any(g.conditional for g in got),
                                   "gains": m.gains, "certain": m.certain, "sources": list(m.sources)})

    for a in sorted(_DATA_READS & grants.everywhere):
        out.data_read_on_all[a] = grants[a].everywhere_conditional
    for a in sorted(_CREDENTIALS & keys):
        out.credentials[a] = grants[a].conditional
    for a in sorted(_CREDENTIALS_ON_ALL & keys):
        g = grants[a]
        if g.everywhere:
            out.credentials[a] = g.everywhere_conditional
        elif _any_account(p, a):
            out.credentials[a] = g.conditional  # roles of every account: arn:aws:iam::*:role/x-*

    if out.admin:  # everything below is implied; the rules report admin alone
        return out
    for a in grants.everywhere:
        info = cat.actions[a]
        if "Permissions management" in info.levels:
            out.permissions_management_on_all[a] = grants[a].everywhere_conditional
        elif "Write" in info.levels:
            # An action the catalogue gives no resource type takes only "*": it could not
            # have been scoped, so I106 does not count it, and says so.
            (out.write_on_all if info.scopable else out.write_on_all_star_only)[a] = \
                grants[a].everywhere_conditional
    return out


def _every_action_of(svc: str, held: int, p: Principal) -> bool:
    """Does the principal hold every action of the service, or every action a statement names
    by wildcard on the whole of the service ("s3:*" on "arn:aws:s3:::*": every S3 action but
    those that take only "*", such as s3:ListAllMyBuckets)? kms:* on arn:aws:kms:*:*:alias/*
    is not: it governs aliases, not keys."""
    cat = catalogue()
    names = cat.by_service.get(svc, frozenset())
    if held == len(names):
        return True
    wide = _service_wide(svc)
    for st in p.statements:
        if st.effect != "Allow" or st.not_resources is not None:
            continue
        if not any(wide.fullmatch(r) for r in st.resources):
            continue
        if named_actions(st) >= names and (statement_actions(st) & names) <= p.grant_keys:
            return True
    return False


@functools.cache
def _service_wide(svc: str) -> re.Pattern:
    """A Resource pattern naming the whole of a service: arn:aws:s3:::*, arn:*:kms:*:*:*."""
    return re.compile(rf"arn:[^:]*:{re.escape(svc)}:[*:]*")


def _any_account(p: Principal, action: str) -> bool:
    """Is the action allowed on a resource pattern whose account is a wildcard (any account)?"""
    for st in p.statements:
        if st.effect != "Allow" or st.not_resources is not None or action not in statement_actions(st):
            continue
        for r in st.resources:
            parts = r.split(":")
            if len(parts) > 4 and "*" in parts[4] and parts[4].strip("*?") == "":
                return True
    return False


def admin_of(p: Principal) -> dict | None:
    """Classification.admin alone: how the principal holds every action (None: it does not)."""
    grants = p.grants
    for st in p.statements:
        star = st.not_actions is not None or any(a.strip() in ("*", "*:*") for a in st.actions)
        if st.effect != "Allow" or not star:
            continue
        named = statement_actions(st)
        if covers_all_resources(st):
            if named and _within(named, grants.everywhere):
                return {"conditional": not _within(named, grants.everywhere_sure),
                        "statements": [st.describe()]}
        elif st.not_resources is not None and _iam_everywhere(grants, named):
            # Everything but what a NotResource spares, IAM's own actions included: the
            # principal can grant itself the rest, so it is an administrator all the same.
            iam = catalogue().by_service["iam"]
            return {"conditional": not iam <= grants.everywhere_sure, "statements": [st.describe()],
                    "except": list(st.not_resources)}
    if ADMIN_POLICY_ARN in p.missing_policies and p.boundary is None:
        return {"conditional": False, "statements": [
            {"source": "AdministratorAccess attached (document not collected)"}]}
    return None


def _within(named: frozenset[str], held: frozenset[str]) -> bool:
    """named <= held, in one step when both are the whole catalogue (every admin's case: a
    subset test would look up 22,000 actions per admin)."""
    every = len(catalogue().all)
    if len(named) == every:
        return len(held) == every  # held lies within the catalogue: the same size is equal
    return named <= held


def _iam_everywhere(grants, named: frozenset[str]) -> bool:
    iam = catalogue().by_service["iam"]
    return iam <= named and iam <= grants.everywhere


def _wildcard_services(p: Principal) -> set[str]:
    """Services whose actions some allow statement names by wildcard (or by NotAction)."""
    out: set[str] = set()
    cat = catalogue()
    for st in p.statements:
        if st.effect != "Allow":
            continue
        if st.not_actions is not None:
            out |= _services(statement_actions(st))
            continue
        for pat in st.actions:
            if "*" in pat or "?" in pat:
                out |= _services(cat.expand(pat))
    return out


@functools.lru_cache(maxsize=4096)  # the same few sets of actions (cached where they are made)
def _services(actions: frozenset[str]) -> frozenset[str]:
    return frozenset(a.partition(":")[0] for a in actions)


def unknown_actions(p: Principal) -> list[dict]:
    cat = catalogue()
    seen: dict[str, dict] = {}
    for st in p.statements + (p.boundary or ()):
        for pat in st.action_patterns:
            if pat not in seen and not cat.expand(pat):
                seen[pat] = {"action": pat, "source": st.source, "nearest": cat.nearest(pat)}
    return list(seen.values())
