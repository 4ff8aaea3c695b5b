"""Who can do what: principals, the workloads that carry them, and the questions users ask."""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from auditor.facts.role_needs import ECS_TASKS, Need, execution_needs
from auditor.graph.answers import (
    Carrier,
    ExecPrincipal,
    ExecutionNeeds,
    Identity,
    Permission,
    WhatCan,
    WhoCan,
    WhoCanEntry,
)
from auditor.graph.ecs_facts import EcsFacts
from auditor.graph.escalation import EscalationPath, Finder, Reach, Targets, find_reach
from auditor.graph.host_paths import agent_credential_edges, register_instance_edges
from auditor.graph.paths import (
    Edge,
    assume_role_edges,
    ecs_edges,
    escalating,
    image_push_edges,
    instance_role_edges,
)
from auditor.graph.permissions import PermissionGrant, grant_rows
from auditor.graph.resources import (
    build_layers,
    decide_request,
    key_needs,
    layer_for,
    outsiders,
    resource_grants,
)
from auditor.graph.simulate import most_permissive, simulate_principal
from auditor.graph.workloads import Workload, select_workloads
from auditor.iam import DENIED, Classification, build_principals, classify
from auditor.iam.catalogue import action_matches, catalogue
from auditor.iam.classify import admin_of
from auditor.iam.evaluate import Context
from auditor.iam.principals import Principal, resource_actions, statement_actions
from auditor.iam.resource_access import ResourceLayer
from auditor.iam.trust import Trustee, trustees, trusts_service
from auditor.model import Inventory


