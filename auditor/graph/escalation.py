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


def launch_capacity(inv) -> dict[str, tuple[str, ...]] | None:
    """Launch action -> the clusters it can launch on (ECS API Reference): RunTask and
    CreateService any cluster, StartTask one with registered container instances,
    UpdateService one with a service. None when ECS was not read in full (an IAM-only audit,
    a failed call): then no launch is ruled out."""
    if "ecs:ListClusters" not in inv.call_counts or any(g.service == "ecs" for g in inv.gaps):
        return None
    clusters = tuple(c.arn for c in inv.clusters)
    out = {"ecs:RunTask": clusters, "ecs:CreateService": clusters,
           "ecs:StartTask": tuple(sorted({ci.cluster_arn for ci in inv.container_instances})),
           "ecs:UpdateService": tuple(sorted({s.cluster_arn for s in inv.services}))}
    return {a: cs for a, cs in out.items() if cs}


class Finder:
    """Escalation through ECS for one principal against the roles that trust ECS."""

    def __init__(self, p: Principal, td_roles: dict[str, list[str]],
                 exec_services: list[tuple[str, str, str]],
                 capacity: dict[str, tuple[str, ...]] | None = None) -> None:
        self.p, self.td_roles, self.exec_services = p, td_roles, exec_services
        g = p.grants
        self.can_pass = "iam:passrole" in g
        self.launch_steps: dict[str, dict] = {}
        if self.can_pass:  # a launch matters only with a role to pass
            for a in LAUNCH_NEW:
                step = self._launch(a, capacity) if a.lower() in g else None
                if step:
                    self.launch_steps[a] = step
        self.launchers = list(self.launch_steps)
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

    def _launch(self, action: str, capacity: dict[str, tuple[str, ...]] | None) -> dict | None:
        """The launch call's step on the first cluster that allows it (ecs:cluster is a
        condition key of the launch calls: a policy may allow them on some clusters only).
        Unknown clusters (ECS not read), or one it may create: the grant's own answer."""
        g = self.p.grants
        found = None
        for cluster in capacity.get(action, ()) if capacity is not None else ():
            v = self.p.decide(action, "*", {"ecs:cluster": (cluster,)})
            if v.decision != DENIED and (found is None or v.decision == "allowed"):
                found = {"action": action, "resource": cluster, "decision": v.decision}
                if v.decision == "allowed":
                    break
        makes_one = action in ("ecs:RunTask", "ecs:CreateService") and "ecs:createcluster" in g
        if found or (capacity is not None and not makes_one):
            return found  # None: nothing it may launch on, and no cluster it could make
        return {"action": action, "resource": "*",
                "decision": "conditional" if g[action.lower()].conditional else "allowed"}

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
                launch = self.launch_steps[self.launchers[0]]
                if self.register:
                    return "new-task-definition", [passed, self.register, dict(launch)], []
                override = next((a for a in self.launchers if a in OVERRIDE), None)
                if override:
                    return "task-role-override", [passed, dict(
                        self.launch_steps[override],
                        note="overrides.taskRoleArn on an existing task definition")], []
                if self.td_roles.get(role.arn):
                    # A service moved onto an existing definition runs only that definition's
                    # own code (services take no command override): it gains the role only
                    # with control over the image or what it reads.
                    tds = self.td_roles[role.arn]
                    return "existing-task-definition", [passed, {
                        "action": launch["action"], "resource": tds[0], "decision": "conditional",
                        "note": "runs the definition's own code: needs control over its image "
                                "or inputs"}], tds[:5]
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
               capacity: dict[str, tuple[str, ...]] | None = None) -> Reach | None:
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
