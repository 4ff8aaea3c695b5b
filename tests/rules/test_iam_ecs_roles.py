"""Rules I201–I210 (auditor.rules.iam_ecs_roles): each fires, and its near misses stay quiet."""

from __future__ import annotations

from dataclasses import replace

from auditor.model import ContainerDefinition, EfsVolume, FileSystem, Volume
from tests.builders import (
    ACCT,
    EC2_TRUST,
    ECR_IMAGE,
    LOGS,
    R,
    allow,
    fargate_app,
    fires,
    host,
    inventory,
    role,
    service,
    task_def,
)

SECRET = f"arn:aws:secretsmanager:{R}:{ACCT}:secret:db-AbCdEf"


EXEC_POLICY = allow(["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                     "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream",
                     "logs:PutLogEvents"])


def test_i201_missing_execution_role_and_near_miss():
    [f] = fires(fargate_app(), "I201")
    assert any("private ECR image" in r for r in f.evidence["reasons"])
    assert fires(fargate_app(execution_role=role("exec", EXEC_POLICY)), "I201") == []
    # On EC2 the instance role can pull and ship logs: no execution role needed for those.
    td = task_def("app", containers=(ContainerDefinition(name="app", image=ECR_IMAGE,
                                                         log_configuration=LOGS),))
    assert fires(inventory(tds=[td], services=[service("app", td)]), "I201") == []


def test_i202_missing_secret_permission_and_near_miss():
    ex = role("exec", EXEC_POLICY)
    [f] = fires(fargate_app(execution_role=ex, secrets=[("DB", SECRET + ":password::")]), "I202")
    assert f.evidence["missing"] == [{"action": "secretsmanager:getsecretvalue", "resource": SECRET,
                                      "why": "inject a secret into container app"}]
    ok = role("exec", EXEC_POLICY, allow("secretsmanager:GetSecretValue", SECRET))
    assert fires(fargate_app(execution_role=ok, secrets=[("DB", SECRET)]), "I202") == []


def test_i203_excess_and_exact_near_miss():
    [f] = fires(fargate_app(execution_role=role("exec", EXEC_POLICY, allow("s3:*"))), "I203")
    assert list(f.evidence["excess_by_service"]) == ["s3"] and f.evidence["excess_count"] > 100
    [f] = fires(fargate_app(execution_role=role("exec", EXEC_POLICY,
                                                allow("secretsmanager:GetSecretValue")),
                            secrets=[("DB", SECRET)]), "I203")
    assert f.evidence["secret_reads_on_all_resources"] == ["secretsmanager:getsecretvalue"]
    exact = role("exec", EXEC_POLICY, allow("secretsmanager:GetSecretValue", SECRET))
    assert fires(fargate_app(execution_role=exact, secrets=[("DB", SECRET)]), "I203") == []


def test_i204_task_role_reads_injected_secret_and_near_miss():
    ex = role("exec", EXEC_POLICY, allow("secretsmanager:GetSecretValue", SECRET))
    greedy = role("task", allow("secretsmanager:GetSecretValue", SECRET))
    assert len(fires(fargate_app(ex, greedy, secrets=[("DB", SECRET)]), "I204")) == 1
    modest = role("task", allow("sqs:SendMessage", f"arn:aws:sqs:{R}:{ACCT}:q"))
    assert fires(fargate_app(ex, modest, secrets=[("DB", SECRET)]), "I204") == []


def test_i205_same_role_and_near_miss():
    r = role("both", EXEC_POLICY)
    assert len(fires(fargate_app(execution_role=r, task_role=r), "I205")) == 1
    assert fires(fargate_app(execution_role=r, task_role=role("task")), "I205") == []


def test_i206_trust_missing_and_near_miss():
    lam = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "lambda.amazonaws.com"}}]}
    [f] = fires(fargate_app(task_role=role("task", trust=lam)), "I206")
    assert f.evidence["expected_principal"] == "ecs-tasks.amazonaws.com"
    assert fires(fargate_app(task_role=role("task")), "I206") == []
    # An instance role must trust EC2 instead.
    inst = role("inst", trust=EC2_TRUST)
    td = task_def("app", network_mode="bridge")
    inv = inventory(roles=[inst], tds=[td], services=[service("app", td)], hosts=[host(1, inst)])
    assert fires(inv, "I206") == []


