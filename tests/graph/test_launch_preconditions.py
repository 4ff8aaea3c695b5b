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


def launch_step(*statements, **kw):
    dev = user("dev", allow(["iam:PassRole", "ecs:RegisterTaskDefinition"]), *statements)
    inv = replace(inventory(roles=[ADMIN], users=[dev], call_counts=READ), **kw)
    reach = AccessModel(inv).escalation.get(dev.arn)
    return reach.paths[0].steps[-1] if reach else None


def on_cluster(arn):
    # ecs:cluster is a condition key of RunTask (Service Authorization Reference, Amazon ECS)
    return {"Effect": "Allow", "Action": "ecs:RunTask", "Resource": "*",
            "Condition": {"ArnEquals": {"ecs:cluster": arn}}}


def test_a_launch_allowed_on_an_existing_cluster_is_certain_and_names_it():
    step = launch_step(on_cluster(CLUSTER))
    assert step == {"action": "ecs:RunTask", "resource": CLUSTER, "decision": "allowed"}


def test_a_launch_allowed_only_on_a_cluster_that_does_not_exist_is_no_route():
    other = f"arn:aws:ecs:{R}:111122223333:cluster/elsewhere"
    assert launch_step(on_cluster(other)) is None
    # unless it may create that cluster first; and unknown clusters (IAM-only) stay possible
    assert launch_step(on_cluster(other), allow("ecs:CreateCluster"))["decision"] == "conditional"
    assert launch_step(on_cluster(other), call_counts={})["decision"] == "conditional"
