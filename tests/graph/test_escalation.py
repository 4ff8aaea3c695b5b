"""ECS escalation paths and their near-misses."""

from __future__ import annotations

from auditor.graph import AccessModel, Edge, build_graph
from tests.builders import allow, inventory, role, service, task_def, user

STRONG = role("strong", allow("secretsmanager:*"), allow("s3:*"))
WEAK = role("weak", allow("s3:GetObject", "arn:aws:s3:::b/*"))


def paths(*principals, tds=(), services=(), strong=STRONG):
    m = AccessModel(
        inventory(
            roles=[strong, WEAK, *[p for p in principals if ":role/" in p.arn]],
            users=[p for p in principals if ":user/" in p.arn],
            tds=tds,
            services=services,
        )
    )
    return m, [
        (p.principal.rsplit("/", 1)[-1], p.target_role.rsplit("/", 1)[-1], p.kind) for p in m.escalation_paths
    ]


def test_pass_role_with_register_and_run_task():
    dev = user("dev", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]))
    m, found = paths(dev)
    assert ("dev", "strong", "new-task-definition") in found
    path = next(p for p in m.escalation_paths if p.target_role == STRONG.arn)
    assert [s["action"] for s in path.steps] == ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]
    assert any(a.startswith("secretsmanager:") for a in path.sample_gains)
    g = build_graph(m)
    assert g.has_edge(dev.arn, STRONG.arn, key=str(Edge.CAN_ESCALATE))


def test_run_task_without_pass_role_is_no_path():
    dev = user("dev", allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]))
    assert paths(dev)[1] == []


def test_pass_role_limited_to_another_service_is_no_path():
    dev = user(
        "dev",
        allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
    )
    assert paths(dev)[1] == []
    ok = user(
        "ok",
        allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
    )
    assert ("ok", "strong", "new-task-definition") in paths(ok)[1]


def test_pass_role_scoped_to_other_roles_is_no_path():
    dev = user(
        "dev",
        allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        allow("iam:PassRole", "arn:aws:iam::111122223333:role/weak"),
    )
    # Only the role it may pass is a target (weak still adds s3:GetObject, so it is reported).
    assert {t for _, t, _ in paths(dev)[1]} == {"weak"}


def test_a_not_resource_deny_guardrail_spares_its_roles_and_the_path_to_them_stays():
    # The common guardrail: PassRole on "*", denied on every role but role/strong*. The spared
    # role is still passable (IAM User Guide, "NotResource": the deny applies to everything
    # else), so the path to it is found, and the deny keeps it to that role.
    dev = user(
        "dev",
        allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/strong*"},
    )
    m, found = paths(dev)
    assert ("dev", "strong", "new-task-definition") in found
    assert "weak" not in {t for _, t, _ in found}
    assert dev.arn in {e.arn for e in m.who_can("iam:PassRole").principals}


