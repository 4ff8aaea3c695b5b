"""Read the organisation from its management (or delegated administrator) account.

The OU tree breadth-first (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent),
each account's tags, and every SCP and RCP once: ListPolicies by type, DescribePolicy and
ListTargetsForPolicy per policy (O(policies) calls, not O(accounts)). Organizations is one
global endpoint with its own, small request quota: calls go through one token bucket.
A failed call is a recorded gap in `Organisation.gaps`, never silence."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from auditor.collect.base import TokenBucket
from auditor.model.org import RCP, SCP, OrgAccount, Organisation, OrgPolicy, OrgUnit

# The calls discovery makes (all List/Describe, plus the caller's identity).
ACTIONS = ("organizations:DescribeOrganization", "organizations:ListRoots",
           "organizations:ListOrganizationalUnitsForParent", "organizations:ListAccountsForParent",
           "organizations:ListTagsForResource", "organizations:ListPolicies",
           "organizations:DescribePolicy", "organizations:ListTargetsForPolicy")


class DiscoveryError(RuntimeError):
    """The organisation could not be read at all (not a management account, no permission)."""


@dataclass
class Filters:
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    ous: tuple[str, ...] = ()  # an account below any of these OUs (at any depth)
    tags: tuple[tuple[str, str], ...] = ()  # key=value, all must match

    def keep(self, org: Organisation, a: OrgAccount) -> bool:
        if a.account_id in self.exclude_accounts:
            return False
        if self.accounts and a.account_id not in self.accounts:
            return False
        if self.ous and not {u.ou_id for u in org.path(a.account_id)} & set(self.ous):
            return False
        return all(a.tags.get(k) == v for k, v in self.tags)


class _Caller:
    """Organizations calls under the token bucket; a failure is a gap, and answers None."""

    def __init__(self, client: Any, bucket: TokenBucket, gaps: list | None = None,
                 first: bool = False) -> None:
        self.client, self.bucket, self.first = client, bucket, first
        self.gaps = [] if gaps is None else gaps

    def ahead(self) -> _Caller:
        """The same caller, its calls ahead of this one's in the bucket (the gaps shared)."""
        return _Caller(self.client, self.bucket, self.gaps, first=True)

    def one(self, operation: str, target: str = "", **kwargs) -> dict | None:
        self.bucket.take(self.first)
        try:
            return getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as e:
            code = e.response["Error"]["Code"] if isinstance(e, ClientError) else type(e).__name__
            self.gaps.append({"operation": operation, "error": code, "target": target,
                              "message": str(e)[:200]})
            return None

    def pages(self, operation: str, key: str, target: str = "", **kwargs) -> list[dict]:
        """Every page's items (those read before a failure, which is a gap)."""
        out: list[dict] = []
        token = None
        while True:
            resp = self.one(operation, target, **kwargs, **({"NextToken": token} if token else {}))
            if resp is None:
                return out
            out += resp.get(key, [])
            token = resp.get("NextToken")
            if not token:
                return out


def organizations_client(session, endpoint_url: str | None = None, max_attempts: int = 10):
    config = Config(region_name="us-east-1", user_agent_extra="ecs-auditor",
                    retries={"mode": "adaptive", "total_max_attempts": max_attempts})
    return session.client("organizations", region_name="us-east-1", endpoint_url=endpoint_url,
                          config=config)


def discover(session, endpoint_url: str | None = None, rate: float = 8.0,
             say: Callable[[str], None] | None = None, tags: bool = True,
             on_organisation: Callable[[str, str], None] | None = None,
             on_accounts: Callable[[Organisation, list[str]], None] | None = None) -> Organisation:
    """The whole organisation (filters are applied later, so SCP paths stay complete). With
    `tags` False the accounts' tags (one call each, the part that grows with the organisation)
    are left for read_tags, which can run while the accounts are being scanned.
    `on_organisation(org_id, management_account_id)` is told as soon as they are known, before
    the tree and the policies are read; `on_accounts(org so far, ids)` of ACTIVE accounts as
    soon as every policy and their whole path are read (so `org so far.controls(id)` is what
    the finished organisation will answer), while the rest of the tree is still walked."""
    c = _Caller(organizations_client(session, endpoint_url), TokenBucket(burst=8, rate=rate))
    desc = c.one("describe_organization")
    if desc is None:
        gap = c.gaps[-1]
        raise DiscoveryError(f"cannot read the organisation: {gap['error']} ({gap['message'][:120]})")
    info = desc["Organization"]
    if on_organisation:
        on_organisation(info["Id"], str(info.get("MasterAccountId", "")))
    roots = c.pages("list_roots", "Roots")
    if not roots:
        raise DiscoveryError("cannot list the organisation's root (ListRoots answered nothing)")
    root = roots[0]
    # The policies (which need nothing from the tree) are read while the tree is walked, and
    # ahead of it in the bucket: no member account can start before every policy is read.
    so_far = _SoFar(Organisation(info["Id"], str(info.get("MasterAccountId", "")), root["Id"]),
                    c.gaps, on_accounts)
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="org") as pool, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="org-policies") as reader:
        policies_read = reader.submit(_policies, c.ahead(), pool)
        policies_read.add_done_callback(lambda f: f.exception() or so_far.policies_read(f.result()))
        units = _tree(c, pool, root, so_far.found)
        policies = policies_read.result()
    accounts = list(so_far.accounts)  # the ACTIVE ones, as the tree walk found them
    if tags:
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="org-tags") as pool:
            accounts = _tagged(c, pool, accounts)
    if say:
        say(f"organisation {info['Id']}: {len(accounts)} active accounts, {len(units) - 1} OUs, "
            f"{len(policies)} SCPs and RCPs")
    return Organisation(info["Id"], str(info.get("MasterAccountId", "")), root["Id"], tuple(units),
                        tuple(sorted(accounts, key=lambda a: a.account_id)), tuple(policies), tuple(c.gaps))


