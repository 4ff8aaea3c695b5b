"""permissions.csv's rows: each statement's action and resource patterns as written, with how
many concrete actions the pattern covers and what of it is left after denies and a boundary.
Bounded by the statements, not by the ~23,000 actions an admin `*` expands to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.iam import DENIED
from auditor.iam.catalogue import catalogue
from auditor.iam.principals import Principal, covers_all_resources, governed_by, statement_actions
from auditor.model.serde import to_jsonable


@dataclass(frozen=True)
class PermissionGrant:
    """One (action pattern, resource pattern) of one statement of a role's policies."""

    action: str  # as written; "NOT a, b" for a NotAction statement
    resource: str  # as written; "NOT r" for a NotResource statement
    decision: str  # allowed | conditional | denied (an explicit Deny, or nothing left of it)
    source_policy: str
    statement: str  # its Sid, else its position in the policy (#1, #2, ...)
    actions_covered: int  # concrete actions the pattern names (from the catalogue)
    actions_left: int  # of those, the ones the role may do after denies and its boundary
    admin_equivalent: bool  # every action on every resource

    def to_dict(self) -> dict:
        return to_jsonable(self)


def grant_rows(p: Principal) -> list[PermissionGrant]:
    cat = catalogue()
    rows = []
    position: Counter = Counter()
    for st in p.statements:
        position[st.source] += 1
        label = st.sid or f"#{position[st.source]}"
        resources = [f"NOT {r}" for r in st.not_resources] if st.not_resources is not None \
            else list(st.resources)
        if st.not_actions is not None:
            patterns = [("NOT " + ", ".join(st.not_actions), statement_actions(st))]
        else:
            patterns = [(a, cat.expand(a)) for a in st.actions]
        everywhere = covers_all_resources(st)
        for pattern, named in patterns:
            for r, raw in zip(resources, st.not_resources or st.resources, strict=True):
                covered = governed_by(named, st, raw)  # what acts on what the pattern names
                rows.append(_row(p, st, pattern, r, covered, label, everywhere))
    return rows


def _row(p: Principal, st, pattern: str, resource: str, covered: frozenset[str], label: str,
         everywhere: bool) -> PermissionGrant:
    left = covered & p.grant_keys if st.effect == "Allow" else frozenset()
    if st.effect != "Allow" or not left:
        decision = DENIED
    elif st.conditions or all(p.grants[a].conditional for a in left):
        decision = "conditional"
    else:
        decision = "allowed"
    admin = st.effect == "Allow" and everywhere and len(left) == len(catalogue().all)
    return PermissionGrant(pattern, resource, decision, st.source, label, len(covered), len(left), admin)
