"""Rules I301–I304 (auditor.rules.iam_reach): each fires, and its near misses stay quiet."""

from __future__ import annotations

from tests.builders import (
    EC2_TRUST,
    allow,
    fargate_app,
    fires,
    host,
    inventory,
    role,
    service,
    task_def,
    user,
)

INSTANCE = role("inst", allow("s3:*"), trust=EC2_TRUST)


def ec2_app(mode, tokens, hops, task_role=None, exposed=False):
    td = task_def("app", network_mode=mode, task_role=task_role)
    svc = service("app", td, assign_public_ip="ENABLED" if exposed else None)
    return inventory(roles=[INSTANCE] + ([task_role] if task_role else []), tds=[td], services=[svc],
                     hosts=[host(1, INSTANCE, tokens, hops)])


def test_i301_imds_and_the_hop_limit_near_miss():
    [f] = fires(ec2_app("bridge", "required", 2, role("t")), "I301")
    assert f.evidence["instance_role"] == INSTANCE.arn and f.evidence["instances"] == ["i-0001"]
    assert fires(ec2_app("bridge", "required", 1, role("t")), "I301") == []
    [f] = fires(ec2_app("bridge", "optional", 1, role("t"), exposed=True), "I301")
    assert f.severity == "critical"  # raised: the service has a public IP


def test_i302_no_task_role_on_ec2_and_near_miss():
    [f] = fires(ec2_app("bridge", "optional", 1), "I302")
    assert f.evidence["instance_roles"] == [INSTANCE.arn]
    assert fires(ec2_app("bridge", "optional", 1, role("t")), "I302") == []
    assert fires(fargate_app(), "I302") == []


def test_i303_exec_enabled_lists_principals_and_near_miss():
    td = task_def("app", task_role=role("t"))
    ops = user("ops", allow("ecs:ExecuteCommand"))
    inv = inventory(roles=[role("t")], users=[ops], tds=[td],
                    services=[service("app", td, enable_execute_command=True)])
    [f] = fires(inv, "I303")
    assert f.evidence["principals"] == [{"arn": ops.arn, "decision": "allowed"}]
    inv2 = inventory(roles=[role("t")], tds=[td], services=[service("app", td)])
    assert fires(inv2, "I303") == []
    # role t has no ssmmessages channel actions: Exec opens no shell, said at low severity
    assert f.severity == "low" and "ssmmessages:CreateControlChannel" in f.evidence["exec_blockers"][0]
    ready = role("t", allow("ssmmessages:*"))
    [f] = fires(inventory(roles=[ready], users=[ops], tds=[td],
                          services=[service("app", td, enable_execute_command=True)]), "I303")
    assert f.severity == "medium" and f.evidence["exec_blockers"] == []


def test_i304_escalation_and_admin_near_miss():
    strong = role("strong", allow("secretsmanager:*"))
    dev = user("dev", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]))
    [f] = fires(inventory(roles=[strong], users=[dev]), "I304")
    assert f.resource_arn == dev.arn and f.evidence["paths"][0]["target_role"] == strong.arn
    admin = user("admin", allow("*"))
    assert fires(inventory(roles=[strong], users=[admin]), "I304") == []


def _chain(trusted: str):
    from tests.builders import policy, user

    admin = role("admin-task", allow("*"))
    deployer = role("deployer", allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]),
                    trust=policy({"Effect": "Allow", "Principal": {"AWS": trusted},
                                  "Action": "sts:AssumeRole"}))
    dev = user("dev", allow("sts:AssumeRole", deployer.arn))
    return inventory(roles=[admin, deployer], users=[dev]), dev, admin


def test_i304_a_path_that_starts_with_assume_role():
    from tests.builders import ACCT

    inv, dev, admin = _chain(f"arn:aws:iam::{ACCT}:root")
    [f] = [f for f in fires(inv, "I304") if f.resource_arn == dev.arn]
    steps = f.evidence["paths"][0]["steps"]
    assert [s["action"] for s in steps] == ["sts:AssumeRole", "iam:PassRole", "ecs:RegisterTaskDefinition",
                                            "ecs:RunTask"]
    assert f.evidence["paths"][0]["target_role"] == admin.arn
    inv, dev, _ = _chain("arn:aws:iam::999988887777:root")  # near miss: trusts another account only
    assert dev.arn not in {f.resource_arn for f in fires(inv, "I304")}


def test_i304_a_new_task_reaches_a_stronger_instance_role_without_passrole():
    from tests.builders import user

    instance = role("ecs-instance", allow("*"), trust=EC2_TRUST)
    ops = user("ops", allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]))
    for endpoint, fired in (("enabled", True), ("disabled", False)):
        inv = inventory(roles=[instance], users=[ops], hosts=[host(1, instance, "required", 1, endpoint)])
        hits = [f for f in fires(inv, "I304") if f.resource_arn == ops.arn]
        assert bool(hits) == fired, endpoint
