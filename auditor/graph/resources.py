"""The resource layer in the access model: each resource's policy found by the ARN a request
names, one decision for a principal's request, and who outside the account a policy admits."""

from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.iam.evaluate import Context, Verdict, decide, weakest
from auditor.iam.organisation import exempt_from_controls, levels_verdict, rcp_governs
from auditor.iam.policy import PolicyError, parse_policy
from auditor.iam.resource_access import (
    Layered,
    ResourceLayer,
    decide_with_resource,
    maybe_denied,
    principal_naming,
    statement_reach,
)
from auditor.model import Inventory
from auditor.model.arns import account_of

LABELS = {"s3": "bucket policy", "secretsmanager": "secret policy", "ecr": "repository policy",
          "sqs": "queue policy", "sns": "topic policy", "kms": "key policy"}


def _statements(doc, source: str) -> tuple | None:
    try:
        return parse_policy(doc, source, "resource").statements
    except PolicyError:
        return None  # unreadable is unknown, as a failed read is (the gap says which)


def build_layers(inv: Inventory) -> dict[str, ResourceLayer]:
    out = {}
    for r in inv.resource_policies:
        source = f"{LABELS[r.service]} of {r.name}"
        statements = () if r.policy_status == "none" else \
            _statements(r.policy, source) if r.policy_status == "present" else None
        out[r.arn] = ResourceLayer(r.arn, r.service, account_of(r.arn, inv.account_id), statements, source)
    for k in inv.kms_keys:
        source = f"key policy of {k.aliases[0] if k.aliases else k.key_id}"
        statements = _statements(k.policy, source) if k.policy_status == "present" else None
        out[k.arn] = ResourceLayer(k.arn, "kms", account_of(k.arn, inv.account_id), statements, source,
                                   k.grants, k.grants_status == "present")
    return out


def layer_for(layers: dict[str, ResourceLayer], resource: str) -> ResourceLayer | None:
    """The policy that governs a request's resource: a bucket's for its objects too, a secret's
    for its ARN with or without the random suffix's versions."""
    if resource in layers:
        return layers[resource]
    if resource.startswith("arn:aws:s3:::"):
        return layers.get("arn:aws:s3:::" + resource[len("arn:aws:s3:::"):].split("/", 1)[0])
    if ":secretsmanager:" in resource:
        base = ":".join(resource.split(":")[:7])
        # A partial ARN (without the random suffix) names the secret too.
        return layers.get(base) or next((v for k, v in layers.items() if k.startswith(base + "-")
                                         and len(k) == len(base) + 7), None)
    return None


def decide_request(p, layer: ResourceLayer | None, action: str, resource: str,
                   context: Context | None, account: str, rcps: tuple = ()) -> Layered:
    """Identity, boundary, SCPs and, when the resource has one, its policy, then the RCPs
    on the account's own resources: the one decision."""
    if layer is None:
        out = Layered(p.decide(action, resource, context))
    else:
        ctx = p.request_context(context, resource)
        identity = decide(p.statements, action, resource, ctx)
        limits = [decide(lim, action, resource, ctx) for lim in p.limits]
        own_maybe = maybe_denied(p.statements + tuple(s for lim in p.limits for s in lim),
                                 action, resource, ctx)
        out = decide_with_resource(p.arn, p.kind, account, identity, weakest(*limits) if limits else None,
                                   layer, action, resource, ctx, own_maybe)
    rcp = rcp_verdict(p, rcps, action, resource, context, account)
    if rcp is not None and out.verdict.decision != "denied":
        return replace(out, verdict=weakest(out.verdict, rcp))
    return out


def rcp_verdict(p, rcps: tuple, action: str, resource: str, context: Context | None,
                account: str) -> Verdict | None:
    """What the account's RCPs say about a request to one of its own resources (None: they
    do not govern it)."""
    if not rcp_governs(rcps, resource, account) or exempt_from_controls(p.arn):
        return None
    return levels_verdict(rcps, action, resource, p.request_context(context, resource))


