"""Condition operators with a supplied request context, as the IAM User Guide defines them
("IAM JSON policy elements: Condition operators" and "Set operators for multivalued context
keys"). A key in the context with no values stands for a key the request does not have."""

from __future__ import annotations

import pytest

from auditor.iam.evaluate import condition_holds


def holds(op, key, wanted, context):
    return condition_holds({op: {key.lower(): tuple(wanted)}},
                           {k.lower(): tuple(v) for k, v in context.items()})


@pytest.mark.parametrize("op, absent", [
    ("ForAllValues:StringLike", True),       # vacuously true when the key is missing
    ("ForAnyValue:StringLike", False),       # no value can match
    ("ForAnyValue:StringNotLike", False),    # negated or not
    ("StringEquals", False),
    ("StringNotEquals", True),               # e.g. Deny unless aws:PrincipalOrgID equals o-x
    ("StringEqualsIfExists", True),
])
def test_a_missing_key(op, absent):
    assert holds(op, "aws:TagKeys", ["team"], {"aws:TagKeys": []}) is absent


def test_an_unknown_key_is_unknown_not_false():
    assert holds("StringEquals", "aws:PrincipalTag/team", ["red"], {}) is None


def test_several_values_of_one_key_are_ored():
    assert holds("StringEquals", "aws:RequestedRegion", ["eu-west-1", "us-east-1"],
                 {"aws:RequestedRegion": ["us-east-1"]}) is True
    assert holds("StringNotEquals", "aws:RequestedRegion", ["eu-west-1", "us-east-1"],
                 {"aws:RequestedRegion": ["us-east-1"]}) is False


def test_for_all_values_needs_every_request_value_to_match():
    ctx = {"aws:TagKeys": ["team", "cost-center"]}
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["team", "cost-center", "env"], ctx) is True
    assert holds("ForAllValues:StringEquals", "aws:TagKeys", ["team"], ctx) is False
    assert holds("ForAnyValue:StringEquals", "aws:TagKeys", ["team"], ctx) is True


@pytest.mark.parametrize("when, holds_", [
    ("2026-12-01T12:00:00Z", True), ("2026-12-01T13:00:00+02:00", False),   # 11:00Z
    ("2026-12-01T12:00:00.250Z", True), ("1796126400", True),               # epoch 2026-12-01T12:00Z
    ("2026-11-30T23:59:59Z", False),
])
def test_dates_compare_as_instants_in_any_offset_or_epoch_seconds(when, holds_):
    assert holds("DateGreaterThanEquals", "aws:CurrentTime", ["2026-12-01T11:30:00Z"],
                 {"aws:CurrentTime": [when]}) is holds_


def test_ip_addresses_cidr_and_ipv6():
    assert holds("IpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": ["203.0.113.9"]})
    assert holds("IpAddress", "aws:SourceIp", ["2001:db8::/32"], {"aws:SourceIp": ["2001:db8::1"]})
    assert holds("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": ["198.51.100.1"]})


def test_arn_like_matches_each_part_on_its_own():
    ctx = {"aws:SourceArn": ["arn:aws:ecs:us-east-1:111122223333:task/c/abc"]}
    assert holds("ArnLike", "aws:SourceArn", ["arn:aws:ecs:*:111122223333:*"], ctx) is True
    # A wildcard in the service part does not swallow the region and account.
    assert holds("ArnLike", "aws:SourceArn", ["arn:aws:*:111122223333:task/*"], ctx) is False
    assert holds("ArnLike", "aws:SourceArn", ["*"], ctx) is True
    assert holds("ArnLike", "aws:SourceArn", ["arn:aws:ecs:*"], ctx) is True


def test_unknown_operators_and_unparsable_values_are_unknown():
    assert holds("StringSomething", "aws:x", ["a"], {"aws:x": ["a"]}) is None
    assert holds("NumericLessThan", "s3:max-keys", ["10"], {"s3:max-keys": ["ten"]}) is None
    assert holds("Bool", "aws:SecureTransport", ["true"], {"aws:SecureTransport": ["TRUE"]}) is True
