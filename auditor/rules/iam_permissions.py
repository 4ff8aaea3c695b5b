"""Rules I101–I110: what the roles used by ECS are allowed to do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from auditor.facts.role_needs import EXECUTION_SECRET_ACTIONS, needed_actions
from auditor.iam.catalogue import catalogue
from auditor.iam.knowledge import by_danger
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, lower_severity, rule
from auditor.rules.reads import EXPOSURE, ROLES_IN_USE


def _role_hits(ctx: AuditContext, default: str, message, evidence_of) -> Iterator[Hit]:
    """One hit per (role, kind) where evidence_of(classification, kind) returns something."""
    if not ctx.iam_collected:
        return
    for role_arn, kind, workloads in ctx.judged_principals():
        p = ctx.model.principals.get(role_arn)
        if p is None:
            continue
        c = ctx.model.classification(role_arn)
        got = evidence_of(c, kind)
        if not got:
            continue
        evidence, conditional = got
        name = ctx.role_name(role_arn)
        who = f"{p.kind} {name} (not used by ECS)" if kind == "none" else f"{kind} role {name}"
        used = {} if ctx.principals_mode == "ecs" else {"ecs_uses": kind != "none"}
        yield Hit(resource_arn=role_arn, resource_type=f"iam-{p.kind}",
                  message=message(who, evidence),
                  evidence={"role_kind": kind, **used, **evidence, "conditional": conditional},
                  related_arns=ctx.workload_arns(workloads), key=kind,
                  # A grant that holds only under a condition is reported one level lower.
                  severity=lower_severity(default) if conditional else None,
                  exposure_of=ctx.workload_arns(workloads) if kind != "execution" else ())


def _actions_on_all(found: dict[str, bool], skip: frozenset[str] = frozenset()):
    keep = {a: c for a, c in found.items() if a not in skip}
    if not keep:
        return None
    names = [catalogue().actions[a].name for a in by_danger(keep)]  # what matters first
    return {"actions": names[:50], "count": len(names), "order": "most dangerous first"}, \
        all(keep.values())


@rule("I101", "role-admin-access", "critical", "Role used by ECS has administrator access",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal", controls=("aws-fsbp:IAM.1", "cis-aws:1.16"))
def admin_access(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles used by ECS that are allowed every action on every resource
    (Action "*", NotAction with Resource "*", or AdministratorAccess attached), after explicit
    denies and any permissions boundary; also every action on every resource but those a
    NotResource spares, when all of IAM's own actions are left on every resource (the role can
    grant itself the rest; the evidence names what is spared under "except").

    Why is this bad: Anyone who runs code in the container (or, for an instance role, on the host)
    owns the account.

    Example: A task role with the AWS managed policy AdministratorAccess attached.

    Remediation: Replace the admin grant with the actions and resources the application calls;
    IAM Access Analyzer can generate a policy from CloudTrail activity.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    """
    def ev(c, kind):
        if not c.admin:
            return None
        spared = {"except": c.admin["except"]} if "except" in c.admin else {}
        return {"statements": c.admin["statements"], **spared}, c.admin["conditional"]

    def say(w, e):
        but = f" but {', '.join(e['except'])}" if "except" in e else ""
        return f"The {w} is allowed every action on every resource{but}."
    yield from _role_hits(ctx, "critical", say, ev)


