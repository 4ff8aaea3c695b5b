"""Classification across all of a role's policies together."""

from __future__ import annotations

from auditor.iam import build_principals, classify
from auditor.iam.trust import trustees
from tests.builders import iam_inventory, iam_role, managed, policy, stmt


def classified(*docs, boundary=None, managed_policies=()):
    r, pols = iam_role("r", *docs, boundary=boundary, managed=managed_policies)
    return classify(build_principals(iam_inventory((r, pols)))[r.arn])


def test_admin_by_star_and_by_notaction():
    assert classified(policy(stmt(action="*"))).admin
    assert classified(policy(stmt(action="*:*"))).admin
    assert classified(policy(stmt(NotAction="iam:*"))).admin
    assert not classified(policy(stmt(action="s3:*"))).admin


def test_admin_cut_by_boundary_or_deny_is_not_admin():
    assert not classified(policy(stmt(action="*")),
                          boundary=managed("b", policy(stmt(action="s3:*")))).admin
    assert not classified(policy(stmt(action="*"), stmt("Deny", "iam:*"))).admin


def test_admin_under_condition_is_conditional():
    c = classified(policy(stmt(action="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    assert c.admin and c.admin["conditional"] is True


def test_service_wildcard_by_star_and_by_full_pattern():
    assert set(classified(policy(stmt(action="s3:*"))).service_wildcards) == {"s3"}
    assert "sqs" in classified(policy(stmt(action="s?s:*"))).service_wildcards
    assert classified(policy(stmt(action=["s3:Get*", "s3:List*"]))).service_wildcards == {}


def test_escalation_method_split_across_two_policies_is_found():
    c = classified(policy(stmt(action="iam:PassRole")),
                   policy(stmt(action=["lambda:CreateFunction", "lambda:InvokeFunction"])))
    assert "PassExistingRoleToNewLambdaThenInvoke" in {e["method"] for e in c.escalation}
    partial = classified(policy(stmt(action=["lambda:CreateFunction", "lambda:InvokeFunction"])))
    assert partial.escalation == []


def test_single_action_escalation():
    c = classified(policy(stmt(action="iam:CreatePolicyVersion",
                            resource="arn:aws:iam::111122223333:policy/*")))
    assert [e["method"] for e in c.escalation] == ["CreateNewPolicyVersion"]


def test_data_read_only_on_all_resources():
    assert "s3:getobject" in classified(policy(stmt(action="s3:GetObject"))).data_read_on_all
    assert classified(policy(stmt(action="s3:GetObject",
                               resource="arn:aws:s3:::b/*"))).data_read_on_all == {}


def test_permissions_management_and_scoped_writes_on_all():
    c = classified(policy(stmt(action=["s3:PutBucketPolicy", "s3:PutObject", "ec2:CreateVpc"])))
    assert "s3:putbucketpolicy" in c.permissions_management_on_all
    assert "s3:putobject" in c.write_on_all
    # ec2:CreateVpc can be scoped (vpc resource type), so it counts; an action that only
    # accepts "*" does not.
    c2 = classified(policy(stmt(action="ecr:GetAuthorizationToken")))
    assert c2.write_on_all == {}


def test_unknown_actions_have_nearest_names():
    c = classified(policy(stmt(action=["s3:GetObjekt", "codestar:CreateProject", "s3:Get*"])))
    unknown = {u["action"]: u["nearest"] for u in c.unknown_actions}
    assert set(unknown) == {"s3:GetObjekt", "codestar:CreateProject"}
    assert "s3:GetObject" in unknown["s3:GetObjekt"]


def test_credentials_assume_role_counts_only_on_star():
    assert "sts:assumerole" in classified(policy(stmt(action="sts:AssumeRole"))).credentials
    scoped = classified(policy(stmt(action="sts:AssumeRole", resource="arn:aws:iam::1:role/x")))
    assert "sts:assumerole" not in scoped.credentials


def test_trust_guards_are_found_in_any_operator_form():
    for op, key in (("StringEquals", "aws:SourceAccount"), ("ArnLike", "aws:SourceArn"),
                    ("ArnEquals", "AWS:SOURCEARN"), ("StringLike", "aws:SourceAccount")):
        items, err = trustees(policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                                   "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                   "Condition": {op: {key: "x"}}}), "t")
        assert err is None and items[0].guards, (op, key)
    items, _ = trustees(policy({"Effect": "Allow", "Action": "sts:AssumeRole",
                             "Principal": {"AWS": ["arn:aws:iam::999988887777:root", "*"]}}), "t")
    assert [(t.kind, t.account) for t in items] == [("aws", "999988887777"), ("any", None)]


def test_every_action_named_in_the_knowledge_tables_is_in_the_catalogue():
    # The docstring of auditor.iam.knowledge promises it: a typo would silently weaken a rule.
    from auditor.facts import role_needs
    from auditor.iam import knowledge
    from auditor.iam.catalogue import catalogue

    names = [a for m in knowledge.ESCALATION_METHODS.values() for a in m]
    names += [*knowledge.DATA_READ_ACTIONS, *knowledge.CREDENTIAL_ACTIONS,
              *knowledge.CREDENTIAL_ACTIONS_ON_ALL, *role_needs.ECR_PULL_ACTIONS,
              *role_needs.LOGS_ACTIONS, *role_needs.ECS_AGENT_ACTIONS, *role_needs.SSM_AGENT_ACTIONS,
              *role_needs.EXECUTION_SECRET_ACTIONS]
    unknown = sorted(a for a in names if not catalogue().expand(a))
    assert not unknown, unknown
