"""Which accounts an org scan takes: filters (an exclude wins even without includes; an OU
takes the accounts below it at any depth; tags must all match), and shards that are disjoint
and together cover the selection for any N."""

from __future__ import annotations

import pytest

from auditor.model import OrgAccount, Organisation, OrgUnit
from auditor.org.discover import Filters
from auditor.org.run import OrgError, parse_shard, select

UNITS = (
    OrgUnit("r-1", "Root"),
    OrgUnit("ou-a", "Apps", "r-1"),
    OrgUnit("ou-b", "Batch", "ou-a"),
    OrgUnit("ou-c", "Core", "r-1"),
)
ACCOUNTS = tuple(
    OrgAccount(
        f"{i:012d}",
        f"acct{i}",
        parent_id=("ou-a", "ou-b", "ou-c", "r-1")[i % 4],
        tags={"env": "prod" if i % 2 else "dev"},
    )
    for i in range(1, 22)
)
ORG = Organisation("o-1", "000000000001", "r-1", UNITS, ACCOUNTS)


def test_filters():
    every = select(ORG, Filters(), None)
    assert every == sorted(a.account_id for a in ACCOUNTS)
    first = ACCOUNTS[0].account_id
    assert first not in select(ORG, Filters(exclude_accounts=(first,)), None)
    assert select(ORG, Filters(accounts=(first,), exclude_accounts=(first,)), None) == []
    below_a = select(ORG, Filters(ous=("ou-a",)), None)  # Apps and the nested Batch
    assert below_a == sorted(a.account_id for a in ACCOUNTS if a.parent_id in ("ou-a", "ou-b"))
    prod_core = select(ORG, Filters(ous=("ou-c",), tags=(("env", "prod"),)), None)
    assert prod_core == sorted(
        a.account_id for a in ACCOUNTS if a.parent_id == "ou-c" and a.tags["env"] == "prod"
    )
    assert ORG.ou_names(ACCOUNTS[0].account_id) == ("Root", "Apps", "Batch")


@pytest.mark.parametrize("n", [1, 2, 3, 5, 30])
def test_shards_are_disjoint_and_cover_the_selection(n):
    parts = [select(ORG, Filters(), (i, n)) for i in range(1, n + 1)]
    flat = [a for p in parts for a in p]
    assert sorted(flat) == select(ORG, Filters(), None) and len(flat) == len(set(flat))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.mark.parametrize("bad", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_bad_shards(bad):
    with pytest.raises(OrgError, match="--shard"):
        parse_shard(bad)


@pytest.mark.parametrize("filters, shard, previous, early", [
    (Filters(), None, {}, True),
    (Filters(accounts=("111111111111",)), None, {}, True),
    (Filters(accounts=("222222222222",)), None, {}, False),
    (Filters(exclude_accounts=("111111111111",)), None, {}, False),
    (Filters(ous=("ou-1",)), None, {}, False),  # the tree decides
    (Filters(tags=(("team", "a"),)), None, {}, False),  # the tags decide
    (Filters(), (1, 2), {}, False),  # its place in the sorted list decides
    (Filters(), None, {"111111111111": {"status": "ok"}}, False),  # --resume keeps it
    (Filters(), None, {"111111111111": {"status": "partial"}}, True),
])
def test_the_management_account_starts_early_only_when_it_will_surely_be_scanned(filters, shard,
                                                                                  previous, early):
    from auditor.org.account import AccountSettings
    from auditor.org.run import OrgScanOptions, _surely_selected

    opts = OrgScanOptions("out", AccountSettings("r"), filters, shard=shard)
    assert _surely_selected("111111111111", opts, previous) is early


def test_a_discovery_that_fails_after_the_management_account_started_ends_cleanly(tmp_path, monkeypatch):
    # The early account waits for the controls discovery was to give: it must be told that
    # none will come, and the scan must end with discovery's error, not hang.
    import auditor.org.run as run
    from auditor.org.account import AccountSettings
    from auditor.org.discover import DiscoveryError

    told = []

    def account(job):
        try:
            job.final_controls()
        except DiscoveryError as e:
            told.append((job.account_id, str(e)))
        return {"account_id": job.account_id, "status": "partial"}

    def discover_fn(tags, first, found):
        first("o-1", "111111111111")
        raise DiscoveryError("cannot list the organisation's root")

    monkeypatch.setattr(run, "run_account", account)
    with pytest.raises(DiscoveryError):
        run.org_scan(run.OrgScanOptions(str(tmp_path / "o"), AccountSettings("r")), discover_fn)
    assert told == [("111111111111", "cannot list the organisation's root")]


def test_members_started_during_discovery_are_told_when_it_fails_and_none_is_started_twice(
        tmp_path, monkeypatch):
    import auditor.org.run as run
    from auditor.org.account import AccountSettings
    from auditor.org.discover import DiscoveryError

    started, told = [], []

    def account(job):
        started.append(job.account_id)
        assert job.controls.ou_path == ("Root", "Apps", "Batch")  # from the org as far as read
        try:
            job.final_controls()
        except DiscoveryError:
            told.append(job.account_id)
        return {"account_id": job.account_id, "status": "partial"}

    members = [a.account_id for a in ACCOUNTS if a.parent_id == "ou-b"]

    def discover_fn(tags, first, found):
        found(ORG, members)
        found(ORG, members[:1])  # told again: not started again
        raise DiscoveryError("ListAccountsForParent failed")

    monkeypatch.setattr(run, "run_account", account)
    with pytest.raises(DiscoveryError):
        run.org_scan(run.OrgScanOptions(str(tmp_path / "o"), AccountSettings("r")), discover_fn)
    assert sorted(started) == sorted(told) == sorted(members)
