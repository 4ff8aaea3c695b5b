"""Host-level escalation: what a principal holding an instance's credentials, or allowed to
register container instances, gets from the tasks ECS places on EC2 capacity.

- Agent credentials (ECScape, Sweet Security, 2025): the ECS agent receives the credentials of
  every task placed on its instance over the connection ecs:DiscoverPollEndpoint and ecs:Poll
  open. A principal allowed both for a container instance (the instance role of
  AmazonEC2ContainerServiceforEC2Role is) can act as that agent and take the task roles of the
  tasks on it; AWS's ECS security considerations warn that tasks on one instance are not
  isolated from each other's roles. Tasks running there now: the edge is certain as far as the
  decisions go; tasks of EC2 services of the cluster that may be placed there: conditional.
- RegisterContainerInstance: a principal allowed ecs:RegisterContainerInstance on a cluster
  (and the agent's two calls) can join a host it controls to the cluster and be given tasks
  of its EC2 services, with their task roles. Always conditional: the scheduler must place a
  task there (a deployment, a scale-out, a replaced task) and the host's identity must be
  presented.
"""

from __future__ import annotations

from auditor.graph.paths import Edge
from auditor.iam.evaluate import DENIED
from auditor.model.arns import in_cluster

AGENT_ACTIONS = ("ecs:DiscoverPollEndpoint", "ecs:Poll")  # on "*", on the container instance


def _task_role(model, td_arn: str) -> str | None:
    td = model.inv.index.task_definition.get(td_arn)
    return td.task_role_arn if td else None


def _agent_steps(model, principal: str, instance_arn: str) -> list[dict] | None:
    steps = []
    for action, resource in zip(AGENT_ACTIONS, ("*", instance_arn), strict=True):
        v = model.decide(principal, action, resource)
        if v.decision == DENIED:
            return None
        steps.append({"action": action, "resource": resource, "decision": v.decision})
    return steps


def _services_on_ec2(model) -> dict[str, list[tuple[str, str]]]:
    """cluster -> (task role, service) of the services that run on EC2 capacity there."""
    out: dict[str, list[tuple[str, str]]] = {}
    for s in model.inv.services:
        role = _task_role(model, s.task_definition_arn)
        if role and s.launch_label in ("EC2", "EXTERNAL"):
            out.setdefault(s.cluster_arn, []).append((role, s.arn))
    return out


def agent_credential_edges(model) -> dict[str, list[Edge]]:
    """Instance role -> the task roles of the tasks on its instances (and, conditional, of the
    EC2 services of the instance's cluster)."""
    ix = model.inv.index
    on_host: dict[str, list[tuple[str, str]]] = {}  # container instance -> (task role, task)
    for t in model.inv.tasks:
        role = _task_role(model, t.task_definition_arn)
        if role and t.container_instance_arn:
            on_host.setdefault(t.container_instance_arn, []).append((role, t.arn))
    placed = _services_on_ec2(model)
    out: dict[str, list[Edge]] = {}
    best: dict[tuple[str, str], Edge] = {}  # (instance role, task role) -> the surest edge
    for ci in model.inv.container_instances:
        inst = ix.ec2_instance.get(ci.ec2_instance_id or "")
        profile = ix.instance_profile.get(inst.instance_profile_arn or "") if inst else None
        for holder in profile.role_arns if profile else ():
            if holder not in model.principals or model.is_admin(holder):
                continue
            agent = _agent_steps(model, holder, ci.arn)
            if agent is None:
                continue
            now = {role: task for role, task in on_host.get(ci.arn, ())}
            later = {role: svc for role, svc in placed.get(ci.cluster_arn, ()) if role not in now}
            for role, where, certain in [(r, w, True) for r, w in sorted(now.items())] + \
                    [(r, w, False) for r, w in sorted(later.items())]:
                if role == holder:
                    continue
                whose = f"the task {where} running there" if certain else \
                    f"tasks of {where} once one is placed there"
                note = f"as the ECS agent of {inst.instance_id}, it is sent the credentials of {whose}"
                steps = tuple(dict(s) for s in agent[:-1]) + (dict(agent[-1], note=note, **(
                    {} if certain else {"decision": "conditional"})),)
                conditional = not certain or any(s["decision"] != "allowed" for s in agent)
                known = best.get((holder, role))
                if known is None or (known.conditional and not conditional):
                    best[(holder, role)] = Edge(role, "agent-credentials", conditional, steps)
    for (holder, _), edge in sorted(best.items()):  # one edge per pair: each host would repeat it
        out.setdefault(holder, []).append(edge)
    return out


def register_instance_edges(model) -> dict[str, list[Edge]]:
    """Principal -> the task roles of a cluster's EC2 services, when it may register a
    container instance in the cluster and poll as its agent."""
    placed = _services_on_ec2(model)
    if not placed:
        return {}
    wanted = ("ecs:registercontainerinstance", *(a.lower() for a in AGENT_ACTIONS))
    out: dict[str, list[Edge]] = {}
    for arn, p in sorted(model.principals.items()):
        if not all(a in p.grants for a in wanted) or model.is_admin(arn):
            continue
        for cluster, users in sorted(placed.items()):
            joined = model.decide(arn, "ecs:RegisterContainerInstance", cluster)
            if joined.decision == DENIED:
                continue
            agent = _agent_steps(model, arn, in_cluster(cluster, "container-instance"))  # the one it adds
            if agent is None:
                continue
            for role, svc in sorted(set(users)):
                if role == arn:
                    continue
                steps = ({"action": "ecs:RegisterContainerInstance", "resource": cluster,
                          "decision": joined.decision,
                          "note": "a host it controls joins the cluster"},
                         *agent[:-1],
                         dict(agent[-1], decision="conditional",
                              note=f"once the scheduler places a task of {svc} on that host, the "
                                   "agent is sent its task role's credentials"))
                out.setdefault(arn, []).append(Edge(role, "register-instance", True, steps))
    return out
