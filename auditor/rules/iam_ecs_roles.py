"""Rules I201–I210: how ECS uses its roles — execution role needs and excess, trust policies,
the instance role's excess, and the task role's EFS access."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from auditor.facts.role_needs import (
    EC2_SERVICE,
    ECS_TASKS,
    EXECUTION_SECRET_ACTIONS,
    needed_actions,
    needs_execution_role,
)
from auditor.iam import DENIED
from auditor.iam.catalogue import catalogue
from auditor.iam.efs_policy import efs_policy_allows
from auditor.iam.knowledge import by_danger
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.hits import td_hit
from auditor.rules.reads import (
    ACCESS_POINTS,
    EXPOSURE,
    FILE_SYSTEM_POLICIES,
    FILE_SYSTEMS,
    IAM,
    KEYS,
    ROLES_IN_USE,
    SECRETS,
    WORKLOADS,
)


@rule("I201", "execution-role-missing", "high", "Task definition needs an execution role and has none",
      reads=WORKLOADS, subjects="task-definition")
def execution_role_missing(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task definitions that need a task execution role — a private ECR image
    or awslogs on Fargate/external; secrets, repositoryCredentials or secretOptions on any launch
    type — and have none.

    Why is this bad: ECS cannot pull the image, ship the logs or inject the secrets: tasks fail
    to start.

    Example: A Fargate task definition with an image in ECR and no executionRoleArn.

    Remediation: Create a role trusted by ecs-tasks.amazonaws.com with
    AmazonECSTaskExecutionRolePolicy (plus the secrets it injects) and set executionRoleArn.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    """
    for td, w in ctx.task_definitions():
        if td.execution_role_arn:
            continue
        reasons = needs_execution_role(td, w.launch_types)
        if reasons:
            yield td_hit(ctx, td, w, f"Task definition {td.family}:{td.revision} has no execution "
                          f"role but {reasons[0]}.", {"reasons": reasons})


@rule("I202", "execution-role-missing-permission", "high",
      "Execution role lacks what the task needs to start",
      reads=WORKLOADS + IAM + KEYS + SECRETS, subjects="task-definition")
def execution_role_missing_permission(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Compares what ECS needs to start each task definition (ECR pull on its
    repositories, logs on its log groups, the secrets and parameters it injects, and kms:Decrypt
    on their customer managed keys) with what its execution role is allowed, through its own
    policies and the resources' policies (a key policy that does not delegate to IAM grants
    nothing through IAM).

    Why is this bad: The task fails to start, usually at 3 a.m. after a redeploy.

    Example: A container injects a Secrets Manager secret; the execution role has only
    AmazonECSTaskExecutionRolePolicy.

    Remediation: Grant the missing (action, resource) pairs listed in the evidence.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    """
    if not ctx.iam_collected:
        return
    for td, w in ctx.task_definitions():
        if not td.execution_role_arn:
            continue
        result = ctx.model.execution_needs(td.arn)
        if result.missing:
            missing = [{"action": n.action, "resource": n.resource, "why": n.why}
                       for n in result.missing]
            exists = td.execution_role_arn in ctx.model.principals
            yield td_hit(ctx, td, w, f"The execution role of {td.family}:{td.revision} is not "
                          f"allowed {len(missing)} action(s) it needs to start the task"
                          f"{'' if exists else ' (the role does not exist)'}.",
                          {"execution_role": td.execution_role_arn, "missing": missing,
                           "role_exists": exists})


@rule("I203", "execution-role-excess-permission", "medium", "Execution role allowed more than ECS needs",
      reads=ROLES_IN_USE, subjects="ecs-role")
def execution_role_excess(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds execution roles allowed actions beyond what ECS needs to start their
    task definitions: anything besides ECR pull, logs, the injected secrets and kms:Decrypt, or
    secret reads on resources no task definition uses.

    Why is this bad: The execution role is ECS's, not the application's; extra rights on it only
    widen what a leak of its credentials (or a confused deputy) can do.

    Example: An execution role with AmazonECSTaskExecutionRolePolicy plus "s3:*".

    Remediation: Move application permissions to the task role; keep the execution role to the
    needed set shown in the evidence.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
    """
    if not ctx.iam_collected:
        return
    cat = catalogue()
    base = needed_actions("execution")
    secret_reads = {a.lower() for a in EXECUTION_SECRET_ACTIONS}
    for role_arn, kind, workloads in ctx.role_kinds():
        p = ctx.model.principals.get(role_arn)
        if kind != "execution" or p is None:
            continue
        needs = ctx.model.needs_of_role(role_arn)
        wanted = base | {n.action for n in needs}
        if any(n.action in ("secretsmanager:getsecretvalue", "ssm:getparameters") for n in needs):
            wanted |= {"kms:decrypt", "ssm:getparameter"}
        excess = by_danger(a for a in p.grants if a not in wanted)
        broad = sorted(a for a in secret_reads if a in p.grants and p.grants[a].everywhere)
        if not excess and not broad:
            continue
        names = [cat.actions[a].name for a in excess]
        yield Hit(resource_arn=role_arn, resource_type="iam-role", key=kind,
                  message=f"The execution role {ctx.role_name(role_arn)} is allowed "
                          f"{len(excess)} action(s) beyond what ECS needs"
                          + (f", and reads secrets on every resource ({', '.join(broad)})"
                             if broad else "") + ".",
                  evidence={"role_kind": kind, "needed": [
                      {"action": n.action, "resource": n.resource} for n in needs],
                      "excess_actions": names[:100], "excess_count": len(names),
                      "excess_by_service": dict(Counter(a.split(":")[0] for a in names)),
                      "secret_reads_on_all_resources": broad},
                  related_arns=ctx.workload_arns(workloads))


