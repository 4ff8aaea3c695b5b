"""Rules I301–I304: what workloads reach at run time — the instance role through IMDS, a shell
through ECS Exec, stronger roles through ECS."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, lower_severity, rule
from auditor.rules.hits import td_hit
from auditor.rules.reads import CLUSTERS, EXPOSURE, HOSTS, IAM, ROLES_IN_USE, SERVICES, WORKLOADS


@rule("I301", "task-inherits-instance-role", "high", "Containers can reach the instance role through IMDS",
      reads=WORKLOADS + HOSTS + IAM + EXPOSURE, subjects="task-definition")
def inherits_instance_role(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EC2 workloads whose containers can fetch the instance profile's
    credentials from instance metadata: network mode host; bridge/default unless every candidate
    instance has IMDS disabled or IMDSv2 required with hop limit 1; awsvpc unless IMDS is disabled.

    Why is this bad: Every container on the host holds the instance role's permissions on top of
    its task role's.

    Example: Bridge-mode tasks on AL2023 hosts (IMDSv2 required, hop limit 2).

    Remediation: Set HttpPutResponseHopLimit=1 with HttpTokens=required, block 169.254.169.254
    from docker0 with iptables, and set ECS_AWSVPC_BLOCK_IMDS=true for awsvpc tasks.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-iam-roles.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    """
    for td, w in ctx.task_definitions():
        for reach in w.reachable_instance_roles:
            yield td_hit(ctx, td, w, f"Containers of {td.family}:{td.revision} can obtain the "
                          f"instance role {ctx.role_name(reach.role_arn)} through IMDS: {reach.reason}.",
                          {"instance_role": reach.role_arn, "instances": list(reach.instances),
                           "network_mode": td.effective_network_mode, "reason": reach.reason},
                          key=reach.role_arn, exposure_of=(w.arn,))


@rule("I302", "task-without-task-role", "medium", "EC2 workload has no task role",
      reads=WORKLOADS + HOSTS, subjects="task-definition")
def without_task_role(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EC2 workloads without a task role.

    Why is this bad: The AWS SDK in the container falls back to the instance profile, so its
    effective permissions are the instance role's, shared with everything on the host.

    Example: A bridge-mode service with no taskRoleArn on hosts whose role can write to S3.

    Remediation: Give the task definition its own least-privilege task role, and block IMDS.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
    - https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
    """
    for td, w in ctx.task_definitions():
        if w.on_ec2 and not td.task_role_arn:
            reach = [r.role_arn for r in w.reachable_instance_roles]
            yield td_hit(ctx, td, w, f"{td.family}:{td.revision} runs on EC2 without a task role"
                          + (f"; its containers use the instance role {ctx.role_name(reach[0])}."
                             if reach else "."),
                          {"instance_roles": reach, "imds_unknown": w.imds_unknown},
                          exposure_of=(w.arn,))


@rule("I303", "service-exec-enabled", "medium", "ECS Exec is enabled on a service",
      reads=SERVICES + IAM + EXPOSURE, subjects="service")
def exec_enabled(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services with enableExecuteCommand, and lists the principals that may
    call ecs:ExecuteCommand on them. Where Exec cannot open a shell (the task role lacks the
    ssmmessages channel actions, every container's root file system is read-only, or a Fargate
    platform older than 1.4.0) the finding is low and says why.

    Why is this bad: Whoever may call ExecuteCommand gets a root shell in the container and with
    it the task role's permissions.

    Example: An admin tool with ECS Exec left on after debugging.

    Remediation: Turn enableExecuteCommand off, or limit ecs:ExecuteCommand to a break-glass role
    with conditions on the cluster and container.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
    """
    from auditor.graph.exec_ready import exec_blockers

    for s in ctx.inv.services:
        if s.enable_execute_command:
            who = [p.to_dict() for p in ctx.model.exec_principals(s.arn)] if ctx.iam_collected else []
            td = ctx.ix.task_definition.get(s.task_definition_arn)
            blockers = exec_blockers(ctx.model, td, s.uses_fargate, s.platform_version) if td else []
            message = (f"Service {s.name} has ECS Exec enabled; {len(who)} principal(s) may open a "
                       "shell in it.")
            if blockers:
                message = (f"Service {s.name} has ECS Exec enabled, but it cannot open a shell: "
                           f"{'; '.join(blockers)}.")
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region, message=message,
                      evidence={"principals": who, "exec_blockers": blockers},
                      related_arns=(s.task_definition_arn,), exposure_of=() if blockers else (s.arn,),
                      severity="low" if blockers else None)


