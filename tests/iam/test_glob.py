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


@given(st.lists(st.lists(st.text("ab*?", max_size=4), min_size=1, max_size=2), min_size=1, max_size=3),
       st.lists(st.text("ab*", max_size=4), max_size=2))
def test_overlap_search_agrees_with_trying_every_short_string(groups, minus):
    # overlap_exists (a boundary meeting what a deny leaves of an allow) against brute force
    # over every string of up to 6 characters from the patterns' alphabet plus one other.
    import itertools

    from auditor.iam.glob import overlap_exists

    def some(text):
        return all(any(reference(p, text) for p in g) for g in groups) and \
            not any(reference(p, text) for p in minus)

    found = any(some("".join(t)) for n in range(7) for t in itertools.product("abz", repeat=n))
    if found:  # a witness this short exists: the search must find one
        assert overlap_exists([tuple(g) for g in groups], tuple(minus))
    elif not minus and sum(len(p.replace("*", "")) for g in groups for p in g) <= 6:
        # A common string, if any, need be no longer than all the fixed parts together.
        assert not overlap_exists([tuple(g) for g in groups], ())


def test_overlap_search_with_hostile_patterns_is_decided_at_once():
    from auditor.iam.glob import overlap_exists

    hostile = "arn:aws:s3:::" + "*?" * 12 + "z"
    t = time.perf_counter()
    overlap_exists([(hostile,), ("arn:aws:s3:::*",)], ("arn:aws:s3:::" + "*?" * 12 + "y",))
    assert time.perf_counter() - t < 1.0
