"""Rules L101–L108: does a task definition fit the launch type that runs it?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.facts.fargate import (
    LATEST_LINUX_PLATFORM,
    LATEST_WINDOWS_PLATFORM,
    fargate_blockers,
    parse_cpu,
    parse_memory,
    platform_tuple,
    reservation,
    valid_fargate_size,
)
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.reads import CLUSTERS, CONTAINER_INSTANCES, SERVICES, WORKLOADS


@rule("L101", "fargate-incompatible-parameter", "high", "Task definition uses what Fargate does not support",
      reads=WORKLOADS, subjects="fargate-task-definition")
def fargate_incompatible(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: For task definitions that require FARGATE or that a Fargate service runs,
    lists every parameter Fargate does not support (privileged, non-awsvpc network mode, links,
    ipcMode, pidMode host, Docker volumes, host paths, GPUs, devices, tmpfs, swap, capabilities
    other than SYS_PTRACE, placement constraints, DNS and extra-host settings, ...).

    Why is this bad: Registration or task launch fails, or the service never reaches steady state.

    Example: A task definition with requiresCompatibilities FARGATE and "privileged": true.

    Remediation: Remove the parameters listed in the evidence, or run the workload on EC2.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html
    """
    for td, w in ctx.task_definitions():
        if not ctx.runs_on_fargate(td, w):
            continue
        blockers = fargate_blockers(td)
        if blockers:
            names = sorted({b["parameter"] for b in blockers})
            yield Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
                      message=f"{td.family}:{td.revision} must run on Fargate but uses "
                              f"{', '.join(names)}.", evidence={"parameters": blockers},
                      related_arns=ctx.related(w))


@rule("L102", "fargate-invalid-size", "high", "Task size is not a valid Fargate combination",
      reads=WORKLOADS, subjects="fargate-task-definition")
def fargate_invalid_size(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Checks task-level cpu and memory of Fargate task definitions against the
    valid combinations (and Windows limits: 1, 2 or 4 vCPU only).

    Why is this bad: ECS rejects the task definition or the launch ("No Fargate configuration
    exists for given values").

    Example: cpu 256 with memory 4096.

    Remediation: Pick a valid pair from the Fargate table, e.g. 512 CPU with 1-4 GB.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
    """
    for td, w in ctx.task_definitions():
        if not ctx.runs_on_fargate(td, w):
            continue
        cpu, mem = parse_cpu(td.cpu), parse_memory(td.memory)
        if not valid_fargate_size(cpu, mem, td.is_windows):
            yield Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
                      message=f"{td.family}:{td.revision} asks Fargate for cpu {td.cpu} and memory "
                              f"{td.memory}, which is not a valid combination"
                              + (" for Windows." if td.is_windows else "."),
                      evidence={"cpu": td.cpu, "memory": td.memory, "windows": td.is_windows},
                      related_arns=ctx.related(w))


def _service_launch(s) -> str:
    if s.launch_type:
        return s.launch_type
    return "FARGATE" if s.uses_fargate else "EC2"


@rule("L103", "launch-type-incompatible", "high",
      "Service launch type is not one the task definition supports",
      reads=WORKLOADS, subjects="service")
def launch_type_incompatible(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services whose launch type (or capacity provider) is not among the
    task definition's requiresCompatibilities / compatibilities.

    Why is this bad: ECS refuses to place the tasks; the service never starts.

    Example: A Fargate service running a task definition that requires EC2.

    Remediation: Register the task definition with the right compatibility, or change the
    service's launch type.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/launch_types.html
    """
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        if td is None:
            continue
        allowed = set(td.requires_compatibilities) or set(td.compatibilities)
        launch = _service_launch(s)
        if allowed and launch not in allowed:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} launches on {launch} but {td.family}:{td.revision} "
                              f"supports {', '.join(sorted(allowed))}.",
                      evidence={"launch": launch, "compatibilities": sorted(allowed)},
                      related_arns=(td.arn,))


@rule("L104", "fargate-platform-outdated", "low", "Fargate service pins an old platform version",
      reads=SERVICES, subjects="fargate-service", controls=("aws-fsbp:ECS.10",))
def platform_outdated(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Fargate services pinned to a platform version older than the latest
    (LATEST and the newest known version pass).

    Why is this bad: Old platform versions lack security patches and features (EFS, ECS Exec,
    larger ephemeral storage).

    Example: platformVersion "1.3.0".

    Remediation: Use LATEST or 1.4.0 (Linux).

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-fargate.html
    """
    for s in ctx.inv.services:
        if not s.uses_fargate or not s.platform_version:
            continue
        windows = (s.platform_family or "").upper().startswith("WINDOWS")
        latest = LATEST_WINDOWS_PLATFORM if windows else LATEST_LINUX_PLATFORM
        if platform_tuple(s.platform_version, windows) < latest:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} is pinned to Fargate platform {s.platform_version}.",
                      evidence={"platform_version": s.platform_version,
                                "latest": ".".join(map(str, latest))},
                      related_arns=(s.task_definition_arn,))


@rule("L105", "daemon-on-fargate", "high", "DAEMON scheduling on Fargate",
      reads=SERVICES, subjects="fargate-service")
def daemon_on_fargate(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services with scheduling strategy DAEMON on Fargate.

    Why is this bad: Fargate does not support DAEMON; the service cannot run.

    Example: A log shipper moved to Fargate with schedulingStrategy DAEMON.

    Remediation: Use REPLICA on Fargate, or a sidecar container in each task.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
    """
    for s in ctx.inv.services:
        if s.scheduling_strategy == "DAEMON" and s.uses_fargate:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} uses DAEMON scheduling on Fargate.",
                      related_arns=(s.task_definition_arn,))


