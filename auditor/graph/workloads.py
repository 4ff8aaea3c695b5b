"""Workloads (task definitions in use) and the identities their containers hold.

Three identities stay apart: the task role (the application's), the execution role (ECS's own)
and the instance role (the host's, reachable through IMDS on EC2; aws-facts.md section 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Ec2Instance, Inventory, Service, TaskDefinition


@dataclass(frozen=True)
class ImdsReach:
    role_arn: str
    reachable: bool
    reason: str
    instances: tuple[str, ...]


@dataclass
class Workload:
    task_definition: TaskDefinition
    services: list[Service] = field(default_factory=list)
    running_tasks: int = 0
    in_use: bool = False
    launch_types: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)
    imds: list[ImdsReach] = field(default_factory=list)
    imds_unknown: str | None = None  # why reachability could not be judged

    @property
    def arn(self) -> str:
        return self.task_definition.arn

    @property
    def on_ec2(self) -> bool:
        return "EC2" in self.launch_types

    @property
    def reachable_instance_roles(self) -> list[ImdsReach]:
        return [r for r in self.imds if r.reachable]


def launch_types_of(td: TaskDefinition, services: list[Service], task_launch: set[str]) -> set[str]:
    out = {s.launch_label for s in services} | task_launch
    if not out:
        # Not running anywhere: judge by what it declares it needs.
        req = set(td.requires_compatibilities)
        out = req & {"EC2", "FARGATE", "EXTERNAL"} if req else {"EC2"}
    return out


def select_workloads(inv: Inventory) -> dict[str, Workload]:
    """Revisions in use (service deployments, running tasks), else each family's latest."""
    ix = inv.index
    by_arn: dict[str, Workload] = {}

    def get(arn: str) -> Workload | None:
        td = ix.task_definition.get(arn)
        if td is None:
            return None
        return by_arn.setdefault(arn, Workload(td))

    for s in inv.services:
        for arn in {s.task_definition_arn, *s.deployment_task_definitions}:
            w = get(arn)
            if w:
                w.in_use = True
                w.services.append(s)
                w.clusters.add(s.cluster_arn)
    task_launch: dict[str, set[str]] = {}
    for t in inv.tasks:
        w = get(t.task_definition_arn)
        if w:
            w.in_use = True
            w.running_tasks += 1
            w.clusters.add(t.cluster_arn)
            task_launch.setdefault(w.arn, set()).add(t.launch_type or "EC2")
    used_families = {(w.task_definition.region, w.task_definition.family) for w in by_arn.values()}
    latest: dict[tuple[str, str], TaskDefinition] = {}
    for td in inv.task_definitions:
        key = (td.region, td.family)
        if td.status == "ACTIVE" and key not in used_families and (
                key not in latest or td.revision > latest[key].revision):
            latest[key] = td
    for td in latest.values():
        by_arn[td.arn] = Workload(td)
    for w in by_arn.values():
        w.launch_types = launch_types_of(w.task_definition, w.services, task_launch.get(w.arn, set()))
        if w.on_ec2:
            judge_imds(inv, w)
    return by_arn


def _blocks(network_mode: str, inst: Ec2Instance) -> str | None:
    """Why this instance keeps a container in this network mode from IMDS, or None."""
    if inst.http_endpoint == "disabled":
        return "IMDS disabled"
    if network_mode in ("bridge", "default") and inst.http_tokens == "required" \
            and inst.http_put_response_hop_limit == 1:
        return "IMDSv2 required with hop limit 1"
    return None


def judge_imds(inv: Inventory, w: Workload) -> None:
    ix = inv.index
    mode = w.task_definition.effective_network_mode
    if mode == "none":
        return
    candidates = [ci for c in w.clusters for ci in ix.instances_by_cluster.get(c, [])]
    if not candidates:
        w.imds_unknown = "no container instances registered in its cluster"
        return
    by_role: dict[str, list[tuple[str, str | None]]] = {}
    missing = []
    for ci in candidates:
        inst = ix.ec2_instance.get(ci.ec2_instance_id or "")
        if inst is None:
            missing.append(ci.ec2_instance_id or ci.arn)
            continue
        profile = ix.instance_profile.get(inst.instance_profile_arn or "")
        if profile is None:
            continue
        for role_arn in profile.role_arns:
            by_role.setdefault(role_arn, []).append((inst.instance_id, _blocks(mode, inst)))
    if missing and not by_role:
        w.imds_unknown = f"EC2 details of {', '.join(missing)} not collected"
    for role_arn, items in sorted(by_role.items()):
        open_ = [i for i, why in items if why is None]
        if open_:
            reason = _open_reason(mode, ix.ec2_instance[open_[0]])
            w.imds.append(ImdsReach(role_arn, True, reason, tuple(open_)))
        else:
            w.imds.append(ImdsReach(role_arn, False, "; ".join(sorted({why for _, why in items
                                                                       if why})),
                                    tuple(i for i, _ in items)))


def _open_reason(mode: str, inst: Ec2Instance) -> str:
    if mode == "host":
        return "network mode host shares the instance's network: IMDS is one hop away"
    if mode == "awsvpc":
        return "awsvpc tasks on EC2 reach IMDS unless it is disabled (ECS_AWSVPC_BLOCK_IMDS " \
               "is not visible through the API)"
    if inst.http_tokens != "required":
        return f"network mode {mode} with IMDSv1 allowed (HttpTokens={inst.http_tokens or 'optional'})"
    return f"network mode {mode} with hop limit {inst.http_put_response_hop_limit} " \
           "lets containers one hop away get a token"
