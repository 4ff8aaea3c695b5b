"""Principals that can obtain a more privileged role through ECS (rule I304).

The methods are declared once in iam/escalation_methods.py (ECS_ROUTES, which I103 reads too);
here each one's route is built on the account: its steps, each decided by the engine, and the
preconditions they need (a cluster, container instances, a task definition to override, a
task where Exec opens a shell). A principal with iam:PassRole on "*" reaches every role that
trusts ECS, so the pairs are many: each reachable target is kept as a name, and full
step-by-step paths are built for the targets that gain the most (and on demand for any other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from auditor.facts.role_needs import ECS_TASKS
from auditor.graph.ecs_facts import EcsFacts
from auditor.iam import DENIED
from auditor.iam.escalation_methods import ECS_ROUTES, Method
from auditor.iam.evaluate import names_action
from auditor.iam.principals import Principal, covers_all_resources
from auditor.model.arns import in_cluster

if TYPE_CHECKING:
    import numpy as np

PASS_CONTEXT = {"iam:passedtoservice": (ECS_TASKS,)}
# Routes whose steps, but for passing the role, are the same whatever the role.
ROLE_FREE = ("new-task-definition", "task-role-override", "registered-host")
# Paths spelled out step by step per principal, for the targets that gain the most; the rest
# are counted (targets_total) and built on demand (what-can, escalation_path). Ten keep the
# evidence readable; 25 made I304 half of a 29-MB findings.json at 5,000 roles.
PATHS_PER_PRINCIPAL = 10
# Each route with its actions as the grants tables spell them (lower case), worked out once.
_NEEDED = tuple((m, tuple(a.lower() for a in m.actions)) for m in ECS_ROUTES)


@dataclass
class EscalationPath:
    principal: str
    target_role: str
    kind: str  # the method's route (escalation_methods.Method.route), or "path" for a chain
    steps: list[dict] = field(default_factory=list)
    conditional: bool = False
    gains: int = 0
    sample_gains: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # services or task definitions used
    method: str | None = None  # its id in escalation_methods.METHODS
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"principal": self.principal, "target_role": self.target_role, "kind": self.kind,
                "method": self.method, "sources": list(self.sources),
                "steps": self.steps, "conditional": self.conditional,
                "gains_actions": self.gains, "sample_gains": self.sample_gains, "via": self.via}


class Reach:
    """Everything one principal can reach through ECS: how many stronger roles, the detailed
    paths to those that gain the most, and, when asked, every target by name (a principal with
    PassRole on "*" reaches thousands: counted up front, named only on demand)."""

    def __init__(self, principal: str, total: int, paths: list[EscalationPath], name_them) -> None:
        self.principal, self.total, self.paths = principal, total, paths
        self._name_them = name_them

    @cached_property
    def targets(self) -> dict[str, int]:
        """target role -> number of actions gained."""
        return self._name_them()


def _step(p: Principal, action: str, resource: str, context=None) -> dict | None:
    v = p.decide(action, resource, context)
    if v.decision == DENIED:
        return None
    return {"action": action, "resource": resource, "decision": v.decision}


class Finder:
    """Escalation through ECS for one principal: the declared methods whose permissions it
    holds, each turned into steps on the account when asked for a role."""

    def __init__(self, p: Principal, facts: EcsFacts) -> None:
        self.p, self.facts = p, facts
        g = p.grants
        self.methods = [m for m, needed in _NEEDED if all(a in g for a in needed)]
        # When every statement naming iam:PassRole applies to all resources, the answer is the
        # same for every role: decide it once (a principal with PassRole on "*" meets thousands).
        self._pass_all: dict | None | bool = False
        if "iam:passrole" in g and all(covers_all_resources(st)
                                       for st in p.statements + (p.boundary or ())
                                       if names_action(st, "iam:passrole")):
            self._pass_all = _step(p, "iam:PassRole", "*", PASS_CONTEXT)
        self._launches: dict[str, dict | None] = {}
        self._fixed: dict[str, list[dict] | None] = {}

    @property
    def capable(self) -> bool:
        return bool(self.methods)

    @property
    def reaches_every_role(self) -> bool:
        """PassRole on every role and a method whose other steps do not depend on the role."""
        return bool(self._pass_all) and any(self.fixed_steps(m) for m in self.methods if m.route in ROLE_FREE)

    def reachable(self, role: Principal) -> bool:
        return self.route(role) is not None

    def route(self, role: Principal) -> tuple[Method, str, list[dict], list[str]] | None:
        """(method, kind, steps, via) of the first declared method that obtains `role`."""
        for m in self.methods:
            found = _ROUTES[m.route](self, m, role)
            if found:
                return (m, m.route, *found)
        return None

    def path(self, role: Principal) -> EscalationPath | None:
        found = self.route(role)
        gained = gained_count(self.p.grant_keys, role.grant_keys)
        if not found or not gained:
            return None
        m, kind, steps, via = found
        mine = self.p.grant_keys
        sample = [a for a in role.highlight_order if a not in mine][:8]
        return EscalationPath(self.p.arn, role.arn, kind, steps,
                              any(s["decision"] == "conditional" for s in steps), gained, sample, via,
                              m.id, m.sources)

    # --- steps --------------------------------------------------------------------------------
    def passes(self, role: Principal) -> dict | None:
        if self._pass_all is not False:
            return dict(self._pass_all, resource=role.arn) if self._pass_all else None
        return _step(self.p, "iam:PassRole", role.arn, PASS_CONTEXT)

    def launch(self, action: str) -> dict | None:
        """The launch call's step on the first cluster that allows it (ecs:cluster is a
        condition key of the launch calls: a policy may allow them on some clusters only).
        Unknown clusters (ECS not read), or one it may create: the grant's own answer."""
        if action not in self._launches:
            self._launches[action] = self._launch(action)
        return self._launches[action]

    def _launch(self, action: str) -> dict | None:
        g, capacity = self.p.grants, self.facts.capacity
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

    def fixed_steps(self, m: Method) -> list[dict] | None:
        """A role-free method's steps after passing the role (worked out once per method)."""
        if m.id not in self._fixed:
            self._fixed[m.id] = _FIXED[m.route](self, m)
        return self._fixed[m.id]

    def _new_definition(self, m: Method) -> list[dict] | None:
        launch = self.launch(m.launch)
        register = _step(self.p, "ecs:RegisterTaskDefinition", "*") if launch else None
        return [register, dict(launch)] if register else None

    def _override(self, m: Method, launch: dict | None = None) -> list[dict] | None:
        """RunTask / StartTask of an existing task definition with overrides.taskRoleArn and a
        new command (pathfinding ecs-008, ecs-009): it needs a task definition to override, and
        PassRole on that definition's execution role too."""
        launch = launch or self.launch(m.launch)
        if launch is None:
            return None
        tds = self.facts.task_definitions
        if tds is None:  # the account's task definitions are not known: not ruled out
            return [dict(launch, note="overrides.taskRoleArn and the command")]
        for td, execution_role in tds:
            step = dict(launch, note=f"overrides.taskRoleArn and the command of {td}")
            if execution_role is None:
                return [step]
            passed = _step(self.p, "iam:PassRole", execution_role, PASS_CONTEXT)
            if passed:
                return [dict(passed, note=f"the execution role of {td}"), step]
        return None

    def _registered_host(self, m: Method) -> list[dict] | None:
        """StartTask with overrides on a container instance it registers itself (pathfinding
        ecs-007, Reversec 2025): it needs a host it controls, so conditional."""
        capacity = self.facts.capacity  # RunTask's clusters are all of them
        for cluster in capacity.get("ecs:RunTask", ()) if capacity is not None else ("*",):
            context = {"ecs:cluster": (cluster,)} if cluster != "*" else None
            joined = _step(self.p, "ecs:RegisterContainerInstance", cluster)
            start = _step(self.p, "ecs:StartTask", "*", context)
            overridden = self._override(m, dict(start, resource=cluster)) if joined and start else None
            if overridden:
                return [dict(joined, decision="conditional", note="a host it controls joins the cluster"),
                        *overridden]
        return None


