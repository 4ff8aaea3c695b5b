"""Wildcards in linear time: the matcher agrees with the plain meaning of `*` and `?`, and a policy
written to make a backtracking matcher hang is decided at once (IAM User Guide, "IAM JSON policy
elements: Action" and "Resource": `*` matches any run of characters, `?` any one)."""

from __future__ import annotations

import re
import time

from hypothesis import given
from hypothesis import strategies as st

from auditor.iam.catalogue import action_matches, catalogue
from auditor.iam.evaluate import resource_matches
from auditor.iam.glob import action_glob, resource_glob

ALPHABET = "ab:/*?"


def reference(pattern: str, text: str) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.DOTALL) is not None


@given(st.text(ALPHABET, max_size=8), st.text("ab:/", max_size=10))
def test_the_matcher_agrees_with_the_meaning_of_star_and_question_mark(pattern, text):
    assert action_glob(pattern).fullmatch(text) == reference(pattern, text)
    assert resource_glob(pattern).fullmatch(text) == reference(pattern, text)


def test_policy_variable_escapes_are_literal():
    assert resource_matches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*")
    assert not resource_matches("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x")
    assert resource_matches("arn:aws:s3:::b/${?}x", "arn:aws:s3:::b/?x")


def test_hostile_patterns_are_decided_at_once():
    evil = "ec2:" + "*?" * 30 + "z"
    started = time.perf_counter()
    assert catalogue().expand(evil) == frozenset()  # no ec2 action ends in z... and no hang
    assert not action_matches(evil, "ec2:" + "a" * 200)
    assert not resource_matches("arn:*a*a*a*a*a*a*a*a*a*a*a*a*b", "arn:" + "a" * 300)
    # A hang-guard, not a benchmark: a backtracking matcher takes minutes here.
    assert time.perf_counter() - started < 2


def test_whitespace_and_case_are_read_alike_by_matching_and_expansion():
    assert catalogue().expand(" S3:GetObject ") == {"s3:getobject"}
    assert action_matches(" S3:Get* ", "s3:getobject")
