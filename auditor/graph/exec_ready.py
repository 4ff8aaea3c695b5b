"""Does ECS Exec actually work in a task? Its preconditions (ECS Developer Guide, "Monitor
Amazon ECS containers with ECS Exec", considerations and required IAM permissions): the task
role must allow the four ssmmessages channel actions the SSM agent calls, the SSM agent must be
able to write to the container's file system (a read-only root file system is not supported),
and on Fargate the platform must be 1.4.0 or later. Without them an enabled Exec opens no shell,
so it is no escalation route (I304) and I303 says why."""

from __future__ import annotations

from auditor.iam.evaluate import DENIED

SSM_CHANNELS = ("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel")


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split("."))
    except ValueError:
        return (99,)  # a name we do not know (not an old number): not a blocker


def exec_blockers(model, td, fargate: bool, platform_version: str | None) -> list[str]:
    """Why ECS Exec cannot open a shell in tasks of this task definition (empty: it can)."""
    out = []
    role = model.principals.get(td.task_role_arn or "")
    if role is None:
        out.append("no task role: the SSM agent has no credentials for its channels")
    else:
        missing = [a for a in SSM_CHANNELS if role.decide(a, "*").decision == DENIED]
        if missing:
            out.append(f"the task role may not call {', '.join(missing)}")
    if td.containers and all(c.readonly_root_filesystem for c in td.containers):
        out.append("every container has a read-only root file system")
    if fargate and platform_version and platform_version.upper() != "LATEST" and \
            _version(platform_version) < (1, 4, 0):
        out.append(f"Fargate platform version {platform_version} is older than 1.4.0")
    return out


def _ready_services(model):
    """(service, its task role) for each service whose tasks take a shell when Exec is on."""
    ix = model.inv.index
    for s in model.inv.services:
        td = ix.task_definition.get(s.task_definition_arn)
        if td and td.task_role_arn and not exec_blockers(model, td, s.uses_fargate, s.platform_version):
            yield s, td.task_role_arn


def exec_targets(model) -> list[tuple[str, str, str]]:
    """(service or task ARN, cluster, task role) for each place ECS Exec opens a shell: a
    service with enableExecuteCommand, or a running task started with it (RunTask
    --enable-execute-command), service or not. A task's taskRoleArn override is not collected:
    its task definition's role is assumed."""
    ix = model.inv.index
    out = [(s.arn, s.cluster_arn, role) for s, role in _ready_services(model) if s.enable_execute_command]
    for t in model.inv.tasks:
        td = ix.task_definition.get(t.task_definition_arn)
        if t.enable_execute_command and t.last_status == "RUNNING" and td and td.task_role_arn and \
                not exec_blockers(model, td, t.launch_type == "FARGATE", t.platform_version):
            out.append((t.arn, t.cluster_arn, td.task_role_arn))
    return out


def exec_enablable(model) -> list[tuple[str, str, str]]:
    """(service ARN, cluster, task role) for each service with Exec off whose tasks would take
    a shell once UpdateService --enable-execute-command replaces them."""
    return [(s.arn, s.cluster_arn, role) for s, role in _ready_services(model)
            if not s.enable_execute_command]
