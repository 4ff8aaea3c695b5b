"""Rules I101–I110 (auditor.rules.iam_permissions): each fires, and its near misses stay quiet."""

from __future__ import annotations

from dataclasses import replace

import pytest

from auditor.iam.escalation_methods import METHODS
from auditor.model import ManagedPolicy
from tests.builders import EC2_TRUST, allow, fires, host, inventory, role, service, task_def


def on_task_role(*statements, launch="FARGATE", exposed=False, trust=None, managed=()):
    r = role("app", *statements, **({"trust": trust} if trust else {}))
    if managed:
        r = replace(r, attached_policy_arns=tuple(m.arn for m in managed))
    td = task_def("app", task_role=r, compat=(launch,))
    svc = service("app", td, launch, assign_public_ip="ENABLED" if exposed else "DISABLED")
    return inventory(roles=[r], tds=[td], services=[svc], managed_policies=tuple(managed))


def test_i101_admin_fires_and_escalates_when_exposed():
    [f] = fires(on_task_role(allow("*")), "I101")
    assert f.severity == "critical" and f.evidence["role_kind"] == "task"
    [f] = fires(on_task_role(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
                "I101")
    assert f.severity == "high"  # conditional: one level lower
    [f] = fires(on_task_role(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                             exposed=True), "I101")
    assert f.severity == "critical" and "public IP" in f.evidence["severity_raised"]["because"]


def test_i101_administrator_access_by_managed_policy():
    admin = ManagedPolicy(arn="arn:aws:iam::aws:policy/AdministratorAccess", name="AdministratorAccess",
                          document={"Version": "2012-10-17", "Statement": [
                              {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    assert len(fires(on_task_role(managed=(admin,)), "I101")) == 1


def test_i101_near_miss_service_admin_is_not_admin():
    assert fires(on_task_role(allow("s3:*")), "I101") == []


def test_i102_service_wildcard_and_near_miss():
    [f] = fires(on_task_role(allow("dynamodb:*")), "I102")
    assert f.evidence["services"] == ["dynamodb"]
    assert fires(on_task_role(allow(["dynamodb:GetItem", "dynamodb:PutItem"])), "I102") == []
    assert fires(on_task_role(allow("*")), "I102") == []  # admin is I101's


def test_i103_escalation_and_near_miss():
    [f] = fires(on_task_role(allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"])),
                "I103")
    assert "PassExistingRoleToNewEcsTaskRunTask" in f.evidence["methods"]
    assert fires(on_task_role(allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"])), "I103") == []


def test_i104_data_read_on_all_and_scoped_near_miss():
    [f] = fires(on_task_role(allow(["s3:GetObject", "kms:Decrypt"])), "I104")
    assert set(f.evidence["actions"]) == {"s3:GetObject", "kms:Decrypt"}
    assert fires(on_task_role(allow("s3:GetObject", "arn:aws:s3:::b/*")), "I104") == []


def test_i104_skips_secret_reads_on_execution_role():
    ex = role("exec", allow(["secretsmanager:GetSecretValue", "ecr:GetAuthorizationToken"]))
    td = task_def("app", execution_role=ex, compat=("FARGATE",))
    inv = inventory(roles=[ex], tds=[td], services=[service("app", td, "FARGATE")])
    assert fires(inv, "I104") == []


def test_i105_permissions_management_and_near_miss():
    [f] = fires(on_task_role(allow("s3:PutBucketPolicy")), "I105")
    assert f.evidence["actions"] == ["s3:PutBucketPolicy"]
    assert fires(on_task_role(allow("s3:PutBucketPolicy", "arn:aws:s3:::mine")), "I105") == []


def test_i106_scoped_writes_and_unscopable_near_miss():
    [f] = fires(on_task_role(allow(["dynamodb:PutItem", "dynamodb:DeleteItem"])), "I106")
    assert f.evidence["count"] == 2
    # xray:PutTraceSegments only accepts "*" (no resource type in the catalogue): not counted.
    assert fires(on_task_role(allow("xray:PutTraceSegments")), "I106") == []


def test_i106_evidence_lists_iam_passrole_first_among_hundreds_of_writes():
    # ec2:* and s3:* are hundreds of write actions that can be scoped; the one a reviewer must
    # see is iam:PassRole, which alphabetical order would push past the first 50.
    [f] = fires(on_task_role(allow(["ec2:*", "s3:*", "iam:PassRole"])), "I106")
    shown = f.evidence["actions"]
    assert f.evidence["count"] > 300 and len(shown) == 50
    # PassRole, then what completes an escalation with it, then ordinary writes by name.
    from auditor.iam.escalation_methods import ESCALATION_METHODS

    parts = {a for m in ESCALATION_METHODS.values() for a in m}
    assert shown[0] == "iam:PassRole" and "ec2:RunInstances" in shown
    tier2 = [a for a in shown[1:] if a in parts]
    assert shown[1:1 + len(tier2)] == tier2 == sorted(tier2)  # escalation parts next, by name
    rest = shown[1 + len(tier2):]
    assert rest == sorted(rest)


def test_i107_credentials_and_ecr_token_on_execution_role_near_miss():
    [f] = fires(on_task_role(allow("iam:CreateAccessKey")), "I107")
    assert f.evidence["actions"] == ["iam:CreateAccessKey"]
    assert len(fires(on_task_role(allow("ecr:GetAuthorizationToken")), "I107")) == 1
    ex = role("exec", allow("ecr:GetAuthorizationToken"))
    td = task_def("app", execution_role=ex, compat=("FARGATE",))
    inv = inventory(roles=[ex], tds=[td], services=[service("app", td, "FARGATE")])
    assert fires(inv, "I107") == []


def test_i110_unknown_action_and_near_miss():
    [f] = fires(on_task_role(allow("s3:GetObjekt", "arn:aws:s3:::b/*")), "I110")
    assert f.evidence["unknown"][0]["nearest"][0] == "s3:GetObject"
    assert fires(on_task_role(allow("s3:GetObject", "arn:aws:s3:::b/*")), "I110") == []


def test_role_rules_report_one_finding_per_kind():
    both = role("both", allow("dynamodb:*"))
    inst = role("inst", allow("dynamodb:*"), trust=EC2_TRUST)
    td = task_def("app", network_mode="bridge", task_role=both, execution_role=both)
    inv = inventory(roles=[both, inst], tds=[td], services=[service("app", td)],
                    hosts=[host(1, inst, "optional", 2)])
    kinds = sorted((f.resource_arn.rsplit("/", 1)[-1], f.evidence["role_kind"])
                   for f in fires(inv, "I102"))
    assert kinds == [("both", "execution"), ("both", "task"), ("inst", "instance")]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.id)
def test_i103_each_declared_method_and_its_near_misses(method):
    """Every method of auditor/iam/escalation_methods.py: its permissions make I103 name it, with
    its sources; without any one of them it is not named."""
    [f] = fires(on_task_role(allow(list(method.actions))), "I103")
    detail = next(d for d in f.evidence["method_details"] if d["method"] == method.id)
    assert detail["sources"] == list(method.sources) and detail["certain"] == method.certain
    for missing in method.actions:
        rest = [a for a in method.actions if a != missing]
        hits = fires(on_task_role(allow(rest)), "I103") if rest else []
        assert all(method.id not in h.evidence["methods"] for h in hits), missing


def test_i103_a_method_that_needs_an_existing_resource_is_one_level_lower():
    [f] = fires(on_task_role(allow("ssm:StartSession")), "I103")
    assert f.severity == "medium" and f.evidence["methods"] == ["SsmStartSession"]


def test_i107_assume_role_on_roles_of_any_account():
    """sts:AssumeRole on arn:aws:iam::*:role/deploy-* reaches roles of every account that trusts it."""
    [f] = fires(on_task_role(allow("sts:AssumeRole", "arn:aws:iam::*:role/deploy-*")), "I107")
    assert "sts:AssumeRole" in str(f.evidence)
    assert fires(on_task_role(allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/deploy-*")),
                 "I107") == []