def test_target_role_weaker_than_the_principal_is_not_reported():
    # The principal can already do everything WEAK can.
    dev = user("dev", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask", "s3:*"]))
    assert ("dev", "weak", "new-task-definition") not in paths(dev)[1]


def test_task_role_override_with_existing_task_definition():
    dev = user("dev", allow(["iam:PassRole", "ecs:RunTask"]))
    assert ("dev", "strong", "task-role-override") in paths(dev)[1]


def test_update_service_to_an_existing_task_definition_that_uses_the_role():
    td = task_def("batch", task_role=STRONG)
    dev = user("dev", allow(["iam:PassRole", "ecs:UpdateService"]))
    m, found = paths(dev, tds=[td])
    assert ("dev", "strong", "existing-task-definition") in found
    # It runs only the definition's own code (a service takes no command override): at most
    # conditional, unlike RunTask's override, which is certain.
    [path] = m.escalation_paths
    assert path.conditional and path.steps[-1]["decision"] == "conditional"
    runner = user("dev", allow(["iam:PassRole", "ecs:RunTask"]))
    assert not paths(runner, tds=[td])[0].escalation_paths[0].conditional
    assert paths(dev)[1] == []  # no task definition uses it: nothing to update to


# ECS Exec's task role needs the SSM agent's channel actions (ECS Developer Guide, "ECS Exec").
EXEC_READY = role("strong", allow("secretsmanager:*"), allow("s3:*"), allow("ssmmessages:*"))


def test_execute_command_into_a_service_running_a_stronger_role():
    td = task_def("admin", task_role=EXEC_READY)
    svc = service("admin", td, enable_execute_command=True)
    dev = user("dev", allow(["ecs:ExecuteCommand", "ecs:DescribeTasks"]))
    m, found = paths(dev, tds=[td], services=[svc], strong=EXEC_READY)
    assert ("dev", "strong", "execute-command") in found
    assert [s["action"] for s in m.escalation_paths[0].steps] == ["ecs:ExecuteCommand", "ecs:DescribeTasks"]
    assert [p.to_dict() for p in m.exec_principals(svc.arn)] == [{"arn": dev.arn, "decision": "allowed"}]
    off = service("admin", td, enable_execute_command=False)
    assert paths(dev, tds=[td], services=[off], strong=EXEC_READY)[1] == []
    # the session needs the container's runtime id, which DescribeTasks gives (pathfinding ecs-006)
    blind = user("dev", allow("ecs:ExecuteCommand"))
    assert paths(blind, tds=[td], services=[svc], strong=EXEC_READY)[1] == []


def test_enabling_exec_on_a_service_then_executing_into_it():
    """UpdateService --enable-execute-command --force-new-deployment, then ExecuteCommand: no
    PassRole, the task definition does not change (HackTricks, ECS privesc). Near misses: no
    UpdateService, and a service whose tasks could not take a shell (no ssmmessages channels)."""
    td = task_def("admin", task_role=EXEC_READY)
    off = service("admin", td, enable_execute_command=False)
    dev = user("dev", allow(["ecs:UpdateService", "ecs:ExecuteCommand", "ecs:DescribeTasks"]))
    m, found = paths(dev, tds=[td], services=[off], strong=EXEC_READY)
    assert ("dev", "strong", "enable-execute-command") in found
    [path] = m.escalation_paths
    assert path.steps[0]["action"] == "ecs:UpdateService" and path.steps[0]["resource"] == off.arn
    assert not path.conditional
    no_update = user("dev", allow(["ecs:ExecuteCommand", "ecs:DescribeTasks"]))
    assert paths(no_update, tds=[td], services=[off], strong=EXEC_READY)[1] == []
    unready = task_def("admin", task_role=STRONG)
    assert paths(dev, tds=[unready], services=[service("admin", unready)])[1] == []


def test_execute_command_is_no_route_where_exec_cannot_open_a_shell():
    """Near misses: the task role lacks the ssmmessages channels, every container's root file
    system is read-only, a Fargate platform older than 1.4.0."""
    from dataclasses import replace

    from auditor.model import ContainerDefinition

    dev = user("dev", allow(["ecs:ExecuteCommand", "ecs:DescribeTasks"]))
    td = task_def("admin", task_role=STRONG)
    assert paths(dev, tds=[td], services=[service("admin", td, enable_execute_command=True)])[1] == []
    ro = task_def(
        "admin",
        task_role=EXEC_READY,
        containers=(ContainerDefinition(name="app", image="nginx@sha256:1", readonly_root_filesystem=True),),
    )
    assert (
        paths(dev, tds=[ro], services=[service("admin", ro, enable_execute_command=True)], strong=EXEC_READY)[
            1
        ]
        == []
    )
    ok = task_def("admin", task_role=EXEC_READY, compat=("FARGATE",))
    old = replace(service("admin", ok, "FARGATE", enable_execute_command=True), platform_version="1.3.0")
    assert paths(dev, tds=[ok], services=[old], strong=EXEC_READY)[1] == []
    new = replace(old, platform_version="1.4.0")
    assert ("dev", "strong", "execute-command") in paths(dev, tds=[ok], services=[new], strong=EXEC_READY)[1]


def test_admin_principal_has_no_escalation_to_report():
    admin = user("root-ish", allow("*"))
    assert paths(admin)[1] == []
