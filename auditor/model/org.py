"""The organisation an account belongs to: its OU tree, accounts, and the SCPs and RCPs on them.

`Organisation` is what discovery reads from the management account (`org.json`);
`OrgControls` is the part one member account needs offline: the policies on its path from
the root, level by level, saved inside its snapshot so that its audit applies them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"


@dataclass(frozen=True)
class OrgPolicy:
    policy_id: str
    name: str
    kind: str  # SCP | RCP
    document: Any = None
    targets: tuple[str, ...] = ()  # root, OU and account ids it is attached to
    aws_managed: bool = False


@dataclass(frozen=True)
class OrgUnit:
    ou_id: str  # the root's id (r-…) for the root
    name: str
    parent_id: str | None = None


@dataclass(frozen=True)
class OrgAccount:
    account_id: str
    name: str = ""
    email: str = ""
    status: str = "ACTIVE"
    parent_id: str = ""  # the OU (or root) it sits in
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ControlLevel:
    """One level of the path root → OU … → account, with the policies attached there."""

    target: str  # r-…, ou-… or the account id
    name: str
    policies: tuple[OrgPolicy, ...] = ()


@dataclass(frozen=True)
class OrgControls:
    """What the organisation imposes on one account (AWS Organizations User Guide, "SCP
    evaluation": every level must allow, a deny at any level wins; the management account is
    not affected by SCPs or RCPs)."""

    org_id: str
    account_id: str
    management_account_id: str
    scp_levels: tuple[ControlLevel, ...] = ()
    rcp_levels: tuple[ControlLevel, ...] = ()
    ou_path: tuple[str, ...] = ()  # names, root first

    @property
    def exempt(self) -> bool:
        return self.account_id == self.management_account_id


@dataclass(frozen=True)
class Organisation:
    org_id: str
    management_account_id: str
    root_id: str
    units: tuple[OrgUnit, ...] = ()
    accounts: tuple[OrgAccount, ...] = ()
    policies: tuple[OrgPolicy, ...] = ()
    gaps: tuple[dict, ...] = ()  # discovery calls that failed: {operation, error, target}

    def unit(self, ou_id: str) -> OrgUnit | None:
        return next((u for u in self.units if u.ou_id == ou_id), None)

    def account(self, account_id: str) -> OrgAccount | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def path(self, account_id: str) -> list[OrgUnit]:
        """The units from the root down to the account's parent."""
        acct = self.account(account_id)
        out: list[OrgUnit] = []
        here = self.unit(acct.parent_id) if acct else None
        while here is not None and len(out) < 10:  # OUs nest at most five deep
            out.append(here)
            here = self.unit(here.parent_id) if here.parent_id else None
        return out[::-1]

    def ou_names(self, account_id: str) -> tuple[str, ...]:
        return tuple(u.name for u in self.path(account_id))

    def controls(self, account_id: str) -> OrgControls:
        acct = self.account(account_id)
        targets = [(u.ou_id, u.name) for u in self.path(account_id)]
        targets.append((account_id, acct.name if acct else account_id))

        def levels(kind: str) -> tuple[ControlLevel, ...]:
            if not self.in_effect(kind):
                return ()
            return tuple(ControlLevel(t, n, tuple(p for p in self.policies
                                                  if p.kind == kind and t in p.targets))
                         for t, n in targets)

        return OrgControls(self.org_id, account_id, self.management_account_id, levels(SCP),
                           levels(RCP), self.ou_names(account_id))

    def in_effect(self, kind: str) -> bool:
        """Are policies of this kind applied? Only when they were read in full and the root
        has one: enabling a type attaches FullAWSAccess (RCPFullAWSAccess) to the root, and
        disabling it detaches them all. Unread, they are not guessed at: nothing is applied
        and discovery's gap says why."""
        mine = {p.policy_id for p in self.policies if p.kind == kind}
        # a failed ListPolicies names the kind, a failed DescribePolicy or ListTargetsForPolicy the policy
        unread = any(g.get("target") in mine | {kind} for g in self.gaps)
        return not unread and any(p.kind == kind and self.root_id in p.targets for p in self.policies)


__all__ = ["RCP", "SCP", "ControlLevel", "OrgAccount", "OrgControls", "OrgPolicy", "OrgUnit",
           "Organisation"]
