"""Property tests: who-can, what-can and the grants table agree with simulate, the one exact
decision, on random policies and requests — Allow and Deny, NotAction and NotResource,
wildcards, conditions, policy variables and permissions boundaries (IAM User Guide, "Policy
evaluation logic": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.graph import AccessModel
from auditor.iam.glob import glob_witness
from auditor.model import ManagedPolicy
from tests.builders import ACCT, iam_role, inventory

# kms:Decrypt acts on keys only, kms:CreateAlias on aliases and keys, s3:ListAllMyBuckets on "*"
# only (Service Authorization Reference): the table must know which patterns govern which.
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "sqs:SendMessage", "iam:PassRole",
           "kms:Decrypt", "kms:CreateAlias", "s3:ListAllMyBuckets"]
ACTION_PATTERNS = ["s3:GetObject", "s3:Put*", "s3:*Object", "s3:*", "sqs:*", "iam:PassRole", "*",
                   "s3:Get?bject", "kms:*"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:s3:::c/*",
                     "arn:aws:s3:::*/k", f"arn:aws:iam::{ACCT}:role/ecs-*",
                     f"arn:aws:sqs:us-east-1:{ACCT}:q", "arn:aws:s3:::b/${aws:username}",
                     "arn:aws:kms:*:*:alias/*"]
CONDITIONS = [None, {"StringEquals": {"aws:PrincipalTag/team": "red"}},
              {"Bool": {"aws:SecureTransport": "true"}}]

statements = st.fixed_dictionaries({
    "Effect": st.sampled_from(["Allow", "Allow", "Deny"]),
    "actions": st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2),
    "not_action": st.booleans(),
    "resources": st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2),
    "not_resource": st.booleans(),
    "condition": st.sampled_from(CONDITIONS),
})


def _doc(raw: list[dict]) -> dict:
    out = []
    for s in raw:
        st_ = {"Effect": s["Effect"], ("NotAction" if s["not_action"] else "Action"): s["actions"],
               ("NotResource" if s["not_resource"] else "Resource"): s["resources"]}
        if s["condition"]:
            st_["Condition"] = s["condition"]
        out.append(st_)
    return {"Version": "2012-10-17", "Statement": out}


def _probes(docs: list[dict]) -> list[str]:
    """Concrete resources: each pattern with its wildcards filled in, a string in each pair of
    patterns' overlap (Allow */k with a deny sparing c/* allows c/k), and for each action one
    resource of its type that no pattern names (an action acts only on its own resource types:
    sqs:SendMessage on queues, never on an S3 object)."""
    out = {"arn:aws:s3:::b/k", "arn:aws:s3:::b/x", "arn:aws:s3:::z/k", f"arn:aws:iam::{ACCT}:role/ecs-x",
           f"arn:aws:iam::{ACCT}:role/other", f"arn:aws:sqs:us-east-1:{ACCT}:q", "arn:aws:s3:::b/",
           f"arn:aws:sqs:us-east-1:{ACCT}:other", "arn:aws:s3:::y/z",
           f"arn:aws:kms:us-east-1:{ACCT}:key/k", f"arn:aws:kms:us-east-1:{ACCT}:alias/other"}
    patterns = {r for d in docs for s in d["Statement"]
                for r in s.get("Resource", []) + s.get("NotResource", [])}
    for r in patterns:
        out.add(re.sub(r"\$\{[^}]*\}", "v", r).replace("*", "x").replace("?", "y"))
        for other in patterns:
            w = glob_witness(r, other)
            if w:
                out.add(w)
    return sorted(out)


def _model(identity: list[dict], boundary: list[dict] | None):
    bp = ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/boundary", name="boundary",
                       document=_doc(boundary)) if boundary else None
    r, managed = iam_role("app", _doc(identity), boundary=bp)
    return AccessModel(inventory(roles=[r], managed_policies=tuple(managed))), r.arn


@given(st.lists(statements, min_size=1, max_size=4), st.none() | st.lists(statements, min_size=1, max_size=2))
@settings(max_examples=200, deadline=None)
def test_grants_who_can_and_what_can_agree_with_simulate(identity, boundary):
    model, arn = _model(identity, boundary)
    p = model.principals[arn]
    docs = [_doc(identity)] + ([_doc(boundary)] if boundary else [])
    probes = _probes(docs)
    what = {row.action for row in model.what_can(arn).permissions}
    for action in ACTIONS:
        act = action.lower()
        decisions = {r: model.simulate(arn, action, r)["decision"] for r in probes}
        somewhere = any(d != "denied" for d in decisions.values())
        # What simulate allows somewhere, the grants table has (the probes fill in every
        # pattern the policies name, so "somewhere" is among them) ...
        if somewhere:
            assert act in p.grants, (action, decisions)
        # ... and nothing else, a boundary or not.
        assert somewhere == (act in p.grants), (action, decisions)
        # The table, who-can and what-can say the same about "on some resource".
        listed = arn in {e.arn for e in model.who_can(action).principals}
        assert listed == (act in p.grants), action
        assert (act in what) == (act in p.grants), action
        # On one resource, who-can is simulate.
        for r, d in decisions.items():
            entry = next((e for e in model.who_can(action, r).principals if e.arn == arn), None)
            assert (entry.decision if entry else "denied") == d, (action, r)
        # Unconditional allow on every probe: the table must not call it conditional.
        if all(d == "allowed" for d in decisions.values()):
            assert not p.grants[act].conditional, action


@given(st.lists(statements, min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_a_conditional_answer_becomes_exact_with_the_context(identity):
    """Supplying every condition key (and aws:username) turns conditional answers into allowed
    or denied, and never turns a denied one into an allow."""
    model, arn = _model(identity, None)
    context = {"aws:principaltag/team": ("red",), "aws:securetransport": ("true",)}
    for action in ACTIONS:
        for r in _probes([_doc(identity)]):
            loose = model.simulate(arn, action, r)["decision"]
            exact = model.simulate(arn, action, r, context)["decision"]
            assert exact in ("allowed", "denied") or "${" in str(identity), (action, r, exact)
            if loose == "denied":
                assert exact == "denied", (action, r)
