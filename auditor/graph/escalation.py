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
    if not ecs_read(inv):
        return None
    clusters = tuple(c.arn for c in inv.clusters)
    out = {"ecs:RunTask": clusters, "ecs:CreateService": clusters,
           "ecs:StartTask": tuple(sorted({ci.cluster_arn for ci in inv.container_instances})),
           "ecs:UpdateService": tuple(sorted({s.cluster_arn for s in inv.services}))}
    return {a: cs for a, cs in out.items() if cs}


def ecs_read(inv) -> bool:
    return "ecs:ListClusters" in inv.call_counts and not any(g.service == "ecs" for g in inv.gaps)


@dataclass(frozen=True)
class EcsFacts:
    """What the account's ECS resources make possible, worked out once per model (every
    principal's routes ask). None where ECS was not read in full: nothing is ruled out."""

    td_roles: dict[str, list[str]]  # task role -> task definitions that use it
    exec_targets: list[tuple[str, str, str]]  # (service or task, cluster, task role): Exec works
    exec_enablable: list[tuple[str, str, str]]  # (service, cluster, task role): would, if enabled
    capacity: dict[str, tuple[str, ...]] | None = None  # launch_capacity
    task_definitions: tuple[tuple[str, str | None], ...] | None = None  # (arn, execution role)


def _task_in(cluster: str) -> str:
    """A task of the cluster, as DescribeTasks is asked for one (ids are 32 hex digits)."""
    prefix, name = cluster.split(":cluster/", 1) if ":cluster/" in cluster else (cluster, "*")
    return f"{prefix}:task/{name}/{'0' * 32}"


