"""pathfinding.cloud's ECS paths ecs-001 to ecs-009 (DataDog/pathfinding.cloud, data/paths/aws/ecs),
and the routes of Rhino Security Labs' and HackTricks' ECS write-ups they do not list (a new
revision for an existing service, task sets), each on a hand-built account that ECS was read
from in full (so preconditions count), with a near miss that lacks one permission or one
precondition and must stay quiet. Host-level paths (ECScape, RegisterContainerInstance) are in
test_host_paths.py, image pushes in test_image_push.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.graph import AccessModel
from auditor.iam.escalation_methods import BY_ID
from auditor.model import ContainerInstance
from tests.builders import CLUSTER, EC2_TRUST, R, allow, inventory, role, service, task_def, user

ADMIN = role("admin-task", allow("*"))
EXEC_ADMIN = role("admin-task", allow("*"))  # admin includes the ssmmessages channels
HOST = ContainerInstance(arn=f"arn:aws:ecs:{R}:111122223333:container-instance/c/1", cluster_arn=CLUSTER,
                         region=R, ec2_instance_id="i-1")
OTHER_ROLE = "arn:aws:iam::111122223333:role/other"


def account(caller, clusters=True, hosts=(), tds=(), services=(), roles=()):
    inv = inventory(roles=[ADMIN, *roles], users=[caller] if ":user/" in caller.arn else [],
                    tds=tds, services=services, call_counts={"ecs:ListClusters": 1})
    inv = replace(inv, container_instances=tuple(hosts), roles=inv.roles + (
        (caller,) if ":role/" in caller.arn else ()))
    return inv if clusters else replace(inv, clusters=())


def route(inv, who):
    reach = AccessModel(inv).escalation.get(who.arn)
    if not reach or ADMIN.arn not in reach.targets:
        return None
    path = next(p for p in reach.paths if p.target_role == ADMIN.arn)
    assert path.method in BY_ID and path.kind == BY_ID[path.method].route  # the declared method
    return path.kind, [s["action"] for s in path.steps], path.conditional, path.method


def dev(*actions, pass_to="*"):
    return user("dev", allow([a for a in actions if a != "iam:PassRole"]), allow("iam:PassRole", pass_to))


# ecs-001 / ecs-002: no cluster yet, so ecs:CreateCluster first
@pytest.mark.parametrize("launch", ["ecs:CreateService", "ecs:RunTask"])
def test_ecs_001_002_create_cluster_then_launch(launch):
    who = dev("ecs:CreateCluster", "ecs:RegisterTaskDefinition", launch)
    assert route(account(who, clusters=False), who)[:3] == (
        "new-task-definition", ["iam:PassRole", "ecs:RegisterTaskDefinition", launch], False)
    near = dev("ecs:RegisterTaskDefinition", launch)  # no cluster and no right to make one
    assert route(account(near, clusters=False), near) is None


# ecs-003 / ecs-004: PassRole + RegisterTaskDefinition + CreateService / RunTask on a cluster
@pytest.mark.parametrize("launch", ["ecs:CreateService", "ecs:RunTask"])
def test_ecs_003_004_register_and_launch(launch):
    who = dev("ecs:RegisterTaskDefinition", launch)
    assert route(account(who), who)[0] == "new-task-definition"
    near = dev("ecs:RegisterTaskDefinition", launch, pass_to=OTHER_ROLE)  # may pass another role only
    assert route(account(near), near) is None


# ecs-005: StartTask needs a registered container instance
def test_ecs_005_register_and_start_task():
    who = dev("ecs:RegisterTaskDefinition", "ecs:StartTask")
    assert route(account(who, hosts=[HOST]), who)[1][-1] == "ecs:StartTask"
    assert route(account(who), who) is None  # no container instance in the account


# ecs-006: ExecuteCommand + DescribeTasks into a service with Exec on
def test_ecs_006_execute_command():
    td = task_def("admin", task_role=EXEC_ADMIN)
    svc = service("admin", td, enable_execute_command=True)
    who = user("dev", allow(["ecs:ExecuteCommand", "ecs:DescribeTasks"]))
    assert route(account(who, tds=[td], services=[svc]), who) == (
        "execute-command", ["ecs:ExecuteCommand", "ecs:DescribeTasks"], False, "EcsExecIntoTask")
    off = service("admin", td)
    assert route(account(who, tds=[td], services=[off]), who) is None  # Exec is off


# ecs-007: an instance role registers its instance into a cluster, then StartTask with overrides
def test_ecs_007_register_container_instance_then_start_task():
    td = task_def("web")  # an existing definition to override
    instance = role("instance", allow(["ecs:RegisterContainerInstance", "ecs:StartTask"]),
                    allow("iam:PassRole"), trust=EC2_TRUST)
    kind, steps, conditional, method = route(account(instance, tds=[td]), instance)
    assert method == "RegisterContainerInstanceThenStartTask" and conditional  # it needs a host
    assert steps == ["iam:PassRole", "ecs:RegisterContainerInstance", "ecs:StartTask"]
    near = role("instance", allow("ecs:StartTask"), allow("iam:PassRole"), trust=EC2_TRUST)
    assert route(account(near, tds=[td]), near) is None  # no container instance, none it could add


# ecs-008 / ecs-009: RunTask / StartTask of an existing definition with taskRoleArn overridden
@pytest.mark.parametrize("launch, hosts", [("ecs:RunTask", ()), ("ecs:StartTask", (HOST,))])
def test_ecs_008_009_override_an_existing_task_definition(launch, hosts):
    who = dev(launch)
    td = task_def("web")
    method = "OverrideTaskRoleOn" + launch.split(":")[1]
    assert route(account(who, hosts=hosts, tds=[td]), who) == (
        "task-role-override", ["iam:PassRole", launch], False, method)
    assert route(account(who, hosts=hosts), who) is None  # no task definition to override
    # PassRole must cover the definition's execution role too
    execution = role("web-execution", allow("logs:PutLogEvents"))
    with_exec = task_def("web", execution_role=execution)
    narrow = dev(launch, pass_to=ADMIN.arn)
    assert route(account(narrow, hosts=hosts, tds=[with_exec], roles=[execution]), narrow) is None
    assert route(account(who, hosts=hosts, tds=[with_exec], roles=[execution]), who)[1] == [
        "iam:PassRole", "iam:PassRole", launch]


def test_i103_and_the_path_search_read_the_same_declared_methods():
    from auditor.graph.escalation import _ROUTES, Finder
    from auditor.iam.classify import classify
    from auditor.iam.escalation_methods import ECS_ROUTES

    assert {m.route for m in ECS_ROUTES} == set(_ROUTES)  # every declared route can be built
    everything = sorted({a for m in ECS_ROUTES for a in m.actions})
    who = user("dev", allow(everything))
    model = AccessModel(account(who))
    p = model.principals[who.arn]
    found = {e["method"] for e in classify(p).escalation}
    assert {m.id for m in Finder(p, model.ecs_facts).methods} == {m.id for m in ECS_ROUTES} <= found


# Rhino Security Labs, "Weaponizing ECS task definitions" (2020), and HackTricks' ECS privesc:
# a new revision with the role, then UpdateService onto it (needs a service to update)
def test_register_a_revision_and_update_a_service_onto_it():
    td = task_def("web")
    svc = service("web", td)
    who = dev("ecs:RegisterTaskDefinition", "ecs:UpdateService")
    assert route(account(who, tds=[td], services=[svc]), who) == (
        "new-task-definition", ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:UpdateService"], False,
        "PassExistingRoleToUpdatedEcsService")
    assert route(account(who, tds=[td]), who) is None  # no service to update


# HackTricks' ECS privesc: a task set with a new definition on a service whose deployment
# controller is EXTERNAL (the only kind that takes task sets: ECS API Reference, CreateTaskSet)
def test_a_task_set_on_an_external_service():
    td = task_def("web")
    external = replace(service("web", td), deployment_controller="EXTERNAL")
    who = dev("ecs:RegisterTaskDefinition", "ecs:CreateTaskSet")
    kind, steps, _, method = route(account(who, tds=[td], services=[external]), who)
    assert method == "PassExistingRoleToNewEcsTaskSet" and steps[-1] == "ecs:CreateTaskSet"
    rolling = service("web", td)  # the default ECS controller takes no task sets
    assert route(account(who, tds=[td], services=[rolling]), who) is None