def test_i207_confused_deputy_and_condition_forms():
    open_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    assert len(fires(fargate_app(task_role=role("t", trust=open_trust)), "I207")) == 1
    for cond in ({"ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{R}:{ACCT}:*"}},
                 {"StringEquals": {"aws:SourceAccount": ACCT}},
                 {"ForAnyValue:StringLike": {"AWS:SourceArn": ["arn:aws:ecs:*"]}}):
        guarded = {"Version": "2012-10-17", "Statement": [{**open_trust["Statement"][0],
                                                           "Condition": cond}]}
        assert fires(fargate_app(task_role=role("t", trust=guarded)), "I207") == [], cond


def test_i208_trust_too_broad_and_external_id_near_miss():
    other = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"Service": "ecs-tasks.amazonaws.com"}},
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": "arn:aws:iam::999988887777:root"}}]}
    [f] = fires(fargate_app(task_role=role("t", trust=other)), "I208")
    assert f.evidence["trust"][0]["principal"] == "arn:aws:iam::999988887777:root"
    other["Statement"][1]["Condition"] = {"StringEquals": {"sts:ExternalId": "x"}}
    assert fires(fargate_app(task_role=role("t", trust=other)), "I208") == []


def test_i209_instance_role_excess_and_agent_only_near_miss():
    agent = allow(["ecs:CreateCluster", "ecs:RegisterContainerInstance", "ecs:Poll", "ecs:Submit*",
                   "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "logs:PutLogEvents"])
    td = task_def("app", network_mode="bridge")

    def inv(instance_role):
        return inventory(roles=[instance_role], tds=[td], services=[service("app", td)],
                         hosts=[host(1, instance_role)])
    [f] = fires(inv(role("inst", agent, allow("s3:*"), trust=EC2_TRUST)), "I209")
    assert list(f.evidence["excess_by_service"]) == ["s3"]
    assert fires(inv(role("inst", agent, trust=EC2_TRUST)), "I209") == []


def efs_inv(task_role, policy, policy_status="present", read_only=False):
    fs = FileSystem(file_system_id="fs-1", arn=f"arn:aws:elasticfilesystem:{R}:{ACCT}:file-system/fs-1",
                    region=R, encrypted=True, policy=policy, policy_status=policy_status)
    c = ContainerDefinition(name="app", image="x@sha256:1",
                            mount_points=({"sourceVolume": "data", "containerPath": "/d",
                                           "readOnly": read_only},))
    td = task_def("app", task_role=task_role, compat=("FARGATE",), containers=(c,),
                  volumes=(Volume("data", efs=EfsVolume("fs-1", transit_encryption="ENABLED",
                                                        iam="ENABLED")),))
    return inventory(roles=[task_role], tds=[td], services=[service("app", td, "FARGATE")],
                     file_systems=(fs,))


def test_i210_efs_iam_missing_and_near_misses():
    other_policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/other"},
        "Action": "elasticfilesystem:*", "Resource": "*"}]}
    [f] = fires(efs_inv(role("t"), other_policy), "I210")
    assert f.evidence["missing"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    by_identity = role("t", allow(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]))
    assert fires(efs_inv(by_identity, other_policy), "I210") == []
    mount_only = role("t", allow("elasticfilesystem:ClientMount"))
    assert fires(efs_inv(mount_only, other_policy, read_only=True), "I210") == []
    by_policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/t"},
        "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    assert fires(efs_inv(role("t"), by_policy), "I210") == []
    # No policy at all: EFS's default lets every client in (F109's business, not I210's).
    assert fires(efs_inv(role("t"), None, policy_status="none"), "I210") == []


def test_bad_policy_becomes_a_coverage_gap_and_the_audit_goes_on():
    from auditor.audit import audit
    bad = replace(role("t", allow("s3:GetObject")), inline_policies=(
        *role("t", allow("s3:GetObject")).inline_policies,
        replace(role("t", allow("x")).inline_policies[0], name="broken", document="{not json")))
    inv = fargate_app(task_role=bad)
    result = audit(inv)
    gaps = [g for g in result.coverage if g.operation == "ParsePolicy"]
    assert len(gaps) == 1 and "broken" in gaps[0].message and "I101" in gaps[0].affects
    assert result.model.principals[bad.arn].decide("s3:GetObject").decision == "allowed"
