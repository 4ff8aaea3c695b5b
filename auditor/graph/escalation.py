"""Principals that can obtain a more privileged role through ECS (rule I304).

A principal with iam:PassRole on "*" reaches every role that trusts ECS, so the pairs are many:
each reachable target is kept as a name, and full step-by-step paths are built for the targets
that gain the most (and on demand for any other).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from auditor.facts.role_needs import ECS_TASKS
from auditor.iam import DENIED
from auditor.iam.evaluate import names_action
from auditor.iam.principals import Principal, applies_to_every_resource

PASS_CONTEXT = {"iam:passedtoservice": (ECS_TASKS,)}
LAUNCH_NEW = ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService", "ecs:UpdateService")
OVERRIDE = ("ecs:RunTask", "ecs:StartTask")  # these accept a taskRoleArn override
PATHS_PER_PRINCIPAL = 25


@dataclass
class EscalationPath:
    principal: str
    target_role: str
    kind: str  # new-task-definition | task-role-override | existing-task-definition | execute-command
    steps: list[dict] = field(default_factory=list)
    conditional: bool = False
    gains: int = 0
    sample_gains: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # services or task definitions used

    def to_dict(self) -> dict:
        return {"principal": self.principal, "target_role": self.target_role, "kind": self.kind,
                "steps": self.steps, "conditional": self.conditional,
                "gains_actions": self.gains, "sample_gains": self.sample_gains, "via": self.via}


@dataclass
class Reach:
    """Everything one principal can reach through ECS."""

    principal: str
    targets: dict[str, int]  # target role -> number of actions gained
    paths: list[EscalationPath]  # the detailed ones, most gained first


def _step(p: Principal, action: str, resource: str, context=None) -> dict | None:
    v = p.decide(action, resource, context)
    if v.decision == DENIED:
        return None
    return {"action": action, "resource": resource, "decision": v.decision}


def launch_capacity(inv) -> frozenset[str] | None:
    """The launch actions the account's ECS resources make usable (ECS API Reference): RunTask
    and CreateService need a cluster, StartTask registered container instances, UpdateService
    a service. None when ECS was not read in full (an IAM-only audit, a failed call): then no
    launch is ruled out."""
    if "ecs:ListClusters" not in inv.call_counts or any(g.service == "ecs" for g in inv.gaps):
        return None
    out = set()
    if inv.clusters:
        out |= {"ecs:RunTask", "ecs:CreateService"}
    if inv.container_instances:
        out.add("ecs:StartTask")
    if inv.services:
        out.add("ecs:UpdateService")
    return frozenset(out)


class Finder:
    """Escalation through ECS for one principal against the roles that trust ECS."""

    def __init__(self, p: Principal, td_roles: dict[str, list[str]],
                 exec_services: list[tuple[str, str, str]],
                 capacity: frozenset[str] | None = None) -> None:
        self.p, self.td_roles, self.exec_services = p, td_roles, exec_services
        g = p.grants
        self.can_pass = "iam:passrole" in g
        usable = set(LAUNCH_NEW) if capacity is None else set(capacity)
        if capacity is not None and "ecs:createcluster" in g:
            usable |= {"ecs:RunTask", "ecs:CreateService"}  # it can make the cluster first
        self.launchers = [a for a in LAUNCH_NEW if a.lower() in g and a in usable]
        self.register = _step(p, "ecs:RegisterTaskDefinition", "*") \
            if "ecs:registertaskdefinition" in g else None
        self.can_exec = "ecs:executecommand" in g
        # When every statement naming iam:PassRole applies to all resources, the answer is the
        # same for every role: decide it once (a principal with PassRole on "*" meets thousands).
        self._pass_all: dict | None | bool = False
        if self.can_pass and all(applies_to_every_resource(st)
                                 for st in p.statements + (p.boundary or ())
                                 if names_action(st, "iam:passrole")):
            self._pass_all = _step(p, "iam:PassRole", "*", PASS_CONTEXT)

    def passes(self, role: Principal) -> dict | None:
        if self._pass_all is not False:
            return dict(self._pass_all, resource=role.arn) if self._pass_all else None
        return _step(self.p, "iam:PassRole", role.arn, PASS_CONTEXT)

    @property
    def capable(self) -> bool:
        return (self.can_pass and bool(self.launchers)) or self.can_exec

    @property
    def reaches_every_role(self) -> bool:
        """PassRole on every role and a way to launch a new task with it."""
        return bool(self._pass_all) and bool(self.launchers) and (
            bool(self.register) or any(a in OVERRIDE for a in self.launchers))

    def reachable(self, role: Principal) -> bool:
        """Whether `role` can be obtained (what route() says, without building its steps)."""
        if self.can_pass and self.launchers and (
                self._pass_all if self._pass_all is not False else self.passes(role)):
            if self.register or any(a in OVERRIDE for a in self.launchers) or \
                    self.td_roles.get(role.arn):
                return True
        return self.can_exec and any(t == role.arn for _, _, t in self.exec_services) and \
            self.route(role) is not None

    def route(self, role: Principal) -> tuple[str, list[dict], list[str]] | None:
        """(kind, steps, via) of the first way to obtain `role`, or None."""
        p = self.p
        if self.can_pass and self.launchers:
            passed = self.passes(role)
            if passed:
                launch = self.launchers[0]
                cond = "conditional" if p.grants[launch.lower()].conditional else "allowed"
                if self.register:
                    return "new-task-definition", [passed, self.register, {
                        "action": launch, "resource": "*", "decision": cond}], []
                override = next((a for a in self.launchers if a in OVERRIDE), None)
                if override:
                    return "task-role-override", [passed, {
                        "action": override, "resource": "*", "decision": cond,
                        "note": "overrides.taskRoleArn on an existing task definition"}], []
                if self.td_roles.get(role.arn):
                    tds = self.td_roles[role.arn]
                    return "existing-task-definition", [passed, {
                        "action": launch, "resource": tds[0], "decision": cond}], tds[:5]
        if self.can_exec:
            for svc, cluster, task_role in self.exec_services:
                if task_role == role.arn:
                    step = _step(p, "ecs:ExecuteCommand", cluster)
                    if step:
                        return "execute-command", [step], [svc]
        return None

    def path(self, role: Principal) -> EscalationPath | None:
        found = self.route(role)
        gained = gained_count(self.p.grant_keys, role.grant_keys)
        if not found or not gained:
            return None
        kind, steps, via = found
        mine = self.p.grant_keys
        sample = [a for a in role.highlight_order if a not in mine][:8]
        return EscalationPath(self.p.arn, role.arn, kind, steps,
                              any(s["decision"] == "conditional" for s in steps), gained, sample, via)


class Targets:
    """The roles that trust ECS, indexed by action once, so that what each principal would gain
    from each of them is counted in one pass over the principal's own (few) actions."""

    def __init__(self, roles: list[Principal]) -> None:
        self.roles = roles
        self.sizes = [len(r.grant_keys) for r in roles]
        self.by_arn = {r.arn: r for r in roles}
        self.holders: dict[str, list[int]] = {}
        for i, r in enumerate(roles):
            for a in r.grant_keys:
                self.holders.setdefault(a, []).append(i)

    def gains(self, mine: frozenset[str]) -> list[int]:
        shared = [0] * len(self.roles)
        for a in mine:
            for i in self.holders.get(a, ()):
                shared[i] += 1
        return [size - n for size, n in zip(self.sizes, shared, strict=True)]


