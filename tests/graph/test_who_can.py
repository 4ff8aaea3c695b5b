"""who-can without a resource means "on some resource" (not the literal ARN "*"), and says on
which resource patterns; with a resource it is decided for that resource."""

from __future__ import annotations

from auditor.graph import AccessModel
from tests.builders import ACCT, allow, inventory, role

NAMED = [f"arn:aws:iam::{ACCT}:role/app-*", f"arn:aws:iam::{ACCT}:role/batch"]


def test_a_principal_scoped_to_named_roles_is_listed_with_its_patterns():
    scoped = role("deployer", allow("iam:PassRole", NAMED))
    other = role("reader", allow("s3:GetObject", "arn:aws:s3:::b/*"))
    m = AccessModel(inventory(roles=[scoped, other]))
    answer = m.who_can("iam:PassRole")
    [entry] = [e for e in answer.principals if e.arn == scoped.arn]
    assert entry.decision == "allowed" and entry.resources == tuple(NAMED)
    assert other.arn not in {e.arn for e in answer.principals}
    # For one resource it is that resource's answer.
    inside = m.who_can("iam:PassRole", f"arn:aws:iam::{ACCT}:role/app-web")
    assert scoped.arn in {e.arn for e in inside.principals}
    outside = m.who_can("iam:PassRole", f"arn:aws:iam::{ACCT}:role/admin")
    assert scoped.arn not in {e.arn for e in outside.principals}


def test_a_condition_makes_it_conditional_on_some_resource():
    cond = role("c", allow("sqs:SendMessage", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    [entry] = [e for e in AccessModel(inventory(roles=[cond])).who_can("sqs:SendMessage").principals
               if e.arn == cond.arn]
    assert entry.decision == "conditional" and entry.resources == ("*",)


def test_a_data_perimeter_deny_leaves_the_bucket_it_spares():
    # Allow s3:* everywhere, deny it on everything but one bucket (IAM User Guide, NotResource):
    # for that bucket the answer is yes, not "nobody".
    r = role("app", allow("s3:*"), {"Effect": "Deny", "Action": "s3:*",
                                    "NotResource": ["arn:aws:s3:::kept", "arn:aws:s3:::kept/*"]})
    m = AccessModel(inventory(roles=[r]))
    assert r.arn in {e.arn for e in m.who_can("s3:GetObject", "arn:aws:s3:::kept/report").principals}
    assert r.arn not in {e.arn for e in m.who_can("s3:GetObject", "arn:aws:s3:::other/x").principals}
    assert r.arn in {e.arn for e in m.who_can("s3:GetObject").principals}
    [row] = [g for g in m.what_can(r.arn).permissions if g.action == "s3:getobject"]
    assert row.decision == "allowed"


def test_what_can_shows_a_boundary_limiting_resources_not_only_actions():
    # IAM User Guide, "Permissions boundaries for IAM entities": effective permissions are the
    # intersection, so dynamodb:PutItem is on the one table the boundary allows, not on "*".
    from dataclasses import replace

    from auditor.model import ManagedPolicy
    from tests.builders import policy

    table = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/orders"
    b = ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/b", name="b", default_version_id="v1",
                      document=policy(allow("dynamodb:PutItem", table)))
    r = replace(role("app", allow("dynamodb:*")), permissions_boundary_arn=b.arn)
    m = AccessModel(inventory(roles=[r], managed_policies=(b,)))
    rows = {(x.action, x.resource) for x in m.what_can(r.arn).permissions}
    assert rows == {("dynamodb:putitem", table)}