class AccessModel:
    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.principals: dict[str, Principal] = build_principals(inv, self.scps)
        self.workloads: dict[str, Workload] = select_workloads(inv)
        self._classes: dict[str, Classification] = {}
        self._admins: dict[str, bool] = {}
        self._rows: dict[str, list[Permission]] = {}
        self._grant_rows: dict[str, list[PermissionGrant]] = {}
        self._by_service: dict[str, Counter] = {}

    # --- per role --------------------------------------------------------------------------
    def classification(self, arn: str) -> Classification:
        if arn not in self._classes:
            self._classes[arn] = classify(self.principals[arn])
        return self._classes[arn]

    def classifications(self) -> dict[str, Classification]:
        """The principals classified so far (what a forked half of the audit sends back)."""
        return dict(self._classes)

    def add_classifications(self, found: dict[str, Classification]) -> None:
        for arn, c in found.items():
            self._classes.setdefault(arn, c)

    def prepare_for_split(self) -> None:
        """Work out what both halves of an audit split across two processes read (rules/aside.py),
        so that neither does it again: the action catalogue and every principal's grants."""
        catalogue()
        for p in self.principals.values():
            p.grants  # noqa: B018 (a cached property: computed once, here)

    def is_admin(self, arn: str) -> bool:
        """(The admin test alone when the principal is not classified yet: escalation asks it
        of every capable principal, and needs nothing else of the classification.)"""
        if arn not in self.principals:
            return False
        if arn in self._classes:
            return bool(self._classes[arn].admin)
        if arn not in self._admins:
            self._admins[arn] = bool(admin_of(self.principals[arn]))
        return self._admins[arn]

    @cached_property
    def trust(self) -> dict[str, tuple[list[Trustee], str | None]]:
        return {r.arn: trustees(r.trust_policy, f"role {r.name} trust policy")
                for r in self.inv.roles}

    def trusts(self, role_arn: str, service: str) -> bool:
        items, _ = self.trust.get(role_arn, ([], None))
        return bool(trusts_service(items, service))

    @cached_property
    def role_usage(self) -> dict[str, dict[str, list[Workload]]]:
        """role -> kind (task / execution / instance) -> workloads that hold it that way."""
        out: dict[str, dict[str, list[Workload]]] = {}
        for w in self.workloads.values():
            td = w.task_definition
            if td.task_role_arn:
                out.setdefault(td.task_role_arn, {}).setdefault("task", []).append(w)
            if td.execution_role_arn:
                out.setdefault(td.execution_role_arn, {}).setdefault("execution", []).append(w)
            # Only workloads whose containers reach the instance role hold it (I301's verdict);
            # the role is in use by its hosts all the same (below).
            for reach in w.reachable_instance_roles:
                out.setdefault(reach.role_arn, {}).setdefault("instance", []).append(w)
        for ci in self.inv.container_instances:
            inst = self.inv.index.ec2_instance.get(ci.ec2_instance_id or "")
            profile = self.inv.index.instance_profile.get(inst.instance_profile_arn or "") \
                if inst else None
            for role_arn in profile.role_arns if profile else ():
                out.setdefault(role_arn, {}).setdefault("instance", [])
        return out

    # --- per workload ------------------------------------------------------------------------
    def identities(self, w: Workload) -> list[Identity]:
        """The roles whose permissions the containers hold, each with how and why."""
        td = w.task_definition
        out = []
        if td.task_role_arn:
            out.append(Identity(td.task_role_arn, "task-role", "the task role set in the task definition"))
        for reach in w.reachable_instance_roles:
            why = reach.reason if td.task_role_arn else \
                f"no task role: the SDK falls back to the instance profile ({reach.reason})"
            out.append(Identity(reach.role_arn, "instance-role", why, tuple(reach.instances)))
        return out

    def workload_for(self, arn: str) -> Workload | None:
        if arn in self.workloads:
            return self.workloads[arn]
        for w in self.workloads.values():
            if any(s.arn == arn for s in w.services):
                return w
        return None

    # --- the resource layer ---------------------------------------------------------------
    @cached_property
    def layers(self) -> dict[str, ResourceLayer]:
        return build_layers(self.inv)

    @cached_property
    def scps(self) -> tuple:
        """The SCP levels of the account's organisation, parsed once (none when not known)."""
        from auditor.iam.organisation import scp_levels

        return scp_levels(self.inv.organisation)

    @cached_property
    def rcps(self) -> tuple:
        """The RCP levels of the account's organisation (none when it is not known)."""
        from auditor.iam.organisation import rcp_levels

        return rcp_levels(self.inv.organisation)

    def decide(self, principal: str, action: str, resource: str, context: Context | None = None):
        """The one decision for a request: identity, boundary and the resource's own policy."""
        return decide_request(self.principals[principal], layer_for(self.layers, resource), action,
                              resource, context, self.inv.account_id, self.rcps).verdict

    def needs(self, td) -> list[Need]:
        """What ECS needs from a task definition's execution role (keys of its secrets too)."""
        return execution_needs(td, self.inv.account_id) + key_needs(self.inv, td)

    def execution_needs(self, td_arn: str) -> ExecutionNeeds:
        w = self.workloads.get(td_arn)
        td = w.task_definition if w else self.inv.index.task_definition[td_arn]
        needs = self.needs(td)
        role = td.execution_role_arn if td.execution_role_arn in self.principals else None
        missing = [n for n in needs
                   if role is None or self.decide(role, n.action, n.resource).decision == DENIED]
        return ExecutionNeeds(td.execution_role_arn, tuple(needs), tuple(missing))

    def needs_of_role(self, role_arn: str) -> list[Need]:
        out: dict[tuple[str, str], Need] = {}
        for w in self.role_usage.get(role_arn, {}).get("execution", []):
            for n in self.needs(w.task_definition):
                out.setdefault(n.pair(), n)
        return list(out.values())

    # --- questions ---------------------------------------------------------------------------
    def simulate(self, principal: str, action: str, resource: str | None = None,
                 context: Context | None = None) -> dict:
        """One request decided exactly (interfaces.md, simulate). For a task definition or
        service, each identity its containers hold is simulated; the most permissive decides."""
        context = context or {}
        layer = layer_for(self.layers, resource) if resource else None
        account = self.inv.account_id
        if principal in self.principals:
            return simulate_principal(self.principals[principal], action, resource, context, layer,
                                      account, self.rcps)
        w = self.workload_for(principal)
        if w is None:
            raise KeyError(f"{principal} is not an IAM role or user, task definition or service "
                           "in the snapshot")
        each = [simulate_principal(self.principals[i.role_arn], action, resource, context, layer,
                                   account, self.rcps)
                | {"via_role": i.role_arn} for i in self.identities(w) if i.role_arn in self.principals]
        # Not the execution role: it is ECS's own, the application's code never holds it.
        best = most_permissive(each)
        return {"principal": principal, "action": action.lower(), "resource": resource,
                "decision": best["decision"] if best else "denied",
                "decided_by": best["decided_by"] if best else [],
                "via_role": best["via_role"] if best else None, "identities": each,
                **({"note": best["note"]} if best and best.get("note") else {})}

    def actions_by_service(self, role_arn: str) -> Counter:
        """How many concrete actions the role may do, per service (cached per role)."""
        if role_arn not in self._by_service:
            p = self.principals.get(role_arn)
            self._by_service[role_arn] = Counter(a.partition(":")[0] for a in p.grants) if p else Counter()
        return self._by_service[role_arn]

    def grant_rows(self, role_arn: str) -> list[PermissionGrant]:
        """The role's statements as written, each pattern with what is left of it (cached: many
        workloads share a role)."""
        if role_arn not in self._grant_rows:
            p = self.principals.get(role_arn)
            self._grant_rows[role_arn] = grant_rows(p) if p else []
        return self._grant_rows[role_arn]

    def permissions(self, role_arn: str, action_filter: str | None = None) -> list[Permission]:
        """(action, resource, decision) rows for a role, actions expanded and lower-case."""
        rows = self._permission_rows(role_arn)
        if action_filter:
            rows = [r for r in rows if action_matches(action_filter, r.action)]
        return rows

    def _permission_rows(self, role_arn: str) -> list[Permission]:
        # Computed once per role (many workloads share a role), statement by statement.
        if role_arn in self._rows:
            return self._rows[role_arn]
        p = self.principals.get(role_arn)
        if p is None:
            return []
        resources: dict[str, dict[str, None]] = {}
        for st in p.statements:
            if st.effect != "Allow":
                continue
            for res, acts in resource_actions(st):
                for action in acts & p.grant_keys:
                    resources.setdefault(action, {})[res] = None
        if p.boundary is not None:  # a boundary limits resources too, not only actions
            limits = _allowed_patterns(p.boundary)
            resources = {a: dict.fromkeys(intersect(list(r), limits.get(a, ["*"])))
                         for a, r in resources.items()}
        rows = [Permission(action, r, "conditional" if p.grants[action].conditional else "allowed",
                           role_arn)
                for action in sorted(resources) for r in resources[action]]
        rows += resource_grants(self, p)  # what resource policies grant it besides
        self._rows[role_arn] = rows
        return rows

    def what_can(self, arn: str, action_filter: str | None = None) -> WhatCan:
        """A workload's identities (task role, reachable instance roles, and the execution role,
        which ECS uses and the containers do not hold) with their permissions; or a role's or
        user's own, with the stronger roles it can obtain through ECS."""
        if arn in self.principals:
            kind = "user" if ":user/" in arn else "role"
            reach = self.escalation.get(arn)
            escalations = tuple(
                {"target": t, "gains_actions": n, "kind": path.kind if path else "",
                 "steps": list(path.steps) if path else [], "conditional": bool(path and path.conditional)}
                for t, n in sorted(reach.targets.items(), key=lambda kv: -kv[1])
                for path in [self.escalation_path(arn, t)]) if reach else ()
            return WhatCan(arn, (Identity(arn, "self", f"the {kind} itself"),),
                           tuple(self.permissions(arn, action_filter)), escalations)
        w = self.workload_for(arn)
        if w is None:
            raise KeyError(f"{arn} is not a task definition, service or IAM principal in the snapshot")
        ids = self.identities(w)
        exec_role = w.task_definition.execution_role_arn
        if exec_role:
            ids.append(Identity(exec_role, "execution-role", "used by ECS to pull images, ship logs and "
                                "inject secrets; the containers do not hold it"))
        perms = [row for i in ids for row in self.permissions(i.role_arn, action_filter)]
        return WhatCan(arn, tuple(ids), tuple(perms))

    def who_can(self, action: str, resource: str = "*") -> WhoCan:
        """Who may do `action` on `resource`; "*" (the default) asks "on some resource", and each
        principal then lists the resource patterns its policies allow it on."""
        act = action.lower()
        known = act in catalogue()
        layer = layer_for(self.layers, resource) if resource != "*" else None
        if layer is not None:
            return self._who_can_resource(act, resource, layer)
        principals = []
        for arn, p in sorted(self.principals.items()):
            if known and act not in p.grants:
                continue  # fast path: the grants table already says no
            if resource == "*":
                g = p.grants.get(act)
                if g is None:
                    continue
                principals.append(WhoCanEntry(arn, "conditional" if g.conditional else "allowed",
                                              self._carriers(arn), resources=_patterns(p, act)))
                continue
            v = p.decide(act, resource)
            if v.decision == DENIED:
                continue
            principals.append(WhoCanEntry(arn, v.decision, self._carriers(arn)))
        principals += self._escalating({x.arn for x in principals})
        return WhoCan(act, resource, tuple(principals))

    @cached_property
    def principal_edges(self) -> dict[str, list[Edge]]:
        """Principal -> principals it can become: ECS routes to task roles, instance roles through
        IMDS from a new task, and sts:AssumeRole."""
        out = {k: list(v) for k, v in ecs_edges(self).items()}
        for src, es in self.other_edges.items():
            out.setdefault(src, []).extend(es)
        return out

    @cached_property
    def other_edges(self) -> dict[str, list[Edge]]:
        """The edges that are not ECS task-role routes: sts:AssumeRole, instance roles, task roles
        reached by pushing an image they pull by a mutable tag, and task roles on EC2 capacity
        reached as its ECS agent (graph/host_paths.py)."""
        out: dict[str, list[Edge]] = {}
        for more in (assume_role_edges(self), instance_role_edges(self), image_push_edges(self),
                     agent_credential_edges(self), register_instance_edges(self)):
            for src, es in more.items():
                out.setdefault(src, []).extend(es)
        return out

    def _escalating(self, direct: set[str]) -> list[WhoCanEntry]:
        return escalating(self, direct)

    def _who_can_resource(self, act: str, resource: str, layer: ResourceLayer) -> WhoCan:
        """On a resource with its own policy: every principal of the account by the whole
        decision (the policy may admit one its identity policies do not), then whoever outside
        the account the policy admits, marked external or public."""
        principals = []
        for arn in sorted(self.principals):
            v = self.decide(arn, act, resource)
            if v.decision != DENIED:
                principals.append(WhoCanEntry(arn, v.decision, self._carriers(arn)))
        account = self.inv.account_id
        principals += self._escalating({x.arn for x in principals})
        principals += [WhoCanEntry(o.arn, o.decision, (), reach=o.reach)
                       for o in outsiders(layer, act, resource, account)]
        notes = () if layer.statements is not None else (
            f"the {layer.source} could not be read: answers are conditional, and principals it "
            "might admit are not listed",)
        return WhoCan(act, resource, tuple(principals), notes)

    def _carriers(self, role_arn: str) -> tuple[Carrier, ...]:
        out = []
        usage = self.role_usage.get(role_arn, {})
        for kind in ("task", "instance"):
            for w in usage.get(kind, []):
                out += [Carrier(x, f"{kind}-role") for x in (w.arn, *(s.arn for s in w.services))]
        return tuple(out)

    @cached_property
    def escalation(self) -> dict[str, Reach]:
        """Principal -> what it can reach through ECS (only principals that are not admin)."""
        facts, targets, out = self.ecs_facts, None, {}
        for p in self.principals.values():
            finder = Finder(p, facts)  # one at a time: thousands of principals may be capable
            if not finder.capable or self.is_admin(p.arn):
                continue
            if targets is None:
                targets = Targets([self.principals[r.arn] for r in self.inv.roles
                                   if r.arn in self.principals and self.trusts(r.arn, ECS_TASKS)])
            reach = find_reach(finder, targets)
            if reach:
                out[p.arn] = reach
        return out

    @cached_property
    def ecs_facts(self) -> EcsFacts:
        """Where tasks launch, what there is to override, where Exec opens a shell."""
        from auditor.graph.ecs_facts import ecs_facts

        return ecs_facts(self)

    @property
    def escalation_paths(self) -> list[EscalationPath]:
        """The detailed paths (most gained first for each principal)."""
        return [path for reach in self.escalation.values() for path in reach.paths]

    @cached_property
    def chained_paths(self) -> list[EscalationPath]:
        """Principals without a direct ECS route that still obtain a stronger principal by a
        path of several steps (graph/paths.py chained_escalations), one path each."""
        from auditor.graph.escalation import gained_count
        from auditor.graph.paths import chained_escalations

        out = []
        for principal, (steps, target) in sorted(chained_escalations(self).items()):
            mine, theirs = self.principals[principal], self.principals.get(target)
            gained = gained_count(mine.grant_keys, theirs.grant_keys) if theirs else 0
            sample = [a for a in theirs.highlight_order if a not in mine.grant_keys][:8] if theirs else []
            out.append(EscalationPath(principal, target, "path", steps,
                                      any(st["decision"] == "conditional" for st in steps), gained, sample))
        return out

    def escalation_path(self, principal: str, target: str) -> EscalationPath | None:
        reach = self.escalation.get(principal)
        if reach is None or target not in reach.targets:
            return None
        known = next((x for x in reach.paths if x.target_role == target), None)
        if known:
            return known
        return Finder(self.principals[principal], self.ecs_facts).path(self.principals[target])

    def exec_principals(self, service_arn: str) -> list[ExecPrincipal]:
        s = self.inv.index.service[service_arn]
        out = []
        for arn, p in sorted(self.principals.items()):
            if "ecs:executecommand" not in p.grants:
                continue
            v = p.decide("ecs:ExecuteCommand", s.cluster_arn)
            if v.decision != DENIED:
                out.append(ExecPrincipal(arn, v.decision))
        return out


