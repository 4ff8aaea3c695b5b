"""Resource policies as a layer of the one engine: bucket, secret, repository, queue and topic
policies, and KMS key policies with grants.

The rules are the IAM User Guide's ("Policy evaluation logic", "Cross-account policy evaluation
logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
and .../reference_policies_evaluation-logic-cross-account.html) and the KMS Developer Guide's
("Key policies", https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html):
- an explicit deny in any policy wins;
- within one account, an allow in the identity policies or in a resource policy that names the
  principal (or `*`) suffices; a resource policy that names only the account (its root)
  delegates to the identity policies, which must allow;
- a KMS key policy must allow, directly, or by naming the account, which then lets the
  identity policies decide; grants add access; without either, IAM policies grant nothing;
- across accounts both sides must allow;
- a permissions boundary limits a role's identity grants and resource grants to the role's
  ARN; it does not limit grants to a user named directly.
A policy that could not be read makes an answer that depends on it `conditional`.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.iam.evaluate import (
    ALLOWED,
    CONDITIONAL,
    DENIED,
    RANK,
    Context,
    Verdict,
    condition_holds,
    decide,
    statement_matches,
    weakest,
)
from auditor.iam.glob import resource_glob
from auditor.iam.policy import Statement

# Condition keys that limit a `*` principal to an organisation, account, network or caller:
# with one of them a statement is not "public" (it may still admit other accounts).
LIMITING_KEYS = frozenset((
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:sourceaccount",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceip", "aws:principalarn", "aws:userid", "aws:vpcsourceip", "kms:calleraccount",
    "kms:viaservice", "aws:sourceowner"))


@dataclass(frozen=True)
class ResourceLayer:
    """A resource's own policy as the engine reads it."""

    arn: str
    service: str  # s3 | secretsmanager | ecr | sqs | sns | kms
    account: str  # the owner
    statements: tuple[Statement, ...] | None  # None: the policy could not be read
    source: str  # "bucket policy of reports"
    grants: tuple[dict, ...] = ()  # KMS grants
    grants_known: bool = True

    @property
    def kms(self) -> bool:
        return self.service == "kms"


def _sessions(principal: str) -> str | None:
    """The ARN prefix of a role's sessions (arn:aws:sts::A:assumed-role/NAME/), or None."""
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{parts[5].rsplit('/', 1)[-1]}/"
    return None


def principal_naming(values: dict[str, tuple[str, ...]] | None, principal: str, account: str) -> str | None:
    """How a Principal element names this principal: "direct" (its ARN, or a pattern of it),
    "session" (the role's sessions: arn:aws:sts::A:assumed-role/NAME/*), "any" (`*`),
    "account" (its account, as root ARN or id), or None."""
    if not values:
        return None
    if "*" in values:
        return "any"
    found = None
    sessions = _sessions(principal)
    for v in values.get("AWS", ()):
        if v == "*":
            return "any"
        if v == principal or ("*" in v and resource_glob(v).fullmatch(principal)):
            return "direct"
        if sessions and v.startswith(sessions):
            found = "session"
        elif v in (account, f"arn:aws:iam::{account}:root") and found is None:
            found = "account"
    return found


def naming(st: Statement, principal: str, account: str) -> str | None:
    if st.not_principals is not None:  # everyone except those listed
        return None if principal_naming(st.not_principals, principal, account) else "any"
    return principal_naming(st.principals, principal, account)


@dataclass(frozen=True)
class Layered:
    """A decision with the resource layer's part in it, for simulate's decided_by."""

    verdict: Verdict
    resource: Verdict | None = None  # the resource policy's own verdict, if it took part
    unknown: bool = False  # the resource policy (or the KMS grants) could not be read


def _most(*vs: Verdict) -> Verdict:
    return max(vs, key=lambda v: RANK[v.decision])


def _explicit_deny(*vs: Verdict | None) -> Verdict | None:
    return next((v for v in vs if v is not None and v.decision == DENIED and v.denies), None)


def _grant_allows(layer: ResourceLayer, principal: str, action: str) -> Verdict:
    op = action.split(":", 1)[1].lower()
    for g in layer.grants:
        if g.get("GranteePrincipal") == principal and op in {o.lower() for o in g.get("Operations") or ()}:
            return Verdict(CONDITIONAL if g.get("Constraints") else ALLOWED)
    return Verdict(DENIED)


