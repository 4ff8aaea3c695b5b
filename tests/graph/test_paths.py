"""who-can follows paths of any length: sts:AssumeRole (identity policy and trust policy both
allowing, IAM User Guide "Policy evaluation logic") and ECS escalation, with every step."""

from __future__ import annotations

from auditor.graph import AccessModel
from tests.builders import ACCT, allow, inventory, policy, role, user

ROOT = f"arn:aws:iam::{ACCT}:root"


def trust(principal) -> dict:
    return policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def chain(u_statements=(), b_trusts=ROOT):
    """user u -> (AssumeRole) deployer b -> (PassRole + RunTask) admin role c."""
    admin = role("admin-task", allow("*"))
    b = role("deployer", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]),
             trust=trust(b_trusts))
    u = user("dev", *u_statements) if u_statements else user("dev", allow("s3:ListBucket", "*"))
    return AccessModel(inventory(roles=[admin, b], users=[u])), u, b, admin


def test_a_two_hop_path_through_assume_role_then_ecs():
    m, u, b, admin = chain([allow("sts:AssumeRole", b_arn := f"arn:aws:iam::{ACCT}:role/deployer")])
    entry = next(e for e in m.who_can("iam:CreateUser").principals if e.arn == u.arn)
    assert entry.via_role == admin.arn
    actions = [s["action"] for s in entry.path]
    assert actions[0] == "sts:AssumeRole" and entry.path[0]["to"] == b_arn
    assert actions[1:] == ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]
    assert entry.path[-1]["to"] == admin.arn


def test_near_misses_trust_in_the_account_needs_the_identity_policy():
    m, u, _, _ = chain()  # the user may not call sts:AssumeRole, and the trust names the account
    assert u.arn not in {e.arn for e in m.who_can("iam:CreateUser").principals}
    other = f"arn:aws:iam::{ACCT}:user/someone-else"
    m, u, _, _ = chain([allow("sts:AssumeRole", "*")], b_trusts=other)  # the trust admits another
    assert u.arn not in {e.arn for e in m.who_can("iam:CreateUser").principals}


def test_a_trust_that_names_the_principal_suffices_in_the_same_account():
    m, u, b, _ = chain(b_trusts=f"arn:aws:iam::{ACCT}:user/dev")
    entry = next(e for e in m.who_can("iam:CreateUser").principals if e.arn == u.arn)
    assert entry.path[0]["action"] == "sts:AssumeRole"


def _hosted(runner_statements, endpoint="enabled", hosts=True):
    from tests.builders import EC2_TRUST, host

    instance = role("ecs-instance", allow("s3:*"), trust=EC2_TRUST)
    runner = user("ops", *runner_statements)
    hosted = [host(1, instance, "required", 1, endpoint)] if hosts else []
    return AccessModel(inventory(roles=[instance], users=[runner], hosts=hosted)), runner, instance


def test_a_new_task_without_a_task_role_gets_the_instance_role_on_ec2():
    """No iam:PassRole: RegisterTaskDefinition + RunTask in host network mode reaches IMDS."""
    m, runner, instance = _hosted([allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"])])
    entry = next(e for e in m.who_can("s3:PutObject").principals if e.arn == runner.arn)
    assert entry.via_role == instance.arn
    assert [s["action"] for s in entry.path] == ["ecs:RegisterTaskDefinition", "ecs:RunTask"]
    assert "IMDS" in entry.path[-1]["note"]


def test_near_misses_imds_off_no_instances_or_another_cluster_only():
    launch = [allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"])]
    for m, runner, _ in (_hosted(launch, endpoint="disabled"), _hosted(launch, hosts=False)):
        assert runner.arn not in {e.arn for e in m.who_can("s3:PutObject").principals}
    elsewhere = [allow("ecs:RegisterTaskDefinition"), allow("ecs:RunTask", "*", Condition={
        "ArnEquals": {"ecs:cluster": f"arn:aws:ecs:us-east-1:{ACCT}:cluster/other"}})]
    m, runner, _ = _hosted(elsewhere)
    assert runner.arn not in {e.arn for e in m.who_can("s3:PutObject").principals}


def _running(td_kw, hosts_kw=None, caller=("ecs:RunTask",)):
    """An existing EC2 definition running in the cluster, and a caller without RegisterTaskDefinition."""
    from tests.builders import EC2_TRUST, host, service, task_def

    instance = role("instance", allow("s3:PutObject", "*"), trust=EC2_TRUST)
    td = task_def("worker", **td_kw)
    roles = [instance, *(r for r in (td_kw.get("task_role"),) if r)]
    runner = user("runner", allow(list(caller)))
    inv = inventory(roles=roles, users=[runner], tds=[td], services=[service("worker", td)],
                    hosts=[host(1, instance, **(hosts_kw or {}))])
    return AccessModel(inv), runner, instance


def test_overriding_an_existing_ec2_definition_gets_the_instance_role():
    """RunTask of an existing definition with containerOverrides.command (pathfinding ecs-008,
    the instance role as the target): no RegisterTaskDefinition, and no PassRole when the
    definition names no role; its tasks must reach IMDS (here: bridge mode, hop limit 2)."""
    m, runner, instance = _running({"network_mode": "bridge"}, {"hops": 2})
    entry = next(e for e in m.who_can("s3:PutObject").principals if e.arn == runner.arn)
    assert entry.via_role == instance.arn and [s["action"] for s in entry.path] == ["ecs:RunTask"]
    assert "containerOverrides.command" in entry.path[-1]["note"]


def test_override_near_misses_imds_closed_or_a_role_it_cannot_pass():
    # bridge mode with IMDSv2 required and hop limit 1: I301's verdict, the container is kept out
    m, runner, _ = _running({"network_mode": "bridge"}, {"hops": 1})
    assert runner.arn not in {e.arn for e in m.who_can("s3:PutObject").principals}
    # the definition names a task role the caller may not pass
    worker = role("worker-task", allow("sqs:SendMessage"))
    m, runner, _ = _running({"network_mode": "host", "task_role": worker})
    assert runner.arn not in {e.arn for e in m.who_can("s3:PutObject").principals}
    m, runner, instance = _running({"network_mode": "host", "task_role": worker},
                                   caller=("ecs:RunTask", "iam:PassRole"))
    entry = next(e for e in m.who_can("s3:PutObject").principals if e.arn == runner.arn)
    assert [s["action"] for s in entry.path] == ["iam:PassRole", "ecs:RunTask"]
