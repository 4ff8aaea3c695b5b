"""A launch route needs what the launch call needs (ECS API Reference): StartTask places tasks
on registered container instances, RunTask and CreateService need a cluster (or
ecs:CreateCluster to make one), UpdateService a service. When ECS was not read in full (an
IAM-only audit, a failed ECS call) no route is ruled out."""

from __future__ import annotations

from dataclasses import replace

from auditor.graph import AccessModel
from auditor.model import ContainerInstance, Gap
from tests.builders import CLUSTER, R, allow, inventory, role, user

ADMIN = role("admin-task", allow("*"))
READ = {"ecs:ListClusters": 1}


def targets(*actions, **kw):
    dev = user("dev", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", *actions]))
    inv = inventory(roles=[ADMIN], users=[dev], call_counts=READ)
    inv = replace(inv, **kw)
    reach = AccessModel(inv).escalation.get(dev.arn)
    return set(reach.targets) if reach else set()


def test_start_task_needs_container_instances():
    assert targets("ecs:StartTask") == set()
    host = ContainerInstance(
        arn=f"arn:aws:ecs:{R}:111122223333:container-instance/c/1",
        cluster_arn=CLUSTER,
        region=R,
        ec2_instance_id="i-1",
    )
    assert targets("ecs:StartTask", container_instances=(host,)) == {ADMIN.arn}


def test_run_task_needs_a_cluster_or_the_right_to_make_one():
    assert targets("ecs:RunTask") == {ADMIN.arn}
    assert targets("ecs:RunTask", clusters=()) == set()
    assert targets("ecs:RunTask", "ecs:CreateCluster", clusters=()) == {ADMIN.arn}


def test_nothing_is_ruled_out_when_ecs_was_not_read_in_full():
    assert targets("ecs:StartTask", call_counts={}) == {ADMIN.arn}  # IAM-only
    gap = Gap("ecs", R, "ListContainerInstances", "AccessDeniedException")
    assert targets("ecs:StartTask", gaps=(gap,)) == {ADMIN.arn}