def maybe_denied(statements, action: str, resource: str, context: Context) -> bool:
    """Could a deny apply, if only an unknown condition or policy variable allowed it to?"""
    for st in statements:
        if st.effect != "Deny":
            continue
        matched = statement_matches(st, action, resource, context)
        holds = condition_holds(st.conditions, context) if st.conditions and matched is not False else True
        if matched is not False and holds is not False and (matched is None or holds is None):
            return True
    return False


def decide_with_resource(principal: str, kind: str, principal_account: str, identity: Verdict,
                         boundary: Verdict | None, layer: ResourceLayer, action: str, resource: str,
                         context: Context, own_maybe_denied: bool = False) -> Layered:
    """The whole decision for one request on a resource that has its own policy.
    `identity` and `boundary` are the principal's identity-policy and boundary verdicts;
    `own_maybe_denied`: a deny of theirs applies under an unknown condition."""
    # How each statement names the principal, worked out once.
    named = [(st, how) for st in layer.statements or ()
             if (how := naming(st, principal, principal_account))]
    result = _decide_with_resource(principal, kind, principal_account, identity, boundary, layer,
                                   action, resource, context, named)
    v = result.verdict
    if v.decision == ALLOWED and (own_maybe_denied or maybe_denied([st for st, _ in named], action,
                                                                   resource, context)):
        # e.g. a bucket's TLS-only deny, with aws:SecureTransport unknown offline
        return Layered(Verdict(CONDITIONAL, v.allows, v.denies), result.resource, result.unknown)
    return result


def _decide_with_resource(principal: str, kind: str, principal_account: str, identity: Verdict,
                          boundary: Verdict | None, layer: ResourceLayer, action: str, resource: str,
                          context: Context, named: list[tuple[Statement, str]]) -> Layered:
    own = weakest(identity, boundary) if boundary is not None else identity
    same = principal_account == layer.account
    if layer.statements is None:  # unknown: it could allow, or deny, what the identity says
        if not same and own.decision == DENIED:
            return Layered(own, unknown=True)
        return Layered(Verdict(CONDITIONAL, own.allows, own.denies), unknown=True)
    mine = [st for st, _ in named]
    direct = [st for st, how in named if how in ("direct", "any")]
    sessions = [st for st, how in named if how == "session"]
    rp_all = decide(mine, action, resource, context)
    rp_direct = decide(direct, action, resource, context)
    deny = _explicit_deny(identity, boundary, rp_all)
    if deny is not None:
        return Layered(deny, rp_all)
    # A grant to a role's ARN is limited by its boundary; one to a user named directly, or to a
    # role session named directly, is not. Which session a task's code runs as (ECS names it
    # after the task) is not known offline, so a session grant is at most conditional.
    limited = weakest(rp_direct, boundary) if boundary is not None and kind == "role" else rp_direct
    session = decide(sessions, action, resource, context)
    if session.decision != DENIED and not any(s_.principals and any(
            v.endswith("/*") for v in s_.principals.get("AWS", ())) for s_ in session.allows):
        session = Verdict(CONDITIONAL, session.allows, session.denies)
    limited = _most(limited, session)
    if layer.kms:
        accounts = [st for st, how in named if how == "account"]
        delegated = rp_all.decision != DENIED and any(st in accounts for st in rp_all.allows)
        key_allows = _most(limited, weakest(own, rp_all) if delegated else Verdict(DENIED))
        grant = _grant_allows(layer, principal, action)
        if not layer.grants_known and key_allows.decision == DENIED:
            grant = Verdict(CONDITIONAL)
        result = _most(key_allows, grant)
        if not same:  # the other account's IAM must allow too
            result = weakest(own, _most(rp_all, grant))
        return Layered(result, rp_all, unknown=not layer.grants_known)
    if not same:
        return Layered(weakest(own, rp_all), rp_all)
    return Layered(_most(own, limited), rp_all)


def statement_reach(st: Statement, account: str) -> list[tuple[str, str]]:
    """Who outside the account an Allow statement admits: (principal, "external" | "public").
    A `*` principal with a limiting condition (organisation, account, source) is not public."""
    if st.effect != "Allow":
        return []
    keys = {k for kv in st.conditions.values() for k in kv}
    out = []
    values = st.principals or {}
    if st.not_principals is not None or "*" in values or "*" in values.get("AWS", ()):
        out.append(("*", "external" if keys & LIMITING_KEYS else "public"))
    for v in values.get("AWS", ()):
        if v == "*":
            continue
        other = v.split(":")[4] if v.startswith("arn:") and len(v.split(":")) > 4 else v
        if other.isdigit() and other != account:
            out.append((v, "external"))
    return out
