"""One builder: the who-can-do-what graph of an inventory, as a networkx MultiDiGraph."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.fsutil import atomic_write_text
from auditor.graph.access import AccessModel
from auditor.graph.kinds import Edge, Node

if TYPE_CHECKING:  # networkx loads when a graph is built, not for every audit (0.1 s)
    import networkx as nx


def build_graph(model: AccessModel) -> nx.MultiDiGraph:
    inv, ix = model.inv, model.inv.index
    import networkx as nx

    g = nx.MultiDiGraph(account_id=inv.account_id)

    def node(key: str, kind: Node, label: str, **attrs) -> str:
        if key not in g:
            g.add_node(key, kind=str(kind), label=label, **{k: v for k, v in attrs.items()
                                                             if v is not None})
        return key

    def edge(a: str, b: str, label: Edge, **attrs) -> None:
        g.add_edge(a, b, key=str(label), label=str(label), **attrs)

    account = node(f"account:{inv.account_id}", Node.ACCOUNT, inv.account_id)
    for r in inv.roles:
        node(r.arn, Node.ROLE, r.name, admin=model.is_admin(r.arn))
    for u in inv.users:
        node(u.arn, Node.USER, u.name, admin=model.is_admin(u.arn))
    for c in inv.clusters:
        edge(account, node(c.arn, Node.CLUSTER, c.name, region=c.region), Edge.CONTAINS)
    for s in inv.services:
        node(s.arn, Node.SERVICE, s.name, launch_type=s.launch_label)
        if s.cluster_arn in g:
            edge(s.cluster_arn, s.arn, Edge.CONTAINS)
        for ref, tg, lbs in ix.fronts(s):
            if tg:
                edge(s.arn, node(tg.arn, Node.TARGET_GROUP, tg.name, target_type=tg.target_type),
                     Edge.BEHIND, container=ref.container_name, port=ref.container_port)
            for lbo in lbs:  # behind the target group, or (Classic) in front of the service
                edge(tg.arn if tg else s.arn, node(lbo.arn, Node.LOAD_BALANCER, lbo.name,
                                                   lb_type=lbo.type, scheme=lbo.scheme),
                     Edge.TARGET_OF if tg else Edge.BEHIND)
    for w in model.workloads.values():
        td = w.task_definition
        node(td.arn, Node.TASK_DEFINITION, f"{td.family}:{td.revision}",
             network_mode=td.effective_network_mode, in_use=w.in_use)
        for s in w.services:
            edge(s.arn, td.arn, Edge.RUNS)
        for c in td.containers:
            edge(td.arn, node(f"{td.arn}#{c.name}", Node.CONTAINER, c.name, image=c.image),
                 Edge.HAS_CONTAINER)
        for role_arn, label in ((td.task_role_arn, Edge.TASK_ROLE),
                                (td.execution_role_arn, Edge.EXECUTION_ROLE)):
            if role_arn:
                node(role_arn, Node.ROLE, role_arn.rsplit("/", 1)[-1])
                edge(td.arn, role_arn, label)
        for reach in w.reachable_instance_roles:
            edge(td.arn, reach.role_arn, Edge.REACHES_VIA_IMDS, reason=reach.reason)
        for v in td.volumes:
            if not v.efs:
                continue
            fs = ix.file_system.get((td.region, v.efs.file_system_id))
            fs_node = node(fs.arn if fs else v.efs.file_system_id, Node.FILE_SYSTEM,
                           v.efs.file_system_id, missing=fs is None)
            if v.efs.access_point_id:
                ap = ix.access_point.get((td.region, v.efs.access_point_id))
                ap_node = node(ap.arn if ap else v.efs.access_point_id, Node.ACCESS_POINT,
                               v.efs.access_point_id)
                edge(td.arn, ap_node, Edge.MOUNTS)
                edge(ap_node, fs_node, Edge.ACCESS_POINT_OF)
            else:
                edge(td.arn, fs_node, Edge.MOUNTS)
    for ci in inv.container_instances:
        node(ci.arn, Node.CONTAINER_INSTANCE, ci.arn.rsplit("/", 1)[-1])
        if ci.cluster_arn in g:
            edge(ci.cluster_arn, ci.arn, Edge.HAS_INSTANCE)
        inst = ix.ec2_instance.get(ci.ec2_instance_id or "")
        if inst:
            edge(ci.arn, node(inst.instance_id, Node.EC2_INSTANCE, inst.instance_id,
                              http_tokens=inst.http_tokens,
                              hop_limit=inst.http_put_response_hop_limit), Edge.BACKED_BY)
            profile = ix.instance_profile.get(inst.instance_profile_arn or "")
            if profile:
                edge(inst.instance_id, node(profile.arn, Node.INSTANCE_PROFILE, profile.name),
                     Edge.HAS_PROFILE)
                for role_arn in profile.role_arns:
                    edge(profile.arn, role_arn, Edge.PROFILE_ROLE)
    for principal, reach in model.escalation.items():
        g.nodes[principal]["escalation_targets"] = reach.total
    for path in model.escalation_paths:  # the most telling paths of each principal
        edge(path.principal, path.target_role, Edge.CAN_ESCALATE, kind=path.kind,
             conditional=path.conditional)
        if path.kind != "execute-command":
            edge(path.principal, path.target_role, Edge.CAN_PASS)
        else:
            for svc in path.via:
                edge(path.principal, svc, Edge.CAN_EXEC)
    return g


def _flat(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML takes scalars only: render other attribute values as JSON text."""
    h = g.copy()
    for _, data in h.nodes(data=True):
        for k, v in list(data.items()):
            if not isinstance(v, str | int | float | bool):
                data[k] = json.dumps(v)
    for *_, data in h.edges(keys=True, data=True):
        for k, v in list(data.items()):
            if not isinstance(v, str | int | float | bool):
                data[k] = json.dumps(v)
    return h


def write_graphml(g: nx.MultiDiGraph, path: Path) -> Path:
    import networkx as nx

    text = "\n".join(nx.generate_graphml(_flat(g)))
    return atomic_write_text(path, text)


def write_node_link(g: nx.MultiDiGraph, path: Path) -> Path:
    import networkx as nx

    data = nx.node_link_data(g, edges="links")
    return atomic_write_text(path, json.dumps(data, indent=1, default=str))
