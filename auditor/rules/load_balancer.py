"""Rules B101–B108: do services and their load balancers fit together?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model import Service, TaskDefinition
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.hits import service_hit
from auditor.rules.reads import HOSTS, LISTENERS, LOAD_BALANCERS, SERVICES, SUBNETS, TARGET_GROUPS, WORKLOADS


def _pairs(ctx: AuditContext) -> Iterator[tuple[Service, TaskDefinition]]:
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        if td is not None and s.load_balancers:
            yield s, td


@rule("B101", "classic-lb-with-awsvpc", "high", "Classic Load Balancer with awsvpc tasks",
      reads=WORKLOADS + LOAD_BALANCERS, subjects="balanced-service")
def classic_with_awsvpc(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services whose tasks use awsvpc (every Fargate service) and that name a
    Classic Load Balancer.

    Why is this bad: Classic Load Balancers cannot route to awsvpc tasks; the service fails.

    Example: A Fargate service with "loadBalancerName": "legacy-clb".

    Remediation: Put an ALB or NLB with an ip target group in front of the service.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-types.html
    """
    for s, td in _pairs(ctx):
        if td.effective_network_mode == "awsvpc" or s.uses_fargate:
            for ref in s.load_balancers:
                if ref.load_balancer_name:
                    yield service_hit(s, f"Service {s.name} uses awsvpc tasks behind Classic Load Balancer "
                                      f"{ref.load_balancer_name}.", {"load_balancer": ref.load_balancer_name},
                                      ref.load_balancer_name)


@rule("B102", "target-type-mismatch", "high", "Target group type does not match the network mode",
      reads=WORKLOADS + TARGET_GROUPS, subjects="balanced-service")
