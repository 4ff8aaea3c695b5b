"""Discovery tells the scan of each member account as soon as its controls are known: every
SCP and RCP read, and its OU path (Organizations User Guide, "SCP evaluation": the policies on
every level from the root down to the account), while deeper OUs are still being listed. The
policies go ahead of the tree in Organizations' one token bucket."""

from __future__ import annotations

import json
import threading
import time

from auditor.collect.base import TokenBucket
from auditor.model.org import RCP, SCP
from auditor.org.discover import discover

DENY_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


class FakeOrganizations:
    """Root r-1 > ou-a > ou-b > ou-deep; accounts at every level, one suspended; an SCP on
    the root and one on ou-b, an RCP on the root. Listing ou-deep's children is slow."""

    TREE = {"r-1": ["ou-a"], "ou-a": ["ou-b"], "ou-b": ["ou-deep"], "ou-deep": []}
    ACCOUNTS = {"r-1": ["100000000001", "100000000002"], "ou-a": ["200000000001"],
                "ou-b": ["300000000001", "300000000002"], "ou-deep": ["400000000001"]}
    POLICIES = {"p-full": (SCP, FULL, ["r-1"]), "p-b": (SCP, DENY_S3, ["ou-b"]),
                "p-rcp": (RCP, FULL, ["r-1"])}

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lock = threading.Lock()

    def _log(self, what: str) -> None:
        with self.lock:
            self.events.append(what)

    def client(self, *_args, **_kwargs):
        return self

    def describe_organization(self):
        return {"Organization": {"Id": "o-1", "MasterAccountId": "100000000001"}}

    def list_roots(self):
        return {"Roots": [{"Id": "r-1", "Name": "Root"}]}

    def list_organizational_units_for_parent(self, ParentId):
        if ParentId == "ou-deep":
            time.sleep(0.3)
        self._log(f"ous {ParentId}")
        return {"OrganizationalUnits": [{"Id": c, "Name": c.upper()} for c in self.TREE[ParentId]]}

    def list_accounts_for_parent(self, ParentId):
        if ParentId == "ou-deep":
            time.sleep(0.3)
        self._log(f"accounts {ParentId}")
        return {"Accounts": [{"Id": a, "Name": a, "Status": "SUSPENDED" if a == "100000000002" else "ACTIVE"}
                             for a in self.ACCOUNTS[ParentId]]}

    def list_policies(self, Filter):
        return {"Policies": [{"Id": p, "Name": p} for p, (kind, _, _) in self.POLICIES.items()
                             if kind == Filter]}

    def describe_policy(self, PolicyId):
        self._log(f"policy {PolicyId}")
        return {"Policy": {"Content": json.dumps(self.POLICIES[PolicyId][1])}}

    def list_targets_for_policy(self, PolicyId):
        self._log(f"targets {PolicyId}")
        return {"Targets": [{"TargetId": t} for t in self.POLICIES[PolicyId][2]]}

    def list_tags_for_resource(self, ResourceId):
        return {"Tags": []}


def test_each_active_member_is_told_once_with_the_controls_the_whole_organisation_gives_it():
    fake = FakeOrganizations()
    told: dict[str, object] = {}

    def on_accounts(so_far, ids):
        fake._log("told " + ",".join(ids))
        for a in ids:
            assert a not in told
            told[a] = so_far.controls(a)

    org = discover(fake, rate=1000, tags=False, on_accounts=on_accounts)
    active = {a.account_id for a in org.accounts}
    assert set(told) == active and "100000000002" not in active  # suspended: never told
    for a, controls in told.items():
        assert controls == org.controls(a), a
    assert [p.policy_id for p in told["300000000001"].scp_levels[-2].policies] == ["p-b"]  # ou-b's own SCP
    # nobody is told before every policy is read
    first_told = next(i for i, e in enumerate(fake.events) if e.startswith("told"))
    policy_reads = sum(e.startswith(("policy", "targets")) for e in fake.events[:first_told])
    assert policy_reads == 2 * len(fake.POLICIES)


def test_accounts_higher_in_the_tree_are_told_while_deeper_ous_are_still_listed():
    fake = FakeOrganizations()
    discover(fake, rate=1000, tags=False, on_accounts=lambda _org, ids: fake._log("told " + ",".join(ids)))
    events = fake.events
    deep_listed = events.index("accounts ou-deep")
    told_before = [a for e in events[:deep_listed] if e.startswith("told ") for a in e[5:].split(",")]
    assert {"100000000001", "200000000001", "300000000001"} <= set(told_before)
    assert "400000000001" not in told_before


def test_a_caller_that_goes_first_takes_the_next_token_before_one_that_waited_longer():
    bucket = TokenBucket(burst=1, rate=10)
    bucket.take()  # empty: the next token comes in 0.1 s
    order: list[str] = []

    def take(name: str, first: bool) -> None:
        bucket.take(first)
        order.append(name)

    plain = threading.Thread(target=take, args=("plain", False))
    plain.start()
    time.sleep(0.02)  # the plain caller is already waiting
    ahead = threading.Thread(target=take, args=("first", True))
    ahead.start()
    plain.join(2)
    ahead.join(2)
    assert order == ["first", "plain"]
    assert bucket.first_waiting == 0
