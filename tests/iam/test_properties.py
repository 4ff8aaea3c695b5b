"""Property tests: the parser never crashes on arbitrary JSON; expansion agrees with matching."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.iam.catalogue import action_matches, catalogue
from auditor.iam.policy import PolicyError, parse_policy

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["Version", "Statement", "Effect", "Action", "NotAction", "Resource",
                         "NotResource", "Principal", "Condition", "Sid", "x"]) | st.text(max_size=8),
        children, max_size=6),
    max_leaves=25)


@given(json_values)
@settings(max_examples=400, deadline=None)
def test_parser_raises_its_own_error_or_parses(value):
    for kind in ("identity", "trust"):
        try:
            parse_policy(value, "fuzz", kind)
        except PolicyError as e:
            assert str(e).startswith("fuzz:")


SERVICES = ["s3", "iam", "ecs", "sqs", "sns", "ec2", "kms", "lambda"]
pattern_parts = st.text(alphabet="abcdegilnoprstuvy*?", min_size=1, max_size=8)


@given(st.sampled_from(SERVICES + ["s?s", "*", "e?2", "*3"]), pattern_parts)
@settings(max_examples=200, deadline=None)
def test_expanding_a_pattern_agrees_with_matching_it(svc, action):
    cat = catalogue()
    pattern = f"{svc}:{action}"
    expanded = cat.expand(pattern)
    sample = [a for s in SERVICES for a in sorted(cat.by_service[s])[:60]]
    for a in sample:
        assert (a in expanded) == action_matches(pattern, a), (pattern, a)