@rule("I102", "role-service-wildcard", "medium", "Role is allowed every action of a service",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal", controls=("aws-fsbp:IAM.21",))
def service_wildcard(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles allowed every action of a service ("s3:*", or a pattern or
    NotAction that expands to all of them) on every resource of that service ("*", or
    "arn:aws:s3:::*"). An action acts only on the resource types the action catalogue gives it,
    so "kms:*" on "arn:aws:kms:*:*:alias/*" governs the aliases, not the keys, and does not count.

    Why is this bad: Service wildcards grant today's and tomorrow's actions, including the
    destructive and permission-changing ones the application never calls.

    Example: "Action": "s3:*" on a task role that only reads one bucket.

    Remediation: List the actions the workload calls, scoped to its resources.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    def ev(c, kind):
        if c.admin or not c.service_wildcards:
            return None
        return {"services": sorted(c.service_wildcards)}, all(c.service_wildcards.values())
    yield from _role_hits(ctx, "medium", lambda w, e: f"The {w} is allowed every action "
                               f"of {', '.join(e['services'])}.", ev)


@rule("I103", "role-privilege-escalation", "high", "Role can escalate its own privileges",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal")
def privilege_escalation(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles whose allowed actions, across all their policies together,
    contain the permissions of a declared privilege-escalation method (auditor/iam/
    escalation_methods.py, from Rhino Security Labs', pathfinding.cloud's and Prowler's
    catalogues): IAM policy and credential changes, iam:PassRole with compute that runs the
    passed role (EC2 and Spot, Auto Scaling, Lambda, Glue, CloudFormation, Data Pipeline,
    CodeBuild, SageMaker, App Runner, Batch, Bedrock AgentCore, ECS tasks, services, task sets,
    overrides and a container instance it registers), changes to existing functions, stacks,
    jobs, builds and services, instance user data and EC2 Instance Connect, SSM sessions and
    commands, ECS Exec (enabled first or not). The same declarations are the routes I304 and
    who-can build on the account. Methods that also need an
    existing resource to act on are marked not certain; when every method found is conditional
    or not certain the finding is one severity lower.

    Why is this bad: Code holding the role can grant itself, or obtain, more than it was given.

    Example: A batch scheduler task role with iam:PassRole on "*" plus ecs:RunTask.

    Remediation: Remove the permission-changing actions, and limit iam:PassRole to the roles it
    must pass with an iam:PassedToService condition.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    - https://pathfinding.cloud
    """
    def ev(c, kind):
        if c.admin or not c.escalation:
            return None
        return ({"methods": [e["method"] for e in c.escalation],
                 "actions": sorted({a for e in c.escalation for a in e["actions"]}),
                 "method_details": [{k: e[k] for k in ("method", "actions", "gains", "certain", "sources",
                                                       "conditional")} for e in c.escalation]},
                all(e["conditional"] or not e["certain"] for e in c.escalation))
    yield from _role_hits(ctx, "high", lambda w, e: f"The {w} can escalate privileges "
                               f"({', '.join(e['methods'][:3])}).", ev)


@rule("I104", "role-data-exfiltration", "medium", "Role can read data or secrets on every resource",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal")
def data_exfiltration(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles allowed, on Resource "*", actions that read data or secrets
    (s3:GetObject, secretsmanager:GetSecretValue, ssm:GetParameter*, kms:Decrypt,
    dynamodb:Scan/Query/GetItem, rds:CopyDBSnapshot, ...). The secrets an execution role injects
    are rule I203's business.

    Why is this bad: A compromised container can read every object and secret in the account.

    Example: "Action": "s3:GetObject", "Resource": "*" on a worker's task role.

    Remediation: Scope the read actions to the buckets, tables, secrets and keys the workload uses.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    secret_actions = frozenset(a.lower() for a in EXECUTION_SECRET_ACTIONS)

    def ev(c, kind):
        if c.admin:
            return None
        return _actions_on_all(c.data_read_on_all, secret_actions if kind == "execution"
                               else frozenset())
    yield from _role_hits(ctx, "medium", lambda w, e: f"The {w} may read data on every "
                               f"resource ({', '.join(e['actions'][:3])}).", ev)


@rule("I105", "role-resource-exposure", "high", "Role can change resource policies on every resource",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal")
def resource_exposure(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles allowed, on Resource "*", actions of access level
    "Permissions management" (s3:PutBucketPolicy, kms:CreateGrant, ecr:SetRepositoryPolicy, ...).

    Why is this bad: Such actions can open any bucket, key or repository to another account.

    Example: "Action": "s3:*", "Resource": "*" includes s3:PutBucketPolicy.

    Remediation: Remove permissions-management actions from workload roles, or scope them to
    the one resource the workload administers.

    References:
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """
    def ev(c, kind):
        return None if c.admin else _actions_on_all(c.permissions_management_on_all,
                                                    needed_actions(kind))
    yield from _role_hits(ctx, "high", lambda w, e: f"The {w} may change permissions "
                               f"on every resource ({e['count']} actions).", ev)


@rule("I106", "role-write-all-resources", "medium", "Role can write to every resource",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal")
def write_all(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles allowed, on Resource "*", write actions that the action
    catalogue says could be scoped to a resource ARN (actions that only accept "*" do not count,
    and the evidence lists them under "not_counted"; nor does what ECS itself needs from an
    execution or instance role).

    Why is this bad: Writes that could name their resource but do not let a compromised
    container modify or delete anything of that type.

    Example: "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": "*".

    Remediation: Name the resources in the statement's Resource element.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    def ev(c, kind):
        if c.admin:
            return None
        got = _actions_on_all(c.write_on_all, needed_actions(kind))
        if got:
            svc = Counter(a.split(":")[0] for a in got[0]["actions"])
            got[0]["services"] = dict(sorted(svc.items()))
            star_only = _actions_on_all(c.write_on_all_star_only, needed_actions(kind))
            if star_only:
                got[0]["not_counted"] = {
                    "count": star_only[0]["count"], "actions": star_only[0]["actions"][:10],
                    "why": 'the action catalogue lists no resource type for these: they take '
                           'only "*", so no statement could have scoped them'}
        return got
    yield from _role_hits(ctx, "medium", lambda w, e: f"The {w} may write to every "
                               f"resource with {e['count']} actions.", ev)


@rule("I107", "role-credentials-exposure", "high", "Role can obtain credentials",
      reads=ROLES_IN_USE + EXPOSURE, subjects="principal")
def credentials_exposure(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles allowed actions that return credentials (iam:CreateAccessKey,
    iam:UpdateLoginProfile, sts:GetFederationToken, sts:AssumeRole on "*", ...).
    ecr:GetAuthorizationToken counts only on a task role: execution and instance roles need it
    to pull images.

    Why is this bad: Credentials minted from a container outlive the task and escape its
    network controls.

    Example: A task role allowed iam:CreateAccessKey on "*".

    Remediation: Remove credential-issuing actions from workload roles; scope sts:AssumeRole to
    the role ARNs it must assume.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html
    """
    def ev(c, kind):
        if c.admin:
            return None
        found = dict(c.credentials)
        if kind != "task":
            found.pop("ecr:getauthorizationtoken", None)
        return _actions_on_all(found)
    yield from _role_hits(ctx, "high", lambda w, e: f"The {w} may obtain credentials "
                               f"({', '.join(e['actions'][:3])}).", ev)


@rule("I110", "role-unknown-action", "info", "Policy names an action AWS does not know",
      reads=ROLES_IN_USE, subjects="principal")
def unknown_action(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds policy actions that match nothing in the IAM action catalogue (a typo,
    or a retired action), with the nearest known names.

    Why is this bad: The statement silently grants nothing, so the application may fail, or a
    Deny meant to block something blocks nothing.

    Example: "s3:GetObjekt" instead of "s3:GetObject".

    Remediation: Correct the action name; remove retired services.

    References:
    - https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    """
    def ev(c, kind):
        return ({"unknown": c.unknown_actions}, False) if c.unknown_actions else None
    yield from _role_hits(ctx, "info", lambda w, e: f"A policy of the {w} names unknown "
                          f"action(s) {', '.join(u['action'] for u in e['unknown'][:3])}.", ev)

