"""Rules I305–I306: what only the organisation shows — paths from one account into another's
admin, and trust placed in accounts outside the organisation. They judge the cross-account
view that `org merge` builds (ctx.org_view); a single account's audit has none and they stay
quiet there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.model.arns import account_of
from auditor.rules.engine import Hit, rule
from auditor.rules.reads import IAM


@rule("I305", "cross-account-escalation", "critical",
      "A principal in one account can become an admin of another account", reads=IAM,
      subjects="org-principal")
def cross_account_escalation(ctx: Any) -> Iterator[Hit]:
    """What it does: In an organisation scan, follows every edge between principals (ECS
    escalation methods, instance roles through IMDS, sts:AssumeRole within an account) and
    every cross-account sts:AssumeRole that the caller's identity policy (after its boundary and
    its account's SCPs) and the role's trust policy (and the role account's RCPs) both allow,
    and reports each principal that a workload carries, or that itself makes the cross-account
    step, which reaches an admin-equivalent principal of another account.

    Why is this bad: A compromise of one account (often a development or tooling one, through
    one container) becomes a compromise of another, with no IAM change in the target.

    Example: A task role in the tooling account may sts:AssumeRole into a deploy role of the
    production account that trusts the tooling account's root, and the deploy role is admin.

    Remediation: Name the exact caller in the trust policy (not the account root), add an
    aws:PrincipalOrgPaths or aws:PrincipalTag condition, narrow the caller's sts:AssumeRole
    to the roles it needs, or take admin away from the target role.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html
    - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    """
    view = getattr(ctx, "org_view", None)
    for path in view.paths if view else ():
        steps = path["steps"]
        conditional = path["conditional"]
        carried = path["carried_by"]
        via = f", carried by {len(carried)} workload(s) such as {carried[0]}" if carried else ""
        yield Hit(path["start"], "iam-role" if ":role/" in path["start"] else "iam-user",
                  f"{path['start']} (account {account_of(path['start'])}{via}) can become "
                  f"{path['target']}, admin of account {account_of(path['target'])}, in "
                  f"{len(steps)} step(s){' (conditional)' if conditional else ''}.",
                  evidence={"target": path["target"], "target_account": account_of(path["target"]),
                            "steps": steps, "conditional": conditional, "carried_by": carried},
                  related_arns=tuple({path["target"], *(s.get("to", "") for s in steps)} - {""}),
                  severity="high" if conditional else None, key=path["target"])


@rule("I306", "trust-outside-organisation", "high",
      "A role ECS uses, or reachable from one, trusts an account outside the organisation",
      reads=IAM, subjects="org-role")
def trust_outside_organisation(ctx: Any) -> Iterator[Hit]:
    """What it does: In an organisation scan, lists the roles used by ECS (task, execution and
    instance roles) and the roles reachable from them by any path, whose trust policy admits a
    principal of an account that is not a member of the organisation without an sts:ExternalId
    condition.

    Why is this bad: Whoever controls the outside account can act with the role; without an
    external id the role is open to the confused-deputy problem as well.

    Example: A task role trusted by a vendor's account root with no condition.

    Remediation: Require sts:ExternalId (a value the vendor gives per customer), name the
    vendor's exact role, or remove the trust.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
    """
    view = getattr(ctx, "org_view", None)
    for t in view.outside_trusts if view else ():
        yield Hit(t["role"], "iam-role",
                  f"Role {t['role']} ({t['why']}) trusts {t['principal']} of account {t['account']}, "
                  "which is not in the organisation, without an sts:ExternalId condition.",
                  evidence=t, related_arns=tuple(t.get("reached_from", ())), key=t["principal"])