@dataclass(frozen=True)
class Outsider:
    """A principal outside the account that a resource policy admits."""

    arn: str  # an account root, a role or user of another account, or "*"
    reach: str  # external | public
    decision: str  # allowed | conditional
    statement: str  # where it is written


def outsiders(layer: ResourceLayer, action: str, resource: str, account: str) -> list[Outsider]:
    """Who outside the account may do `action` on `resource` by this policy alone (their own
    account's IAM must allow too, which we cannot see)."""
    out = []
    for st in layer.statements or ():
        for who, reach in statement_reach(st, account):
            v: Verdict = decide([st], action, resource, {})
            if v.decision == "denied":
                continue
            # A deny that names them (or everyone), without a condition, takes it away again.
            theirs = [d for d in layer.statements if d.effect == "Deny" and (
                "*" in (d.principals or {}) or "*" in (d.principals or {}).get("AWS", ()) or
                (who != "*" and principal_naming(d.principals, who, account_of(who)) is not None))]
            denied = decide(theirs, action, resource, {})
            if denied.denies and not any(d.conditions for d in denied.denies):
                continue
            out.append(Outsider(who, reach, v.decision, f"{st.source} {st.sid or ''}".strip()))
    return out


def key_needs(inv: Inventory, td) -> list:
    """kms:Decrypt on the customer managed keys of the secrets and parameters a task definition
    injects: the execution role needs it, through the key policy and its own policies (ECS
    Developer Guide, "Required IAM permissions for Amazon ECS secrets")."""
    from auditor.facts.role_needs import Need, secret_resource

    ix = inv.index
    out: dict[str, Need] = {}
    for c in td.containers:
        for ref in c.secrets:
            action, arn = secret_resource(ref.value_from, td.region, inv.account_id)
            if action.startswith("secretsmanager"):
                holder = ix.resource_policy.get(arn) or next(
                    (r for r in inv.resource_policies if r.arn.startswith(arn + "-")), None)
            else:
                holder = ix.parameter.get(arn)
            key_ref = getattr(holder, "kms_key_id", None) or getattr(holder, "key_id", None)
            key = ix.kms_key_ref.get(key_ref) if key_ref else None
            if key and key.manager == "CUSTOMER":
                out.setdefault(key.arn, Need("kms:decrypt", key.arn,
                                             f"decrypt {ref.name} of container {c.name} ({arn})"))
    return list(out.values())


PREFIX = {"s3": "s3", "secretsmanager": "secretsmanager", "ecr": "ecr", "sqs": "sqs", "sns": "sns",
          "kms": "kms"}


def resource_grants(model, p) -> list:
    """(action, resource) rows that resource policies grant this principal by naming it (or
    everyone): same-account grants need nothing from its identity policies. Each row passes
    the whole decision, so a deny or the boundary takes it away as AWS would."""
    from auditor.graph.answers import Permission
    from auditor.iam.principals import statement_actions
    from auditor.iam.resource_access import naming

    account = model.inv.account_id
    out = []
    for layer in model.layers.values():
        if layer.account != account or not layer.statements:
            continue
        for st in layer.statements:
            if st.effect != "Allow" or naming(st, p.arn, account) not in ("direct", "any"):
                continue
            if not layer.kms and st.not_resources is None:
                targets = [r for r in st.resources if r != "*"] or [layer.arn]
            else:
                targets = [layer.arn]
            actions = sorted(a for a in statement_actions(st) if a.startswith(PREFIX[layer.service] + ":"))
            for action in actions:
                for target in targets:
                    probe = target.replace("*", "x") if "*" in target else target
                    v = decide_request(p, layer, action, probe, None, account).verdict
                    if v.decision != "denied":
                        out.append(Permission(action, target, v.decision, p.arn, layer.source))
    return out