class _SoFar:
    """The organisation as far as it is read (its ACTIVE accounts, in the order found: in the
    end, all of them), for `on_accounts`: accounts are told of once the policies are read (at
    once, for those found before) and as each level of the tree is."""

    def __init__(self, org: Organisation, gaps: list[dict],
                 tell: Callable[[Organisation, list[str]], None] | None) -> None:
        self.org, self.gaps, self.tell = org, gaps, tell
        self.policies: list[OrgPolicy] | None = None
        self.units: list[OrgUnit] = []
        self.accounts: list[OrgAccount] = []
        self.told = 0
        self.lock = threading.Lock()

    def policies_read(self, policies: list[OrgPolicy]) -> None:
        with self.lock:
            self.policies = policies
            self._tell()

    def found(self, units: list[OrgUnit], accounts: list[tuple[dict, str]]) -> None:
        with self.lock:
            self.units = list(units)
            # SUSPENDED / PENDING_CLOSURE accounts cannot be assumed into
            self.accounts += [_account(a, parent) for a, parent in accounts
                              if a.get("Status", "ACTIVE") == "ACTIVE"]
            self._tell()

    def _tell(self) -> None:
        if self.tell is None or self.policies is None or self.told == len(self.accounts):
            return
        org = replace(self.org, units=tuple(self.units), accounts=tuple(self.accounts),
                      policies=tuple(self.policies), gaps=tuple(self.gaps))
        new, self.told = [a.account_id for a in self.accounts[self.told:]], len(self.accounts)
        self.tell(org, new)


def _account(a: dict, parent: str) -> OrgAccount:
    return OrgAccount(str(a["Id"]), a.get("Name", ""), a.get("Email", ""), "ACTIVE", parent)


def _tree(c: _Caller, pool: ThreadPoolExecutor, root: dict,
          found: Callable[[list[OrgUnit], list[tuple[dict, str]]], None]) -> list[OrgUnit]:
    """Breadth-first, one level at a time: each parent's OUs and accounts side by side;
    `found(units so far, the level's accounts)` after each level."""
    units = [OrgUnit(root["Id"], root.get("Name", "Root"))]
    level = [root["Id"]]
    while level:
        ous = pool.map(lambda parent: c.pages("list_organizational_units_for_parent",
                                              "OrganizationalUnits", parent, ParentId=parent), level)
        accts = pool.map(lambda parent: c.pages("list_accounts_for_parent", "Accounts", parent,
                                                ParentId=parent), level)
        children, level_accounts = [], []
        for parent, below, members in zip(level, ous, accts, strict=True):
            units += [OrgUnit(ou["Id"], ou.get("Name", ou["Id"]), parent) for ou in below]
            children += [ou["Id"] for ou in below]
            level_accounts += [(a, parent) for a in members]
        found(units, level_accounts)
        level = children
    return units


def _policies(c: _Caller, pool: ThreadPoolExecutor) -> list[OrgPolicy]:
    """Both kinds listed side by side, then two calls per policy (its document, its targets)."""
    listed = [pool.submit(c.pages, "list_policies", "Policies", kind, Filter=kind) for kind in (SCP, RCP)]
    summaries = [(kind, s) for kind, found in zip((SCP, RCP), listed, strict=True) for s in found.result()]
    docs = [pool.submit(c.one, "describe_policy", s["Id"], PolicyId=s["Id"]) for _, s in summaries]
    targets = [pool.submit(c.pages, "list_targets_for_policy", "Targets", s["Id"], PolicyId=s["Id"])
               for _, s in summaries]
    return [_policy(kind, summary, doc.result(), found.result())
            for (kind, summary), doc, found in zip(summaries, docs, targets, strict=True)]


def _tagged(c: _Caller, pool: ThreadPoolExecutor, accounts: list[OrgAccount]) -> list[OrgAccount]:
    """One ListTagsForResource per account, a few in flight under the bucket."""
    tags = pool.map(lambda a: c.pages("list_tags_for_resource", "Tags", a.account_id,
                                      ResourceId=a.account_id), accounts)
    return [replace(a, tags={t["Key"]: t["Value"] for t in ts}) for a, ts in zip(accounts, tags, strict=True)]


def read_tags(session, org: Organisation, endpoint_url: str | None = None, rate: float = 8.0) -> Organisation:
    """The organisation with every account's tags (a failed call is a gap, the tags empty)."""
    c = _Caller(organizations_client(session, endpoint_url), TokenBucket(burst=8, rate=rate))
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="org-tags") as pool:
        accounts = _tagged(c, pool, list(org.accounts))
    return replace(org, accounts=tuple(accounts), gaps=org.gaps + tuple(c.gaps))


def _policy(kind: str, summary: dict, desc: dict | None, targets: list[dict]) -> OrgPolicy:
    pid = summary["Id"]
    content = (desc or {}).get("Policy", {}).get("Content")
    try:
        document = json.loads(content) if isinstance(content, str) else content
    except ValueError:
        document = content  # kept as text: the engine reports it as malformed
    return OrgPolicy(pid, summary.get("Name", pid), kind, document,
        tuple(sorted(t["TargetId"] for t in targets)), bool(summary.get("AwsManaged")))
