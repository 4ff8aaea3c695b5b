"""Paths of any length between principals: ECS escalation methods (a task launched with a passed
role, Exec into a task) and sts:AssumeRole, where the identity policy and the trust policy both
allow it. `who-can` follows them, so "role A -> AssumeRole B -> RunTask with admin role C" is one
answer with every step.

Trust in the same account (IAM User Guide, "Policy evaluation logic"): a trust policy that names
the principal's ARN suffices by itself; one that names the account needs the principal's own
policies to allow sts:AssumeRole on the role too. A condition in either makes the step
conditional.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from auditor.iam.evaluate import DENIED
from auditor.iam.glob import resource_glob


@dataclass(frozen=True)
class Edge:
    target: str
    kind: str  # assume-role | ecs (a route of graph/escalation.py) | one of STRONGER_KINDS
    conditional: bool
    steps: tuple[dict, ...] = ()  # its own steps, when not an ecs route (built on demand)


def admits(kind: str, value: str, principal: str, account: str) -> str | None:
    """How a trustee (its kind and value, as trust.py reads them) admits a principal of
    `account`: "direct" (named, or everyone), "account" (the account's root: the principal's
    own policies must allow the call too) or None."""
    if kind == "any":
        return "direct"
    if kind != "aws":
        return None
    if value == principal or ("*" in value and resource_glob(value).fullmatch(principal)):
        return "direct"
    if value in (account, f"arn:aws:iam::{account}:root"):
        return "account"
    return None


def assume_role_edges(model) -> dict[str, list[Edge]]:
    account = model.inv.account_id
    callers = {arn for arn, p in model.principals.items() if "sts:assumerole" in p.grants}
    everyone = sorted(callers)
    own = (account, f"arn:aws:iam::{account}:root")
    out: dict[str, list[Edge]] = {}
    for role in model.inv.roles:
        trustees, _ = model.trust.get(role.arn, ([], None))
        aws = [t for t in trustees if t.kind in ("aws", "any") and not t.negated]
        if not aws:
            continue
        named = {t.value for t in aws if t.value in model.principals}
        # Only a trustee of everyone, of a pattern or of this account may admit a caller it
        # does not name (admits): a trust naming roles, or other accounts, is read for those.
        broad = any(t.kind == "any" or "*" in t.value or t.value in own for t in aws)
        if not broad:
            candidates = sorted(named)
        elif named - callers:
            candidates = sorted(callers | named)
        else:
            candidates = everyone
        for arn in candidates:
            if arn == role.arn:
                continue
            how = [(t, a) for t in aws if (a := admits(t.kind, t.value, arn, account))]
            if not how:
                continue
            p = model.principals[arn]
            v = p.decide("sts:AssumeRole", role.arn)
            if v.decision == DENIED and (v.denies or all(a == "account" for _, a in how)):
                continue  # an explicit deny, or a trust in the account that its IAM does not back
            conditional = v.decision != "allowed" or all(t.conditions for t, _ in how)
            step = {"action": "sts:AssumeRole", "resource": role.arn,
                    "decision": "conditional" if conditional else "allowed"}
            out.setdefault(arn, []).append(Edge(role.arn, "assume-role", conditional, (step,)))
    return out


def instance_role_edges(model) -> dict[str, list[Edge]]:
    """P -> an instance role, when P may register a task definition and run it on a cluster
    whose container instances answer IMDS: a task with no task role in network mode host
    reaches the instance profile's credentials whatever the hop limit (ECS Developer Guide,
    "Amazon ECS task IAM role"; the same reachability as rule I301). No iam:PassRole is needed.
    Without RegisterTaskDefinition, an existing definition whose tasks reach IMDS, run with
    its command overridden, does the same."""
    ix = model.inv.index
    hosts: dict[str, dict[str, list[str]]] = {}  # cluster -> instance role -> instances
    for ci in model.inv.container_instances:
        inst = ix.ec2_instance.get(ci.ec2_instance_id or "")
        if inst is None or inst.http_endpoint == "disabled":
            continue
        profile = ix.instance_profile.get(inst.instance_profile_arn or "")
        for role in profile.role_arns if profile else ():
            hosts.setdefault(ci.cluster_arn, {}).setdefault(role, []).append(inst.instance_id)
    out: dict[str, list[Edge]] = {}
    if not hosts:
        return out
    for arn, p in sorted(model.principals.items()):
        g = p.grants
        launchers = [a for a in ("ecs:RunTask", "ecs:StartTask") if a.lower() in g]
        if not launchers or model.is_admin(arn):
            continue
        register = p.decide("ecs:RegisterTaskDefinition", "*") if "ecs:registertaskdefinition" in g else None
        if register is None or register.decision == DENIED:
            out.setdefault(arn, []).extend(_overridden_definitions(model, arn, p, launchers))
            continue
        for cluster, roles in sorted(hosts.items()):
            region, account = cluster.split(":")[3], cluster.split(":")[4]
            probe = f"arn:aws:ecs:{region}:{account}:task-definition/new-task:1"
            run = next(((a, v) for a in launchers
                        if (v := p.decide(a, probe, {"ecs:cluster": (cluster,)})).decision != DENIED), None)
            if run is None:
                continue
            conditional = "conditional" in (register.decision, run[1].decision)
            for role, instances in sorted(roles.items()):
                if role == arn:
                    continue
                steps = ({"action": "ecs:RegisterTaskDefinition", "resource": "*",
                          "decision": register.decision,
                          "note": "no task role, network mode host"},
                         {"action": run[0], "resource": cluster, "decision": run[1].decision,
                          "note": f"IMDS answers on {', '.join(sorted(instances)[:3])}: the task "
                                  "gets the instance role"})
                out.setdefault(arn, []).append(Edge(role, "instance-role", conditional, steps))
    return out


def _overridden_definitions(model, arn: str, p, launchers: list[str]) -> list[Edge]:
    """Without RegisterTaskDefinition: RunTask / StartTask of an existing definition whose
    tasks reach IMDS on their cluster's instances, with containerOverrides.command, runs the
    principal's code next to the instance role (pathfinding ecs-008 / ecs-009 with the instance
    role as the target). PassRole is needed only for the roles the definition names."""
    from auditor.graph.escalation import PASS_CONTEXT

    out = []
    for w in model.workloads.values():
        td, reach = w.task_definition, w.reachable_instance_roles
        if not reach:
            continue
        named = [r for r in (td.task_role_arn, td.execution_role_arn) if r]
        passed = [p.decide("iam:PassRole", r, PASS_CONTEXT) for r in named]
        if any(v.decision == DENIED for v in passed):
            continue
        for cluster in sorted(w.clusters):
            run = next(((a, v) for a in launchers
                        if (v := p.decide(a, td.arn, {"ecs:cluster": (cluster,)})).decision != DENIED), None)
            if run is None:
                continue
            steps = tuple({"action": "iam:PassRole", "resource": r, "decision": v.decision}
                          for r, v in zip(named, passed, strict=True))
            for r in reach:
                if r.role_arn == arn:
                    continue
                launch = {"action": run[0], "resource": cluster, "decision": run[1].decision,
                          "note": f"{td.arn} with containerOverrides.command: IMDS answers on "
                                  f"{', '.join(sorted(r.instances)[:3])} ({r.reason})"}
                conditional = any(st["decision"] != "allowed" for st in (*steps, launch))
                out.append(Edge(r.role_arn, "instance-role", conditional, (*steps, launch)))
            break
    return out


# What pushing an image takes (ECR User Guide, "Pushing a Docker image": the layer uploads and
# PutImage on the repository; GetAuthorizationToken on "*" for docker login).
PUSH_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage")


def image_push_edges(model) -> dict[str, list[Edge]]:
    """P -> a task role, when a task definition that runs with it pulls an image by a mutable
    tag (not a digest) from one of the account's ECR repositories that P may push to: the
    next task started runs P's code with the role. Conditional: it waits for a new task
    (a deployment, a scale-out, a replaced task)."""
    from auditor.facts.images import ecr_repository, image_reference

    ix = model.inv.index
    pulls: dict[str, list[tuple[str, str, str]]] = {}  # repository -> (task role, image, workload)
    for w in model.workloads.values():
        td = w.task_definition
        for c in td.containers if td.task_role_arn else ():
            where = ecr_repository(c.image or "")
            _, tag, digest = image_reference(c.image or "")
            if not where or digest or where[0] != model.inv.account_id:
                continue
            repo = f"arn:aws:ecr:{where[1]}:{where[0]}:repository/{where[2]}"
            held = ix.resource_policy.get(repo)
            if held is not None and held.tag_mutability == "MUTABLE":
                pulls.setdefault(repo, []).append((td.task_role_arn, c.image, w.arn))
    out: dict[str, list[Edge]] = {}
    if not pulls:
        return out
    pushers = [arn for arn, p in model.principals.items() if "ecr:putimage" in p.grants]
    for repo, users in sorted(pulls.items()):
        for arn in sorted(pushers):
            verdicts = [model.decide(arn, a, "*" if a == "ecr:GetAuthorizationToken" else repo)
                        for a in PUSH_ACTIONS]
            if any(v.decision == DENIED for v in verdicts):
                continue
            for role, image, workload in users:
                if role == arn:
                    continue
                step = {"action": "ecr:PutImage", "resource": repo, "decision": "conditional",
                        "note": f"{image} is pulled by a mutable tag by {workload}: the next task "
                                "started runs the pushed image with its task role"}
                out.setdefault(arn, []).append(Edge(role, "image-push", True, (step,)))
    return out


def ecs_edges(model) -> dict[str, list[Edge]]:
    out: dict[str, list[Edge]] = {}
    for principal, reach in model.escalation.items():
        out[principal] = [Edge(t, "ecs", True) for t in reach.targets]
    return out


def shortest_paths(edges: dict[str, list[Edge]], goals: set[str]) -> dict[str, list[Edge]]:
    """For every principal that can reach a goal: the edges of its shortest path there."""
    back: dict[str, list[tuple[str, Edge]]] = {}
    for src, es in edges.items():
        for e in es:
            back.setdefault(e.target, []).append((src, e))
    nxt: dict[str, tuple[str, Edge]] = {}
    queue = deque(goals)
    seen = set(goals)
    while queue:
        node = queue.popleft()
        for src, e in back.get(node, ()):
            if src not in seen:
                seen.add(src)
                nxt[src] = (node, e)
                queue.append(src)
    out = {}
    for start in nxt:
        path, node = [], start
        while node in nxt:
            node, e = nxt[node]
            path.append(e)
        out[start] = path
    return out


def escalating(model, direct: set[str]) -> list:
    """Principals that reach one of `direct` by a path of any length, with every step."""
    from auditor.graph.answers import WhoCanEntry

    out = []
    for principal, hops in sorted(shortest_paths(model.principal_edges, direct).items()):
        steps, node = [], principal
        for e in hops:
            if e.steps:
                steps += [dict(st, to=e.target) for st in e.steps]
            else:
                path = model.escalation_path(node, e.target)
                if path is None:
                    break
                steps += [dict(st, to=e.target) for st in path.steps]
            node = e.target
        else:
            out.append(WhoCanEntry(principal, "conditional", model._carriers(principal), tuple(steps),
                                   hops[-1].target))
    return out


# Edges that reach another principal by an ECS step of their own (not sts:AssumeRole).
STRONGER_KINDS = ("instance-role", "image-push", "agent-credentials", "register-instance")


def chained_escalations(model) -> dict[str, tuple[list[dict], str]]:
    """Principals, not admin and without a direct ECS route of graph/escalation.py, that still
    obtain a stronger principal by a path that includes an ECS step: a new task reaching an
    instance role through IMDS, or sts:AssumeRole into a principal with an ECS route.
    principal -> (steps, the principal finally obtained)."""
    from auditor.graph.escalation import gained_count

    # ECS routes start at principals that are goals already: only the other edges lead to one
    # (and the ECS edges of thousands of roles would cost more than the whole search).
    edges = model.other_edges
    direct = set(model.escalation)
    stronger = {}
    for src, es in edges.items():
        for e in (x for x in es if x.kind in STRONGER_KINDS):
            p, t = model.principals.get(src), model.principals.get(e.target)
            if p and t and gained_count(p.grant_keys, t.grant_keys):
                stronger.setdefault(src, e)
    goals = direct | set(stronger)
    out: dict[str, tuple[list[dict], str]] = {}
    for principal, hops in shortest_paths(edges, goals).items():
        if principal in direct or model.is_admin(principal):
            continue
        steps = [dict(st, to=e.target) for e in hops for st in e.steps]
        if len(steps) != sum(len(e.steps) for e in hops) or any(not e.steps for e in hops):
            continue  # only assume-role hops lead to the goal; the goal's own route follows
        goal = hops[-1].target
        final = _route_from(model, goal, stronger)
        if final:
            out[principal] = (steps + final[0], final[1])
    for principal, e in stronger.items():
        if principal not in direct and principal not in out and not model.is_admin(principal):
            out[principal] = ([dict(st, to=e.target) for st in e.steps], e.target)
    return out


def _route_from(model, goal: str, stronger: dict) -> tuple[list[dict], str] | None:
    reach = model.escalation.get(goal)
    if reach and reach.paths:
        p = reach.paths[0]
        return [dict(st, to=p.target_role) for st in p.steps], p.target_role
    e = stronger.get(goal)
    return ([dict(st, to=e.target) for st in e.steps], e.target) if e else None