Found = tuple[list[dict], list[str]] | None  # a route's steps and what it goes through


def _role_free(finder: Finder, m: Method, role: Principal) -> Found:
    fixed = finder.fixed_steps(m)
    passed = finder.passes(role) if fixed else None
    return ([passed, *(dict(s) for s in fixed)], []) if passed else None


def _existing_definition(finder: Finder, m: Method, role: Principal) -> Found:
    """A service moved onto an existing definition runs only that definition's own code
    (services take no command override): it gains the role only with control over the image
    or what it reads, so conditional."""
    tds = finder.facts.td_roles.get(role.arn)
    launch = finder.launch(m.launch) if tds else None
    passed = finder.passes(role) if launch else None
    if not passed:
        return None
    return [passed, {"action": m.launch, "resource": tds[0], "decision": "conditional",
                     "note": "runs the definition's own code: needs control over its image or "
                             "inputs"}], tds[:5]


def _execute_command(finder: Finder, m: Method, role: Principal) -> Found:
    """A shell in a task running the role (pathfinding ecs-006): ExecuteCommand, and
    DescribeTasks for the container's runtime id the session needs."""
    for where, cluster, task_role in finder.facts.exec_targets:
        if task_role == role.arn:
            context = {"ecs:cluster": (cluster,)}
            task = where if ":task/" in where else in_cluster(cluster, "task")
            steps = [_step(finder.p, "ecs:ExecuteCommand", cluster, context),
                     _step(finder.p, "ecs:DescribeTasks", task, context)]
            if all(steps):
                return steps, [where]
    return None


