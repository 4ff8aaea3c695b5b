"""What an account's ECS resources make possible for an escalation route, worked out once per
model (every principal's routes ask): where tasks can be launched, which task definitions
there are to override, where ECS Exec opens a shell. When ECS was not read in full (an
IAM-only audit, a failed ECS call) the launch facts are None: then nothing is ruled out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EcsFacts:
    td_roles: dict[str, list[str]]  # task role -> task definitions that use it
    exec_targets: list[tuple[str, str, str]]  # (service or task, cluster, task role): Exec works
    exec_enablable: list[tuple[str, str, str]]  # (service, cluster, task role): would, if enabled
    capacity: dict[str, tuple[str, ...]] | None = None  # launch action -> clusters it works on
    task_definitions: tuple[tuple[str, str | None], ...] | None = None  # (arn, execution role)


def ecs_read(inv) -> bool:
    return "ecs:ListClusters" in inv.call_counts and not any(g.service == "ecs" for g in inv.gaps)


def launch_capacity(inv) -> dict[str, tuple[str, ...]] | None:
    """Launch action -> the clusters it can launch on (ECS API Reference): RunTask and
    CreateService any cluster, StartTask one with registered container instances,
    UpdateService one with a service, CreateTaskSet one with a service whose deployment
    controller is EXTERNAL (the only kind that takes task sets)."""
    if not ecs_read(inv):
        return None
    clusters = tuple(c.arn for c in inv.clusters)
    out = {"ecs:RunTask": clusters, "ecs:CreateService": clusters,
           "ecs:StartTask": tuple(sorted({ci.cluster_arn for ci in inv.container_instances})),
           "ecs:UpdateService": tuple(sorted({s.cluster_arn for s in inv.services})),
           "ecs:CreateTaskSet": tuple(sorted({s.cluster_arn for s in inv.services
                                              if s.deployment_controller == "EXTERNAL"}))}
    return {a: cs for a, cs in out.items() if cs}


def ecs_facts(model) -> EcsFacts:
    from auditor.graph.exec_ready import exec_enablable, exec_targets

    inv = model.inv
    td_roles: dict[str, list[str]] = {}
    for td in inv.task_definitions:
        if td.task_role_arn:
            td_roles.setdefault(td.task_role_arn, []).append(td.arn)
    tds = tuple((td.arn, td.execution_role_arn) for td in inv.task_definitions) if ecs_read(inv) else None
    return EcsFacts(td_roles, exec_targets(model), exec_enablable(model), launch_capacity(inv), tds)
