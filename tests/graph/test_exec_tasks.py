"""ecs:ExecuteCommand into a standalone task started with Exec enabled gives its task role, as
into a service's task does (ECS Developer Guide, "Monitor Amazon ECS containers with ECS Exec":
RunTask --enable-execute-command). The session needs ecs:DescribeTasks too, for the container's
runtime id (pathfinding.cloud ecs-006). Near misses: Exec off, the task stopped, no
ExecuteCommand, no DescribeTasks."""

from __future__ import annotations

from auditor.audit import audit
from auditor.model import Task
from tests.builders import CLUSTER, R, allow, inventory, role, task_def


def account(exec_on=True, status="RUNNING", caller=("ecs:ExecuteCommand", "ecs:DescribeTasks")):
    admin = role("batch-task", allow("*"))
    operator = role("operator", allow(list(caller), "*"))
    td = task_def("batch", task_role=admin, compat=("FARGATE",))
    task = Task(
        arn=f"{CLUSTER.replace(':cluster/', ':task/')}/0123456789abcdef",
        cluster_arn=CLUSTER,
        region=R,
        task_definition_arn=td.arn,
        last_status=status,
        launch_type="FARGATE",
        group="family:batch",
        enable_execute_command=exec_on,
    )
    return inventory(roles=[admin, operator], tds=[td], tasks=(task,)), operator, admin, task


def i304(inv, who):
    return [f for f in audit(inv).findings if f.rule_id == "I304" and f.resource_arn == who]


def test_exec_into_a_standalone_task_gives_its_task_role():
    inv, operator, admin, task = account()
    [f] = i304(inv, operator.arn)
    [path] = [p for p in f.evidence["paths"] if p["target_role"] == admin.arn]
    assert path["kind"] == "execute-command" and task.arn in path["via"]


def test_near_misses():
    for kw in ({"exec_on": False}, {"status": "STOPPED"}, {"caller": ("ecs:DescribeTasks",)},
               {"caller": ("ecs:ExecuteCommand",)}):
        inv, operator, _, _ = account(**kw)
        assert not i304(inv, operator.arn), kw
