"""Policy variables as AWS substitutes them (IAM User Guide, "IAM policy elements: Variables and
tags"): the request's value; a default with `${key, 'default'}`; nothing matched when the key
has no value; literal text in a policy without "Version": "2012-10-17"; offline, an unknown
value makes the answer conditional, never a guess."""

from __future__ import annotations

from auditor.iam import build_principals
from auditor.model import InlinePolicy, Inventory, User
from tests.builders import ACCT, iam_inventory, iam_role

HOME = "arn:aws:s3:::home/${aws:username}/*"


def user_with(doc: dict):
    u = User(arn=f"arn:aws:iam::{ACCT}:user/alice", name="alice", inline_policies=(InlinePolicy("p", doc),))
    return build_principals(Inventory(account_id=ACCT, users=(u,)))[u.arn]


def role_with(doc: dict):
    r, pols = iam_role("app", doc)
    return build_principals(iam_inventory((r, pols)))[r.arn]


def versioned(resource: str, version: str | None = "2012-10-17") -> dict:
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]}
    return {"Version": version, **doc} if version else doc


def test_the_request_value_is_substituted():
    p = user_with(versioned(HOME))
    ctx = {"aws:username": ("alice",)}
    assert p.decide("s3:GetObject", "arn:aws:s3:::home/alice/notes", ctx).decision == "allowed"
    assert p.decide("s3:GetObject", "arn:aws:s3:::home/bob/notes", ctx).decision == "denied"


def test_an_unknown_value_is_conditional_offline():
    p = user_with(versioned(HOME))
    assert p.decide("s3:GetObject", "arn:aws:s3:::home/alice/notes").decision == "conditional"
    # No value could make it match: still a plain no.
    assert p.decide("s3:GetObject", "arn:aws:s3:::other/alice").decision == "denied"


def test_a_default_stands_in_for_a_missing_tag():
    p = role_with(versioned("arn:aws:s3:::teams/${aws:PrincipalTag/team, 'shared'}/*"))
    absent = {"aws:principaltag/team": ()}
    assert p.decide("s3:GetObject", "arn:aws:s3:::teams/shared/x", absent).decision == "allowed"
    assert p.decide("s3:GetObject", "arn:aws:s3:::teams/red/x", absent).decision == "denied"
    red = {"aws:principaltag/team": ("red",)}
    assert p.decide("s3:GetObject", "arn:aws:s3:::teams/red/x", red).decision == "allowed"


def test_a_value_with_wildcard_characters_is_not_a_wildcard():
    p = user_with(versioned(HOME))
    star = {"aws:username": ("*",)}
    assert p.decide("s3:GetObject", "arn:aws:s3:::home/bob/x", star).decision == "denied"
    assert p.decide("s3:GetObject", "arn:aws:s3:::home/*/x", star).decision == "allowed"


def test_without_version_2012_10_17_the_text_is_literal():
    for version in (None, "2008-10-17"):
        p = user_with(versioned(HOME, version))
        assert p.decide("s3:GetObject", "arn:aws:s3:::home/alice/x",
                        {"aws:username": ("alice",)}).decision == "denied"
        assert p.decide("s3:GetObject", "arn:aws:s3:::home/${aws:username}/x").decision == "allowed"