@rule("I304", "principal-can-escalate-via-ecs", "high", "Principal can obtain a stronger role through ECS",
      reads=ROLES_IN_USE + SERVICES + CLUSTERS + EXPOSURE, subjects="any-principal")
def escalate_via_ecs(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds IAM principals (not already admin) that can obtain a more privileged
    role through ECS: iam:PassRole on a role trusting ecs-tasks.amazonaws.com with
    ecs:RegisterTaskDefinition and RunTask/StartTask/CreateService/UpdateService, a taskRoleArn
    and command override on RunTask/StartTask of an existing task definition (PassRole on its
    execution role too), StartTask on a container instance it registers itself
    (ecs:RegisterContainerInstance, conditional), ecs:ExecuteCommand with ecs:DescribeTasks into
    a service or a task started with Exec running a stronger role (when Exec can open a shell
    there), or UpdateService --enable-execute-command first, a new task without a task role
    on EC2 capacity whose instances answer IMDS (the instance role, no PassRole needed), or
    RunTask / StartTask of an existing EC2 definition whose tasks reach IMDS with its command
    overridden (PassRole only for the roles it names),
    pushing an image to one of the account's ECR repositories whose tags are mutable while a
    stronger task definition pulls it by tag (conditional: it waits for a new task); an
    instance role allowed the ECS agent's ecs:DiscoverPollEndpoint and ecs:Poll, which is
    sent the credentials of the tasks on its instances (ECScape; conditional for EC2 services
    of the cluster not yet placed there); ecs:RegisterContainerInstance with the agent's calls,
    which joins a host to a cluster and is given tasks of its EC2 services (conditional); and
    those that get there by sts:AssumeRole first (a path of any length, each step in the
    evidence). A launch counts only where the account has what it needs: StartTask container
    instances, RunTask and CreateService a cluster (or ecs:CreateCluster), UpdateService a
    service, on a cluster the policy's ecs:cluster condition allows. Moving a service onto an
    existing task definition runs only that definition's code: conditional.

    Why is this bad: The principal's own policy understates what it can do.

    Example: A CI user with iam:PassRole on "*" and ecs:RunTask can run a task with the admin
    task role.

    Remediation: Limit iam:PassRole to the roles the principal must pass (Resource) and to
    ecs-tasks.amazonaws.com (iam:PassedToService); limit ecs:ExecuteCommand.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-iam-awsmanpol.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-considerations.html
    - https://pathfinding.cloud (ECS paths ecs-001 to ecs-009)
    - Sweet Security, "ECScape" (2025): agent credentials of co-hosted tasks
    """
    if not ctx.iam_collected:
        return
    for principal, reach in sorted(ctx.model.escalation.items()):
        paths = reach.paths
        top = paths[0]
        usage = ctx.model.role_usage.get(principal, {})
        carriers = ctx.workload_arns([w for ws in usage.values() for w in ws])
        yield Hit(resource_arn=principal, resource_type="iam-" + principal.split(":")[5].split("/")[0],
                  message=f"{principal.rsplit('/', 1)[-1]} can obtain {reach.total} stronger "
                          f"role(s) through ECS, e.g. {ctx.role_name(top.target_role)} ({top.kind}, "
                          f"+{top.gains} actions).",
                  evidence={"targets_total": reach.total,
                            "paths": [p.to_dict() for p in paths]},
                  related_arns=tuple(p.target_role for p in paths) + carriers,
                  severity=lower_severity("high") if all(p.conditional for p in paths) else None,
                  exposure_of=carriers)
    for path in ctx.model.chained_paths:
        principal, steps, target = path.principal, path.steps, path.target_role
        usage = ctx.model.role_usage.get(principal, {})
        carriers = ctx.workload_arns([w for ws in usage.values() for w in ws])
        hops = [s["action"] for s in steps]
        yield Hit(resource_arn=principal, resource_type="iam-" + principal.split(":")[5].split("/")[0],
                  message=f"{principal.rsplit('/', 1)[-1]} can obtain {ctx.role_name(target)} by "
                          f"{' → '.join(hops)}.",
                  evidence={"targets_total": 1, "paths": [{"principal": principal, "target_role": target,
                                                           "steps": steps, "kind": "path"}]},
                  related_arns=(target, *carriers),
                  severity=lower_severity("high") if any(s["decision"] == "conditional" for s in steps)
                  else None, exposure_of=carriers)