@rule("L106", "ec2-service-no-capacity", "high", "EC2 service in a cluster with no capacity",
      reads=SERVICES + CLUSTERS + CONTAINER_INSTANCES, subjects="ec2-service")
def no_capacity(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EC2 launch-type services whose cluster has no ACTIVE container instance
    and no capacity provider backed by an Auto Scaling group.

    Why is this bad: Tasks stay PENDING forever.

    Example: A staging cluster whose Auto Scaling group was scaled to zero by hand.

    Remediation: Register instances or attach an Auto Scaling group capacity provider.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html
    """
    for s in ctx.inv.services:
        if s.uses_fargate or s.launch_label == "EXTERNAL":
            continue
        if ctx.missing_data("ListContainerInstances", s.cluster_arn) or \
                ctx.missing_data("DescribeContainerInstances", s.cluster_arn):
            continue
        active = [ci for ci in ctx.ix.instances_by_cluster.get(s.cluster_arn, [])
                  if ci.status == "ACTIVE"]
        cluster = ctx.ix.cluster.get(s.cluster_arn)
        asg = [cp for cp in (cluster.capacity_providers if cluster else ())
               if not cp.startswith("FARGATE")]
        if not active and not asg:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} runs on EC2 but its cluster has no active container "
                              "instance and no Auto Scaling capacity provider.",
                      evidence={"cluster": s.cluster_arn}, related_arns=(s.task_definition_arn,))




@rule("L107", "task-too-large-for-instances", "high", "Task is larger than every container instance",
      reads=WORKLOADS + CONTAINER_INSTANCES, subjects="task-definition")
def too_large(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EC2 workloads whose CPU or memory reservation exceeds the registered
    resources of every container instance in their cluster.

    Why is this bad: The task can never be placed.

    Example: A task reserving 8 GiB on a cluster of t3.medium instances (4 GiB).

    Remediation: Use larger instances or a smaller task size.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html
    """
    for td, w in ctx.task_definitions():
        if not w.on_ec2:
            continue
        cpu, mem = reservation(td)
        instances = [ci for c in w.clusters for ci in ctx.ix.instances_by_cluster.get(c, [])]
        if instances and not any(ci.registered_cpu >= cpu and ci.registered_memory >= mem
                                 for ci in instances):
            yield Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
                      message=f"{td.family}:{td.revision} reserves {cpu} CPU units and {mem} MiB, "
                              "more than any container instance offers.",
                      evidence={"cpu": cpu, "memory": mem, "largest_instance": max(
                          (ci.registered_cpu, ci.registered_memory) for ci in instances)},
                      related_arns=ctx.related(w))


@rule("L108", "fargate-feature-needs-platform-1-4", "high", "Feature needs Fargate platform 1.4.0",
      reads=WORKLOADS, subjects="fargate-service")
def needs_platform_14(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Fargate services on a platform version below 1.4.0 that use what needs
    1.4.0: EFS volumes, SYS_PTRACE, pidMode task, ephemeral storage above 20 GiB, 8 or 16 vCPU,
    ECS Exec.

    Why is this bad: The tasks fail to start or the feature does not work.

    Example: A service on 1.3.0 mounting EFS.

    Remediation: Move the service to platform version 1.4.0 or LATEST.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-linux-fargate.html
    """
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        if td is None or not s.uses_fargate or td.is_windows:
            continue
        if platform_tuple(s.platform_version) >= (1, 4, 0):
            continue
        uses = []
        if any(v.efs for v in td.volumes):
            uses.append("EFS volumes")
        if any("SYS_PTRACE" in (((c.linux_parameters or {}).get("capabilities") or {}).get("add") or [])
               for c in td.containers):
            uses.append("SYS_PTRACE")
        if td.pid_mode == "task":
            uses.append("pidMode task")
        if (td.ephemeral_storage_gib or 0) > 20:
            uses.append("ephemeral storage above 20 GiB")
        if (parse_cpu(td.cpu) or 0) >= 8192:
            uses.append("8 or 16 vCPU")
        if s.enable_execute_command:
            uses.append("ECS Exec")
        if uses:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} on Fargate {s.platform_version} uses "
                              f"{', '.join(uses)}, which need platform 1.4.0.",
                      evidence={"platform_version": s.platform_version, "uses": uses},
                      related_arns=(td.arn,))
