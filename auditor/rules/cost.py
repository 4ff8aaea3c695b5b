"""Rules K101–K106: cost and fit advice, reported as findings of severity info."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.advice.instances import shape
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.reads import CLUSTERS, CONTAINER_INSTANCES, HOSTS, IMAGES, INSTANCES, METRICS, WORKLOADS


def _service_advice(ctx: AuditContext, code: str, message) -> Iterator[Hit]:
    advice = ctx.advice
    for sc in advice.services.values():
        a = sc.advice.get(code)
        if not a:
            continue
        s = sc.service
        yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                  message=message(sc, a),
                  evidence={**a, "current": f"{sc.launch} {sc.count} x {sc.cpu / 1024:g} vCPU / "
                                            f"{sc.memory / 1024:g} GB",
                            "price_table": {"date": advice.table.get("date"), "region": s.region,
                                            "origin": advice.table.get("origin")}},
                  related_arns=(sc.td.arn,))


@rule("K101", "fargate-overprovisioned", "info", "Fargate service is larger than its use",
      reads=WORKLOADS + METRICS, subjects="fargate-service")
def overprovisioned(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: From 14 days of CloudWatch utilisation (p95 of hourly maxima), finds Fargate
    services whose smallest valid size with headroom (20% by default) is cheaper than the current
    size.

    Why is this bad: You pay for CPU and memory the service never uses.

    Example: A 2 vCPU / 8 GB service whose p95 CPU is 10% and memory 15%.

    Remediation: Register a revision with the recommended size and watch the p95 after deploying.

    References:
    - https://aws.amazon.com/fargate/pricing/
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
    """
    yield from _service_advice(ctx, "K101", lambda sc, a: (
        f"Service {sc.service.name} uses at most {a['cpu_p95_percent']}% CPU and "
        f"{a['memory_p95_percent']}% memory (p95); {a['recommended']} would save "
        f"${a['monthly_saving_usd']:.2f} a month."))


@rule("K102", "fargate-size-not-used-by-containers", "info", "Task size exceeds what its containers reserve",
      reads=WORKLOADS, subjects="fargate-service")