def target_type_mismatch(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds awsvpc tasks registered to a target group of type instance, and
    bridge/host tasks registered to one of type ip.

    Why is this bad: Targets never register or never become healthy; the service cannot serve.

    Example: A Fargate service with a target group created with the default target type instance.

    Remediation: Recreate the target group with target type ip (awsvpc) or instance (bridge/host).

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-types.html
    """
    for s, td in _pairs(ctx):
        mode = "awsvpc" if s.uses_fargate else td.effective_network_mode
        want = "ip" if mode == "awsvpc" else "instance"
        for ref in s.load_balancers:
            tg = ctx.ix.target_group.get(ref.target_group_arn or "")
            if tg and tg.target_type in ("ip", "instance") and tg.target_type != want:
                yield service_hit(s, f"Service {s.name} runs {mode} tasks but target group {tg.name} has "
                                  f"target type {tg.target_type}.",
                                  {"target_group": tg.arn, "target_type": tg.target_type,
                                   "network_mode": mode, "expected": want}, tg.arn)


@rule("B103", "lb-container-port-unmapped", "high", "Load balancer names a container port that is not mapped",
      reads=WORKLOADS, subjects="balanced-service")
def container_port_unmapped(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Checks that each load balancer entry's containerName and containerPort match
    a port mapping of the task definition.

    Why is this bad: ECS rejects the service or registers targets on a port nothing listens on.

    Example: containerPort 80 while the container maps 8080.

    Remediation: Make the service's containerName/containerPort match a portMapping.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LoadBalancer.html
    """
    for s, td in _pairs(ctx):
        for ref in s.load_balancers:
            c = next((c for c in td.containers if c.name == ref.container_name), None)
            ports = [p.container_port for p in c.port_mappings] if c else []
            if c is None or ref.container_port not in ports:
                what = "no such container" if c is None else f"mapped ports {ports}"
                yield service_hit(s, f"Service {s.name} sends load balancer traffic to "
                                  f"{ref.container_name}:{ref.container_port} ({what}).",
                                  {"container": ref.container_name, "port": ref.container_port,
                                   "mapped_ports": ports}, f"{ref.container_name}:{ref.container_port}")


@rule("B104", "alb-non-http-port", "high", "UDP container port behind an Application Load Balancer",
      reads=WORKLOADS + TARGET_GROUPS + LOAD_BALANCERS, subjects="balanced-service")
def alb_udp(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds container ports behind an ALB target group that are mapped with
    protocol udp.

    Why is this bad: ALBs carry HTTP and HTTPS only; UDP traffic never arrives.

    Example: A DNS or syslog container behind an ALB.

    Remediation: Use a Network Load Balancer with a UDP or TCP_UDP target group.

    References:
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
    """
    for s, td in _pairs(ctx):
        for ref, tg, lbs in ctx.ix.fronts(s):
            if not tg or not any(lb.type == "application" for lb in lbs):
                continue
            c = next((c for c in td.containers if c.name == ref.container_name), None)
            for p in c.port_mappings if c else ():
                if p.container_port == ref.container_port and p.protocol == "udp":
                    yield service_hit(s, f"Service {s.name} maps UDP port {p.container_port} behind an "
                                      "Application Load Balancer.", {"target_group": tg.arn,
                                                                     "port": p.container_port}, tg.arn)


@rule("B105", "classic-lb-in-use", "low", "Service uses a Classic Load Balancer",
      reads=SERVICES, subjects="balanced-service")
def classic_in_use(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services that use a Classic Load Balancer at all.

    Why is this bad: Classic Load Balancers lack path routing, dynamic host ports, awsvpc
    support and modern TLS policies, and AWS is retiring them.

    Example: A service created in 2016 still behind its ELB.

    Remediation: Migrate to an Application or Network Load Balancer.

    References:
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/migrate-classic-load-balancer.html
    """
    for s in ctx.inv.services:
        for ref in s.load_balancers:
            if ref.load_balancer_name:
                yield service_hit(s, f"Service {s.name} uses Classic Load Balancer {ref.load_balancer_name}.",
                                  {"load_balancer": ref.load_balancer_name}, ref.load_balancer_name)


@rule("B106", "lb-listener-plain-http", "medium", "Internet-facing ALB serves plain HTTP",
      reads=SERVICES + TARGET_GROUPS + LOAD_BALANCERS + LISTENERS, subjects="load-balancer",
      controls=("aws-fsbp:ELB.1",))
def plain_http(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds internet-facing ALBs in front of services that have an HTTP listener
    whose default action does not redirect to HTTPS.

    Why is this bad: Traffic, cookies and credentials cross the internet in clear text.

    Example: A listener on port 80 that forwards to the target group.

    Remediation: Make the HTTP listener's default action a redirect to HTTPS (port 443, 301).

    References:
    - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
    """
    fronted: dict[str, list[str]] = {}
    for s in ctx.inv.services:
        for lb in ctx.load_balancers_of(s):
            fronted.setdefault(lb.arn, []).append(s.arn)
    for lb_arn, services in sorted(fronted.items()):
        lb = ctx.ix.load_balancer[lb_arn]
        if lb.type != "application" or not lb.internet_facing:
            continue
        for listener in lb.listeners:
            if listener.protocol != "HTTP":
                continue
            redirects = any(a.get("Type") == "redirect" and
                            (a.get("RedirectConfig") or {}).get("Protocol") in ("HTTPS", "#{protocol}")
                            for a in listener.default_actions)
            if not redirects:
                yield Hit(resource_arn=lb.arn, resource_type="elbv2-load-balancer", region=lb.region,
                          message=f"Internet-facing load balancer {lb.name} serves plain HTTP on port "
                                  f"{listener.port} without redirecting to HTTPS.",
                          evidence={"listener": f"{listener.protocol}:{listener.port}",
                                    "listener_arn": listener.arn, "port": listener.port},
                          related_arns=tuple(services), key=listener.arn)


@rule("B107", "lb-target-group-unused-vpc", "high", "Target group in another VPC than the service",
      reads=WORKLOADS + HOSTS + TARGET_GROUPS + SUBNETS, subjects="balanced-service")
def target_group_vpc(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds target groups of a service in a different VPC than the service's
    subnets (awsvpc) or container instances (bridge/host).

    Why is this bad: Tasks and load balancer must share a VPC; targets never register.

    Example: A service moved to a new VPC that still points at the old target group.

    Remediation: Create the target group in the service's VPC.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-types.html
    """
    for s, _td in _pairs(ctx):
        vpcs = {ctx.ix.subnet[x].vpc_id for x in s.subnets if x in ctx.ix.subnet}
        if not vpcs:
            vpcs = {i.vpc_id for ci in ctx.ix.instances_by_cluster.get(s.cluster_arn, [])
                    if (i := ctx.ix.ec2_instance.get(ci.ec2_instance_id or "")) and i.vpc_id}
        for ref in s.load_balancers:
            tg = ctx.ix.target_group.get(ref.target_group_arn or "")
            if tg and tg.vpc_id and vpcs and tg.vpc_id not in vpcs:
                yield service_hit(s, f"Target group {tg.name} of service {s.name} is in {tg.vpc_id}, the "
                                  f"service in {', '.join(sorted(vpcs))}.",
                                  {"target_group": tg.arn, "target_group_vpc": tg.vpc_id,
                                   "service_vpcs": sorted(vpcs)}, tg.arn)


@rule("B108", "lb-too-many-target-groups", "high", "Service has more than five target groups",
      reads=SERVICES, subjects="balanced-service")
def too_many_target_groups(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services with more than five target groups.

    Why is this bad: ECS allows at most five per service; updates fail.

    Example: One target group per tenant on a shared service.

    Remediation: Use listener rules on fewer target groups, or split the service.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html
    """
    for s in ctx.inv.services:
        tgs = {r.target_group_arn for r in s.load_balancers if r.target_group_arn}
        if len(tgs) > 5:
            yield service_hit(s, f"Service {s.name} has {len(tgs)} target groups (at most 5).",
                              {"target_groups": sorted(tgs)})