def find_reach(p: Principal, targets: Targets, td_roles: dict[str, list[str]],
               exec_services: list[tuple[str, str, str]],
               capacity: frozenset[str] | None = None) -> Reach | None:
    finder = Finder(p, td_roles, exec_services, capacity)
    if not finder.capable:
        return None
    gains = targets.gains(p.grant_keys)
    # Only a stronger role is worth reporting, and only one that can be obtained.
    if finder.reaches_every_role:
        reach = {r.arn: g for r, g in zip(targets.roles, gains, strict=True) if g and r.arn != p.arn}
    else:
        reach = {r.arn: g for r, g in zip(targets.roles, gains, strict=True)
                 if g and r.arn != p.arn and finder.reachable(r)}
    if not reach:
        return None
    best = heapq.nlargest(PATHS_PER_PRINCIPAL, reach, key=lambda a: (reach[a], a))
    return Reach(p.arn, reach, [path for a in best if (path := finder.path(targets.by_arn[a]))])


def gained_count(mine: frozenset[str], theirs: frozenset[str]) -> int:
    """len(theirs - mine) without building the difference (iterate the smaller set)."""
    if len(mine) < len(theirs):
        return len(theirs) - sum(1 for a in mine if a in theirs)
    return sum(1 for a in theirs if a not in mine)