def _patterns(p, action: str) -> tuple[str, ...]:
    """The resource patterns of the principal's allow statements that name `action`."""
    out: dict[str, None] = {}
    for st in p.statements:
        if st.effect == "Allow" and action in statement_actions(st):
            out.update((res, None) for res, acts in resource_actions(st) if action in acts)
    return tuple(out)


def _allowed_patterns(statements) -> dict[str, list[str]]:
    """action -> the resource patterns the allow statements give it."""
    out: dict[str, list[str]] = {}
    for st in statements:
        if st.effect == "Allow":
            for res, acts in resource_actions(st):
                for action in acts:
                    out.setdefault(action, []).append(res)
    return out


def intersect(ours: list[str], limits: list[str]) -> list[str]:
    """Resource patterns in both lists, the narrower of each overlapping pair ("*" and t -> t;
    b/* and b/k -> b/k). Pairs that overlap only partly keep our pattern (an overestimate)."""
    from auditor.iam.evaluate import resource_matches
    from auditor.iam.glob import globs_intersect

    out: dict[str, None] = {}
    for a in ours:
        for b in limits:
            if b == "*" or b.startswith("NOT ") or a == b:
                out[a] = None
            elif a == "*" or a.startswith("NOT "):
                out[b] = None
            elif resource_matches(b, a):
                out[a] = None  # a lies within b
            elif resource_matches(a, b):
                out[b] = None
            elif globs_intersect(a, b):
                out[a] = None  # they overlap in part (*/k and b/*): ours, an overestimate
    return list(out)