class Finder:
    """Escalation through ECS for one principal against the roles that trust ECS."""

    def __init__(self, p: Principal, facts: EcsFacts) -> None:
        self.p, self.facts = p, facts
        g = p.grants
        self.can_pass = "iam:passrole" in g
        # When every statement naming iam:PassRole applies to all resources, the answer is the
        # same for every role: decide it once (a principal with PassRole on "*" meets thousands).
        self._pass_all: dict | None | bool = False
        if self.can_pass and all(applies_to_every_resource(st)
                                 for st in p.statements + (p.boundary or ())
                                 if names_action(st, "iam:passrole")):
            self._pass_all = _step(p, "iam:PassRole", "*", PASS_CONTEXT)
        self.launch_steps: dict[str, dict] = {}
        if self.can_pass:  # a launch matters only with a role to pass
            for a in LAUNCH_NEW:
                step = self._launch(a) if a.lower() in g else None
                if step:
                    self.launch_steps[a] = step
        self.launchers = list(self.launch_steps)
        self.register = _step(p, "ecs:RegisterTaskDefinition", "*") \
            if "ecs:registertaskdefinition" in g else None
        self.override = self._override() if self.launchers and not self.register else None
        self.can_exec = "ecs:executecommand" in g

    def _launch(self, action: str) -> dict | None:
        """The launch call's step on the first cluster that allows it (ecs:cluster is a
        condition key of the launch calls: a policy may allow them on some clusters only).
        Unknown clusters (ECS not read), or one it may create: the grant's own answer."""
        g, capacity = self.p.grants, self.facts.capacity
        found = None
        for cluster in capacity.get(action, ()) if capacity is not None else ():
            v = self.p.decide(action, "*", {"ecs:cluster": (cluster,)})
            if v.decision != DENIED and (found is None or v.decision == "allowed"):
                found = {"action": action, "resource": cluster, "decision": v.decision}
                if v.decision == "allowed":
                    break
        if found is None and action == "ecs:StartTask" and capacity is not None:
            found = self._on_registered_host(capacity.get("ecs:RunTask", ()))
        makes_one = action in ("ecs:RunTask", "ecs:CreateService") and "ecs:createcluster" in g
        if found or (capacity is not None and not makes_one):
            return found  # None: nothing it may launch on, and no cluster it could make
        return {"action": action, "resource": "*",
                "decision": "conditional" if g[action.lower()].conditional else "allowed"}

    def _on_registered_host(self, clusters: tuple[str, ...]) -> dict | None:
        """StartTask with no container instance yet: on one it registers itself (pathfinding
        ecs-007, Reversec 2025), which needs a host it controls, so conditional."""
        if "ecs:registercontainerinstance" not in self.p.grants:
            return None
        for cluster in clusters:
            joined = self.p.decide("ecs:RegisterContainerInstance", cluster)
            start = self.p.decide("ecs:StartTask", "*", {"ecs:cluster": (cluster,)})
            if DENIED not in (joined.decision, start.decision):
                return {"action": "ecs:StartTask", "resource": cluster, "decision": "conditional",
                        "note": "on a container instance it registers (ecs:RegisterContainerInstance): "
                                "needs a host it controls"}
        return None

    def _override(self) -> list[dict] | None:
        """RunTask / StartTask of an existing task definition with overrides.taskRoleArn and a
        new command (pathfinding ecs-008, ecs-009): it needs a task definition to override, and
        PassRole on that definition's execution role too."""
        launcher = next((a for a in self.launchers if a in OVERRIDE), None)
        if launcher is None:
            return None
        step = dict(self.launch_steps[launcher], note="overrides.taskRoleArn and the command")
        tds = self.facts.task_definitions
        if tds is None:
            return [step]  # the account's task definitions are not known: not ruled out
        for td, execution_role in tds:
            if execution_role is None:
                return [dict(step, note=f"overrides.taskRoleArn and the command of {td}")]
            passed = _step(self.p, "iam:PassRole", execution_role, PASS_CONTEXT)
            if passed:
                return [dict(passed, note=f"the execution role of {td}"),
                        dict(step, note=f"overrides.taskRoleArn and the command of {td}")]
        return None

    def _service_launcher(self) -> str | None:
        return next((a for a in self.launchers if a not in OVERRIDE), None)

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
        return bool(self._pass_all) and bool(self.register or self.override) and bool(self.launchers)

    def reachable(self, role: Principal) -> bool:
        """Whether `role` can be obtained (what route() says, without building its steps)."""
        if self.can_pass and self.launchers and (
                self._pass_all if self._pass_all is not False else self.passes(role)):
            if self.register or self.override or (
                    self.facts.td_roles.get(role.arn) and self._service_launcher()):
                return True
        f = self.facts
        return self.can_exec and any(t == role.arn for _, _, t in f.exec_targets + f.exec_enablable) \
            and self.route(role) is not None

    def route(self, role: Principal) -> tuple[str, list[dict], list[str]] | None:
        """(kind, steps, via) of the first way to obtain `role`, or None."""
        if self.can_pass and self.launchers:
            passed = self.passes(role)
            if passed:
                if self.register:
                    launch = self.launch_steps[self.launchers[0]]
                    return "new-task-definition", [passed, self.register, dict(launch)], []
                if self.override:
                    return "task-role-override", [passed, *(dict(s) for s in self.override)], []
                service = self._service_launcher()
                if self.facts.td_roles.get(role.arn) and service:
                    # A service moved onto an existing definition runs only that definition's
                    # own code (services take no command override): it gains the role only
                    # with control over the image or what it reads.
                    tds = self.facts.td_roles[role.arn]
                    return "existing-task-definition", [passed, {
                        "action": service, "resource": tds[0], "decision": "conditional",
                        "note": "runs the definition's own code: needs control over its image "
                                "or inputs"}], tds[:5]
        return self._exec_route(role) if self.can_exec else None

    def _exec_route(self, role: Principal) -> tuple[str, list[dict], list[str]] | None:
        """A shell in a task running the role (pathfinding ecs-006): ExecuteCommand, and
        DescribeTasks for the container's runtime id the session needs; or first
        UpdateService --enable-execute-command --force-new-deployment on a service whose
        tasks would take a shell (no PassRole: the task definition does not change)."""
        p = self.p
        for where, cluster, task_role in self.facts.exec_targets:
            if task_role != role.arn:
                continue
            steps = [_step(p, "ecs:ExecuteCommand", cluster, {"ecs:cluster": (cluster,)}),
                     _step(p, "ecs:DescribeTasks", where if ":task/" in where else _task_in(cluster),
                           {"ecs:cluster": (cluster,)})]
            if all(steps):
                return "execute-command", steps, [where]
        if "ecs:updateservice" not in p.grants:
            return None
        for svc, cluster, task_role in self.facts.exec_enablable:
            if task_role != role.arn:
                continue
            context = {"ecs:cluster": (cluster,)}
            update = _step(p, "ecs:UpdateService", svc, context)
            steps = [update and dict(update, note="--enable-execute-command --force-new-deployment"),
                     _step(p, "ecs:ExecuteCommand", cluster, context),
                     _step(p, "ecs:DescribeTasks", _task_in(cluster), context)]
            if all(steps):
                return "enable-execute-command", steps, [svc]
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


def find_reach(finder: Finder, targets: Targets) -> Reach | None:
    p = finder.p
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
