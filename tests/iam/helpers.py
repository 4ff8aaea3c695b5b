from __future__ import annotations

from auditor.model import InlinePolicy, Inventory, ManagedPolicy, Role

ACCT = "111122223333"


def role(name: str, *docs: dict, managed: tuple[ManagedPolicy, ...] = (),
         boundary: ManagedPolicy | None = None, trust: dict | None = None) -> tuple[Role, list]:
    r = Role(arn=f"arn:aws:iam::{ACCT}:role/{name}", name=name, trust_policy=trust,
             inline_policies=tuple(InlinePolicy(f"p{i}", d) for i, d in enumerate(docs)),
             attached_policy_arns=tuple(m.arn for m in managed),
             permissions_boundary_arn=boundary.arn if boundary else None)
    return r, [*managed, *([boundary] if boundary else [])]


def inventory(*roles_and_policies) -> Inventory:
    roles, policies = [], {}
    for r, pols in roles_and_policies:
        roles.append(r)
        policies.update({p.arn: p for p in pols})
    return Inventory(account_id=ACCT, roles=tuple(roles), managed_policies=tuple(policies.values()))


def managed(name: str, doc: dict | None) -> ManagedPolicy:
    return ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/{name}", name=name,
                         default_version_id="v2", document=doc)


def stmt(effect="Allow", action=None, resource="*", **kw) -> dict:
    d = {"Effect": effect, **kw}
    if action is not None:
        d["Action"] = action
    if resource is not None and "NotResource" not in kw:
        d["Resource"] = resource
    return d


def doc(*statements) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}
