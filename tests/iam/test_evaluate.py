"""Table-driven evaluation: (policies, action, resource) -> allowed / conditional / denied."""

from __future__ import annotations

import pytest

from auditor.iam import build_principals
from tests.builders import iam_inventory, iam_role, managed, policy, stmt

BUCKET_KEY = "arn:aws:s3:::data/reports/2026/q1.csv"
ADMIN = managed("admin-like", policy(stmt(action="*")))

CASES = [
    # name, policies (inline docs), boundary, action, resource, context, expected
    ("plain allow", [policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::data/*"))], None,
     "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("action case-insensitive", [policy(stmt(action="S3:getobject", resource="*"))], None,
     "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("resource case-sensitive", [policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::DATA/*"))],
     None, "s3:GetObject", BUCKET_KEY, None, "denied"),
    ("resource * spans '/' and ':'",
     [policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::data*q1.csv"))], None,
     "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("resource ? is one character", [policy(stmt(action="s3:GetObject",
                                              resource="arn:aws:s3:::data/reports/202?/q1.csv"))],
     None, "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("implicit deny", [policy(stmt(action="s3:PutObject"))], None, "s3:GetObject", BUCKET_KEY, None,
     "denied"),
    ("NotAction with Resource *", [policy(stmt(NotAction=["iam:*", "organizations:*"]))], None,
     "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("NotAction excludes", [policy(stmt(NotAction=["iam:*"]))], None, "iam:CreateUser",
     "arn:aws:iam::1:user/x", None, "denied"),
    ("explicit deny wins", [policy(stmt(action="s3:*"), stmt("Deny", "s3:GetObject"))], None,
     "s3:GetObject", BUCKET_KEY, None, "denied"),
    ("deny with NotResource spares the listed one",
     [policy(stmt(action="s3:*"), stmt("Deny", "s3:*", resource=None,
                                    NotResource="arn:aws:s3:::data/*"))], None,
     "s3:GetObject", BUCKET_KEY, None, "allowed"),
    ("deny with NotResource hits the others",
     [policy(stmt(action="s3:*"), stmt("Deny", "s3:*", resource=None,
                                    NotResource="arn:aws:s3:::data/*"))], None,
     "s3:GetObject", "arn:aws:s3:::other/x", None, "denied"),
    ("iam:*Policy* matches PutRolePolicy", [policy(stmt(action="iam:*Policy*"))], None,
     "iam:PutRolePolicy", "arn:aws:iam::1:role/r", None, "allowed"),
    ("iam:*Policy* does not match PassRole", [policy(stmt(action="iam:*Policy*"))], None,
     "iam:PassRole", "arn:aws:iam::1:role/r", None, "denied"),
    ("s?s:* matches sqs", [policy(stmt(action="s?s:*"))], None, "sqs:SendMessage",
     "arn:aws:sqs:us-east-1:1:q", None, "allowed"),
    ("s?s:* does not match s3", [policy(stmt(action="s?s:*"))], None, "s3:GetObject", BUCKET_KEY,
     None, "denied"),
    # IAM User Guide, "Policy variables": aws:username is not in the request of a role session,
    # and a variable with no value matches nothing (tests/iam/test_policy_variables.py has more).
    ("aws:username matches nothing for a role",
     [policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::home/${aws:username}/*"))], None,
     "s3:GetObject", "arn:aws:s3:::home/alice/notes", None, "denied"),
    ("${*} is a literal star",
     [policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::home/${*}/x"))], None,
     "s3:GetObject", "arn:aws:s3:::home/alice/x", None, "denied"),
    ("boundary cuts admin down", [policy(stmt(action="*"))],
     managed("boundary", policy(stmt(action="s3:GetObject"))), "iam:CreateUser",
     "arn:aws:iam::1:user/x", None, "denied"),
    ("boundary keeps what both allow", [policy(stmt(action="*"))],
     managed("boundary", policy(stmt(action="s3:GetObject"))), "s3:GetObject", BUCKET_KEY, None,
     "allowed"),
    ("condition absent from context -> conditional",
     [policy(stmt(action="s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}}))], None,
     "s3:GetObject", BUCKET_KEY, None, "conditional"),
    ("condition satisfied by context",
     [policy(stmt(action="s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}}))], None,
     "s3:GetObject", BUCKET_KEY, {"aws:securetransport": ("true",)}, "allowed"),
    ("condition refuted by context",
     [policy(stmt(action="s3:GetObject", Condition={"Bool": {"aws:SecureTransport": True}}))], None,
     "s3:GetObject", BUCKET_KEY, {"aws:securetransport": ("false",)}, "denied"),
    ("StringLike with ForAnyValue",
     [policy(stmt(action="iam:PassRole", Condition={
         "ForAnyValue:StringLike": {"iam:PassedToService": ["ecs-tasks.*"]}}))], None,
     "iam:PassRole", "arn:aws:iam::1:role/r", {"iam:passedtoservice": ("ecs-tasks.amazonaws.com",)},
     "allowed"),
    ("conditional deny makes an allow conditional",
     [policy(stmt(action="s3:*"), stmt("Deny", "s3:*", Condition={
         "StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))], None,
     "s3:GetObject", BUCKET_KEY, None, "conditional"),
]


@pytest.mark.parametrize("name, docs, boundary, action, resource, context, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_decide(name, docs, boundary, action, resource, context, expected):
    r, pols = iam_role("r", *docs, boundary=boundary)
    p = build_principals(iam_inventory((r, pols)))[r.arn]
    v = p.decide(action, resource, context)
    assert v.decision == expected
    if expected == "allowed":
        assert v.allows and all(s.source.startswith("role r") for s in v.allows)


def test_only_the_default_version_of_a_managed_policy_counts():
    # The collector keeps the default version's document only; an admin v1 that is not the
    # default must not count. Simulate the collector's transform on both versions.
    from auditor.collect.iam_details import transform_policy

    raw = {"Arn": "arn:aws:iam::1:policy/p", "PolicyName": "p", "DefaultVersionId": "v2",
           "PolicyVersionList": [
               {"VersionId": "v1", "IsDefaultVersion": False, "Document": policy(stmt(action="*"))},
               {"VersionId": "v2", "IsDefaultVersion": True,
                "Document": policy(stmt(action="s3:GetObject"))}]}
    mp = transform_policy(raw)
    r, pols = iam_role("r", managed=(mp,))
    p = build_principals(iam_inventory((r, pols)))[r.arn]
    assert p.decide("iam:CreateUser", "*").decision == "denied"
    assert p.decide("s3:GetObject", "*").decision == "allowed"


def test_url_encoded_and_single_statement_documents_parse():
    encoded = ("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A"
               "%22Allow%22%2C%22Action%22%3A%22sqs%3ASendMessage%22%2C%22Resource%22%3A%22%2A%22%7D%7D")
    r, pols = iam_role("r", encoded)
    p = build_principals(iam_inventory((r, pols)))[r.arn]
    assert p.errors == []
    assert p.decide("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q").decision == "allowed"


def test_a_bad_document_is_reported_naming_role_and_policy_and_the_rest_goes_on():
    r, pols = iam_role("r", {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
                   policy(stmt(action="s3:GetObject")))
    p = build_principals(iam_inventory((r, pols)))[r.arn]
    assert len(p.errors) == 1 and "role r inline policy p0" in p.errors[0]
    assert p.decide("s3:GetObject", "*").decision == "allowed"