def size_not_used(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Fargate services whose containers' CPU and memory reservations add up
    to well below the task size, so a smaller valid Fargate size fits them.

    Why is this bad: Fargate bills the task size, whatever the containers reserve.

    Example: One container reserving 256 CPU / 512 MiB in a 2 vCPU / 8 GB task.

    Remediation: Lower the task size to the recommended one, or raise container limits on purpose.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
    """
    yield from _service_advice(ctx, "K102", lambda sc, a: (
        f"Containers of {sc.service.name} reserve {a['containers_cpu']} CPU units and "
        f"{a['containers_memory']} MiB; {a['recommended']} fits them and saves "
        f"${a['monthly_saving_usd']:.2f} a month."))


@rule("K103", "launch-type-cheaper-alternative", "info", "The other launch type would cost 20% less",
      reads=WORKLOADS + HOSTS, subjects="service")
def cheaper_launch_type(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Prices the service's steady-state tasks on the other launch type — EC2 by
    first-fit-decreasing packing onto an instance family, Fargate at the smallest valid sizes — and
    reports when it would cost at least 20% less and the task definition fits it.

    Why is this bad: Steady, large services often cost less on EC2; small, spiky ones on Fargate.

    Example: Ten 4 vCPU tasks around the clock on Fargate that pack onto three m6i.4xlarge.

    Remediation: Weigh the saving against operating instances (patching, scaling); consider
    Savings Plans, which cover both.

    References:
    - https://aws.amazon.com/fargate/pricing/
    - https://aws.amazon.com/ec2/pricing/on-demand/
    """
    yield from _service_advice(ctx, "K103", lambda sc, a: (
        f"Service {sc.service.name} would cost ${a['recommended_monthly_cost_usd']:.2f} instead of "
        f"${a['monthly_cost_usd']:.2f} a month on {a['recommended']}."))


@rule("K104", "graviton-candidate", "info", "x86 Fargate workload could run on Graviton",
      reads=WORKLOADS + IMAGES, subjects="fargate-service")
def graviton(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds x86 Fargate services whose images are all multi-architecture or ARM64
    (from the ECR image manifests collected; not fired without them).

    Why is this bad: ARM (Graviton) Fargate costs 20% less for the same size.

    Example: A service on X86_64 whose ECR image index lists linux/arm64.

    Remediation: Set runtimePlatform.cpuArchitecture to ARM64 and test.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-arm64.html
    """
    advice = ctx.advice
    arch_of = {i.image: i.architectures for i in ctx.inv.images}
    for sc in advice.services.values():
        td = sc.td
        if sc.launch != "FARGATE" or (td.cpu_architecture or "X86_64").upper() != "X86_64" \
                or td.is_windows or sc.monthly is None:
            continue
        archs = [arch_of.get(c.image) for c in td.containers]
        if not archs or any(a is None or "arm64" not in a for a in archs):
            continue
        arm = advice.fargate_hourly(sc.service.region, sc.cpu, sc.memory, "arm")
        if arm is None:
            continue
        new = arm * advice.hours * sc.count
        yield Hit(resource_arn=sc.service.arn, resource_type="ecs-service", region=sc.service.region,
                  message=f"All images of {sc.service.name} support arm64; Graviton would save "
                          f"${sc.monthly - new:.2f} a month.",
                  evidence={"monthly_cost_usd": round(sc.monthly, 2), "recommended": "ARM64",
                            "monthly_saving_usd": round(sc.monthly - new, 2),
                            "images": {c.image: list(a) for c, a in zip(td.containers, archs, strict=True)},
                            "price_table": {"date": advice.table.get("date"),
                                            "region": sc.service.region}},
                  related_arns=(td.arn,))


@rule("K105", "idle-container-instances", "info", "Container instances mostly unreserved",
      reads=CLUSTERS + CONTAINER_INSTANCES + INSTANCES, subjects="ec2-cluster")
def idle_instances(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EC2 clusters whose registered instances reserve less than 30% of their
    CPU and of their memory (from the instances' registered and remaining resources at collection).

    Why is this bad: You pay for instances that run little.

    Example: Three m5.large instances running one 256 CPU / 512 MiB task.

    Remediation: Scale the Auto Scaling group in (capacity provider managed scaling does it for
    you) or move the tasks to Fargate.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html
    """
    advice = ctx.advice
    for arn, c in sorted(advice.clusters.items()):
        if not c["cpu"] or not c["memory"] or not c["monthly"] or c["unpriced"]:
            continue
        cpu_pct, mem_pct = c["reserved_cpu"] / c["cpu"], c["reserved_memory"] / c["memory"]
        if cpu_pct >= 0.3 or mem_pct >= 0.3:
            continue
        per_instance = c["monthly"] / len(c["instances"])
        caps = [shape(t) for t in c["types"] if shape(t)]
        cap = caps[0] if caps else (c["instances"][0].registered_cpu, c["instances"][0].registered_memory)
        needed = max(1, -(-c["reserved_cpu"] // cap[0]), -(-c["reserved_memory"] // cap[1]))
        keep = min(len(c["instances"]), needed)
        cluster = ctx.ix.cluster.get(arn)
        yield Hit(resource_arn=arn, resource_type="ecs-cluster",
                  region=cluster.region if cluster else "global",
                  message=f"Cluster {arn.rsplit('/', 1)[-1]} reserves {cpu_pct:.0%} of its CPU and "
                          f"{mem_pct:.0%} of its memory on {len(c['instances'])} instance(s).",
                  evidence={"monthly_cost_usd": round(c["monthly"], 2),
                            "recommended": f"{keep} instance(s)",
                            "monthly_saving_usd": round(per_instance * (len(c["instances"]) - keep), 2),
                            "reserved_cpu_percent": round(cpu_pct * 100, 1),
                            "reserved_memory_percent": round(mem_pct * 100, 1),
                            "price_table": {"date": advice.table.get("date")},
                            "measure": "reservation at collection time"})


@rule("K106", "fargate-spot-candidate", "info", "Stateless Fargate service on on-demand only",
      reads=WORKLOADS, subjects="fargate-service")
def spot_candidate(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds stateless Fargate services (no EFS, desired count of two or more, behind
    a load balancer) that run on on-demand capacity only.

    Why is this bad: Fargate Spot costs up to 70% less, and a load-balanced service with a
    on-demand base rides out interruptions.

    Example: A web service with four tasks on FARGATE only.

    Remediation: Use a capacity provider strategy with FARGATE base 1 and FARGATE_SPOT for the rest.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
    """
    yield from _service_advice(ctx, "K106", lambda sc, a: (
        f"Service {sc.service.name} could run {sc.count - 1} of its {sc.count} tasks on Fargate Spot "
        f"and save about ${a['monthly_saving_usd']:.2f} a month."))