def _enable_execute_command(finder: Finder, m: Method, role: Principal) -> Found:
    """UpdateService --enable-execute-command --force-new-deployment on a service whose tasks
    would take a shell, then a shell in one (no PassRole: the task definition does not change)."""
    for svc, cluster, task_role in finder.facts.exec_enablable:
        if task_role == role.arn:
            context = {"ecs:cluster": (cluster,)}
            update = _step(finder.p, "ecs:UpdateService", svc, context)
            steps = [update and dict(update, note="--enable-execute-command --force-new-deployment"),
                     _step(finder.p, "ecs:ExecuteCommand", cluster, context),
                     _step(finder.p, "ecs:DescribeTasks", in_cluster(cluster, "task"), context)]
            if all(steps):
                return steps, [svc]
    return None


_FIXED = {"new-task-definition": Finder._new_definition, "task-role-override": Finder._override,
          "registered-host": Finder._registered_host}
_ROUTES = {"new-task-definition": _role_free, "task-role-override": _role_free, "registered-host": _role_free,
           "existing-task-definition": _existing_definition, "execute-command": _execute_command,
           "enable-execute-command": _enable_execute_command}


class Targets:
    """The roles that trust ECS, indexed by action once, so that what each principal would gain
    from each of them is counted in one pass over the principal's own (few) actions. Roles
    holding the same actions (every admin role holds all 22,000) are indexed once."""

    def __init__(self, roles: list[Principal]) -> None:
        # numpy is loaded here, not with the module: while a large audit is split in two, this
        # runs beside the other half (rules/aside.py) instead of before the split.
        import numpy as np

        self.roles = roles
        self.by_arn = {r.arn: r for r in roles}
        self.position = {r.arn: i for i, r in enumerate(roles)}
        groups: dict[frozenset[str], int] = {}
        self.group_of = np.array([groups.setdefault(r.grant_keys, len(groups)) for r in roles],
                                 dtype=np.int64)
        self.sizes = np.array([len(keys) for keys in groups], dtype=np.int64)
        holders: dict[str, list[int]] = {}
        for g, keys in enumerate(groups):
            for a in keys:
                holders.setdefault(a, []).append(g)
        self.holders = {a: np.array(gs, dtype=np.int64) for a, gs in holders.items()}
        # Ties in what is gained go to the greater ARN, as a sort by (gained, ARN) would.
        order = sorted(range(len(roles)), key=lambda i: roles[i].arn)
        self.rank = np.empty(len(roles), dtype=np.int64)
        self.rank[order] = np.arange(len(roles))

    def gains(self, mine: frozenset[str]) -> np.ndarray:
        """Per role, how many of its actions `mine` lacks."""
        import numpy as np

        held = [gs for a in mine if (gs := self.holders.get(a)) is not None]
        if not held:
            return self.sizes[self.group_of]
        shared = np.bincount(np.concatenate(held), minlength=len(self.sizes))
        return (self.sizes - shared)[self.group_of]


def find_reach(finder: Finder, targets: Targets) -> Reach | None:
    import numpy as np

    p = finder.p

    def stronger() -> tuple[np.ndarray, np.ndarray]:
        """What each role would add, and the positions of those that add something and can
        be obtained (worked out again when the targets are named: kept, they would cost
        thousands of entries per principal)."""
        gains = targets.gains(p.grant_keys)
        me = targets.position.get(p.arn)
        if me is not None:
            gains[me] = 0
        found = np.flatnonzero(gains)
        if not finder.reaches_every_role:
            found = np.array([i for i in found.tolist() if finder.reachable(targets.roles[i])],
                             dtype=np.int64)
        return gains, found

    gains, found = stronger()
    if not found.size:
        return None
    key = gains[found] * len(targets.roles) + targets.rank[found]
    best = found[np.argsort(-key, kind="stable")[:PATHS_PER_PRINCIPAL]]
    paths = [path for i in best.tolist() if (path := finder.path(targets.roles[i]))]

    def name_them() -> dict[str, int]:
        g, where = stronger()
        return {targets.roles[i].arn: int(g[i]) for i in where.tolist()}
    return Reach(p.arn, int(found.size), paths, name_them)


def gained_count(mine: frozenset[str], theirs: frozenset[str]) -> int:
    """len(theirs - mine) without building the difference (iterate the smaller set)."""
    if len(mine) < len(theirs):
        return len(theirs) - sum(1 for a in mine if a in theirs)
    return sum(1 for a in theirs if a not in mine)