@rule("I204", "task-role-has-execution-permissions", "low",
      "Task role holds the execution role's permissions",
      reads=WORKLOADS + IAM, subjects="task-definition")
def task_role_has_execution_permissions(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task roles allowed the execution-only permissions (ECR image pull, the
    secrets their task definitions inject) while an execution role exists for that.

    Why is this bad: The application can read what only the ECS agent needs: secrets meant to
    arrive as environment variables can be fetched directly, and images copied out.

    Example: A task role with AmazonECSTaskExecutionRolePolicy attached "to be safe".

    Remediation: Remove ECR pull and the injected secrets from the task role.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-iam-roles.html
    """
    if not ctx.iam_collected:
        return
    for td, w in ctx.task_definitions():
        if not (td.task_role_arn and td.execution_role_arn) or td.task_role_arn == td.execution_role_arn:
            continue
        p = ctx.model.principals.get(td.task_role_arn)
        if p is None:
            continue
        result = ctx.model.execution_needs(td.arn)
        held = [n for n in result.needs if n.action.startswith(("secretsmanager:", "ssm:"))
                or n.action in ("ecr:batchgetimage", "ecr:getdownloadurlforlayer")]
        got = [{"action": n.action, "resource": n.resource} for n in held
               if p.decide(n.action, n.resource).decision != DENIED]
        if got:
            yield td_hit(ctx, td, w, f"The task role {ctx.role_name(td.task_role_arn)} of "
                          f"{td.family}:{td.revision} may also do what its execution role is for "
                          f"({got[0]['action']}).", {"task_role": td.task_role_arn,
                                                      "execution_permissions": got})


@rule("I205", "same-role-task-and-execution", "medium", "One role is both task role and execution role",
      reads=WORKLOADS, subjects="task-definition")
def same_role(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task definitions whose task role is also their execution role.

    Why is this bad: The application receives everything ECS needs to start it: image pull, log
    shipping and every injected secret, readable directly.

    Example: "taskRoleArn" and "executionRoleArn" naming the same role.

    Remediation: Create a separate execution role with AmazonECSTaskExecutionRolePolicy.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-iam-roles.html
    """
    for td, w in ctx.task_definitions():
        if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
            yield td_hit(ctx, td, w, f"{td.family}:{td.revision} uses {ctx.role_name(td.task_role_arn)} "
                          "as both task role and execution role.", {"role": td.task_role_arn})


@rule("I206", "role-trust-missing-ecs-tasks", "high", "Role does not trust the service that uses it",
      reads=ROLES_IN_USE, subjects="ecs-role")
def trust_missing(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task and execution roles that do not trust ecs-tasks.amazonaws.com,
    and instance roles that do not trust ec2.amazonaws.com (or that do not exist).

    Why is this bad: ECS cannot assume the role: tasks fail to start or run without credentials.

    Example: A task role created for Lambda (trusting lambda.amazonaws.com) reused in ECS.

    Remediation: Add the service principal to the role's trust policy.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html
    """
    if not ctx.iam_collected:
        return
    for role_arn, kind, workloads in ctx.role_kinds():
        service = EC2_SERVICE if kind == "instance" else ECS_TASKS
        exists = role_arn in ctx.ix.role
        if exists and ctx.model.trusts(role_arn, service):
            continue
        _, err = ctx.model.trust.get(role_arn, ([], None))
        yield Hit(resource_arn=role_arn, resource_type="iam-role", key=kind,
                  message=f"The {kind} role {ctx.role_name(role_arn)} "
                          + (f"does not trust {service}." if exists else "does not exist."),
                  evidence={"role_kind": kind, "expected_principal": service,
                            "role_exists": exists, "trust_error": err},
                  related_arns=ctx.workload_arns(workloads))


@rule("I207", "role-trust-confused-deputy", "low", "Role trusts ECS without a source condition",
      reads=ROLES_IN_USE, subjects="ecs-role")
def confused_deputy(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles that trust ecs-tasks.amazonaws.com in a statement with neither an
    aws:SourceAccount nor an aws:SourceArn condition (in any operator form).

    Why is this bad: Without them, ECS acting for another account could be made to assume the
    role (the confused deputy problem).

    Example: {"Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    with no Condition.

    Remediation: Add "StringEquals": {"aws:SourceAccount": "<account>"} and
    "ArnLike": {"aws:SourceArn": "arn:aws:ecs:<region>:<account>:*"}.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    """
    for role_arn, kind, workloads in ctx.role_kinds():
        if kind == "instance":
            continue
        items, _ = ctx.model.trust.get(role_arn, ([], None))
        open_ = [t for t in items if t.kind == "service" and t.value == ECS_TASKS
                 and not {"aws:sourceaccount", "aws:sourcearn"} & set(t.guards)]
        if open_:
            yield Hit(resource_arn=role_arn, resource_type="iam-role", key=kind,
                      message=f"The {kind} role {ctx.role_name(role_arn)} trusts {ECS_TASKS} "
                              "without aws:SourceAccount or aws:SourceArn.",
                      evidence={"role_kind": kind, "trust": [t.describe() for t in open_]},
                      related_arns=ctx.workload_arns(workloads))


@rule("I208", "role-trust-too-broad", "critical", "Role can be assumed by anyone or another account",
      reads=ROLES_IN_USE + EXPOSURE, subjects="ecs-role")
def trust_too_broad(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds roles used by ECS that can be assumed by "*", or by a principal of
    another account without an sts:ExternalId or aws:PrincipalOrgID condition.

    Why is this bad: Someone outside the account can take the role and everything it may do.

    Example: "Principal": {"AWS": "*"} on a task role.

    Remediation: Trust only the service principal, or the named partner account with an
    sts:ExternalId condition.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
    """
    for role_arn, kind, workloads in ctx.role_kinds():
        items, _ = ctx.model.trust.get(role_arn, ([], None))
        bad = []
        for t in items:
            guarded = {"sts:externalid", "aws:principalorgid", "aws:principalarn",
                       "aws:principalaccount", "aws:sourceaccount"} & set(t.guards)
            if t.kind == "any" and not guarded:
                bad.append(t)
            elif t.kind == "aws" and t.account != ctx.inv.account_id and not guarded:
                bad.append(t)
        if bad:
            yield Hit(resource_arn=role_arn, resource_type="iam-role", key=kind,
                      message=f"The {kind} role {ctx.role_name(role_arn)} can be assumed by "
                              f"{bad[0].value} without an external-id or organisation condition.",
                      evidence={"role_kind": kind, "trust": [t.describe() for t in bad]},
                      related_arns=ctx.workload_arns(workloads),
                      exposure_of=ctx.workload_arns(workloads))


@rule("I209", "instance-role-excess-permission", "medium",
      "Instance role allowed more than the ECS agent needs",
      reads=ROLES_IN_USE, subjects="ecs-role")
def instance_role_excess(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds container-instance roles allowed actions beyond what the ECS agent
    needs (the AmazonEC2ContainerServiceforEC2Role set, plus SSM agent actions).

    Why is this bad: Containers on the host can reach the instance role through IMDS; every extra
    right is a right of every container on the instance.

    Example: An instance role with AmazonEC2ContainerServiceforEC2Role plus "s3:*".

    Remediation: Keep the instance role to the agent's set; give workloads task roles.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-iam-roles.html
    """
    if not ctx.iam_collected:
        return
    cat = catalogue()
    needed = needed_actions("instance", with_ssm_agent=True)
    for role_arn, kind, workloads in ctx.role_kinds():
        p = ctx.model.principals.get(role_arn)
        if kind != "instance" or p is None:
            continue
        excess = [cat.actions[a].name for a in by_danger(a for a in p.grants if a not in needed)]
        if excess:
            yield Hit(resource_arn=role_arn, resource_type="iam-role", key=kind,
                      message=f"The instance role {ctx.role_name(role_arn)} is allowed "
                              f"{len(excess)} action(s) beyond what the ECS agent needs.",
                      evidence={"role_kind": kind, "excess_count": len(excess),
                                "excess_by_service": dict(Counter(a.split(":")[0] for a in excess)),
                                "excess_actions": excess[:100]},
                      related_arns=ctx.workload_arns(workloads))


@rule("I210", "efs-iam-missing-permission", "high", "Task role cannot mount its EFS volume",
      reads=WORKLOADS + IAM + FILE_SYSTEMS + ACCESS_POINTS + FILE_SYSTEM_POLICIES, subjects="task-definition")
def efs_iam_missing(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: For EFS volumes with IAM authorization, checks that the task role is allowed
    elasticfilesystem:ClientMount (and ClientWrite unless every mount is read-only) on the file
    system by its identity policies or by the file-system policy.

    Why is this bad: The mount is refused and the task fails to start.

    Example: authorizationConfig.iam ENABLED, a file-system policy naming another role.

    Remediation: Allow the client actions to the task role in either policy.

    References:
    - https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
    """
    if not ctx.iam_collected:
        return
    for td, w in ctx.task_definitions():
        for v in td.volumes:
            if not v.efs or v.efs.iam != "ENABLED":
                continue
            fs = ctx.ix.file_system.get((td.region, v.efs.file_system_id))
            if fs is None:
                continue  # F108 reports a missing file system
            ap = ctx.ix.access_point.get((td.region, v.efs.access_point_id or ""))
            readonly = all(m.get("readOnly") for c in td.containers for m in c.mount_points
                           if m.get("sourceVolume") == v.name)
            needed = ["elasticfilesystem:ClientMount"] + ([] if readonly else
                                                          ["elasticfilesystem:ClientWrite"])
            role = ctx.model.principals.get(td.task_role_arn or "")
            missing, unknown = [], []
            for action in needed:
                by_identity = role is not None and role.decide(action, fs.arn).decision != DENIED
                by_policy = efs_policy_allows(ctx.inv.account_id, fs, td.task_role_arn or "", action,
                                              ap.arn if ap else None,
                                              v.efs.transit_encryption == "ENABLED")
                if not by_identity and by_policy == "denied":
                    missing.append(action)
                elif not by_identity and by_policy == "unknown":
                    unknown.append(action)
            if missing:
                yield td_hit(ctx, td, w, f"The task role of {td.family}:{td.revision} may not "
                              f"{' or '.join(a.split(':')[1] for a in missing)} file system "
                              f"{fs.file_system_id} (volume {v.name}).",
                              {"volume": v.name, "file_system": fs.arn, "task_role": td.task_role_arn,
                               "missing": missing}, key=v.name)
