"""Rules F101–F110: EFS volumes — can the task mount them, and is the data protected?"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from auditor.facts.fargate import platform_tuple
from auditor.graph.workloads import Workload
from auditor.model import EfsVolume, FileSystem, Service, TaskDefinition
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.hits import td_hit
from auditor.rules.reads import (
    ACCESS_POINTS,
    FILE_SYSTEM_POLICIES,
    FILE_SYSTEMS,
    HOSTS,
    MOUNT_TARGET_GROUPS,
    MOUNT_TARGETS,
    SECURITY_GROUPS,
    SUBNETS,
    WORKLOADS,
)


def _volumes(ctx: AuditContext) -> Iterator[tuple[TaskDefinition, Workload, str, EfsVolume]]:
    for td, w in ctx.task_definitions():
        for v in td.volumes:
            if v.efs:
                yield td, w, v.name, v.efs


def _fs(ctx: AuditContext, td: TaskDefinition, v: EfsVolume) -> FileSystem | None:
    return ctx.ix.file_system.get((td.region, v.file_system_id))


@rule("F101", "efs-fargate-platform-too-old", "high", "EFS on a Fargate platform below 1.4.0",
      reads=WORKLOADS, subjects="efs-service")
def platform_too_old(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Fargate services on a platform version below 1.4.0 whose task
    definition has an EFS volume.

    Why is this bad: EFS needs Fargate platform 1.4.0 (Linux); the tasks fail to start.

    Example: platformVersion "1.3.0" with an efsVolumeConfiguration.

    Remediation: Use platform version 1.4.0 or LATEST.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
    """
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        if td and s.uses_fargate and any(v.efs for v in td.volumes) and \
                platform_tuple(s.platform_version) < (1, 4, 0):
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} mounts EFS on Fargate platform {s.platform_version}.",
                      evidence={"platform_version": s.platform_version}, related_arns=(td.arn,))


@rule("F102", "efs-transit-encryption-disabled", "medium", "EFS volume without encryption in transit",
      reads=WORKLOADS, subjects="efs-task-definition", controls=("aws-fsbp:ECS.18",))
def transit_disabled(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EFS volumes without transitEncryption ENABLED.

    Why is this bad: NFS traffic, including file contents, crosses the network unencrypted.

    Example: An efsVolumeConfiguration with only a fileSystemId.

    Remediation: Set "transitEncryption": "ENABLED".

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
    """
    for td, w, name, v in _volumes(ctx):
        if v.transit_encryption != "ENABLED":
            yield td_hit(ctx, td, w, f"Volume {name} of {td.family}:{td.revision} mounts "
                         f"{v.file_system_id} without encryption in transit.", part=("volume", name))


@rule("F103", "efs-access-point-without-transit-encryption", "high",
      "EFS access point or IAM authorization without transit encryption",
      reads=WORKLOADS, subjects="efs-task-definition")
def ap_without_transit(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EFS volumes that use an access point or IAM authorization with
    transit encryption disabled.

    Why is this bad: ECS requires transit encryption for both; the task cannot start.

    Example: authorizationConfig.accessPointId set, transitEncryption omitted.

    Remediation: Set "transitEncryption": "ENABLED".

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EFSAuthorizationConfig.html
    """
    for td, w, name, v in _volumes(ctx):
        if v.transit_encryption != "ENABLED" and (v.access_point_id or v.iam == "ENABLED"):
            yield td_hit(ctx, td, w, f"Volume {name} of {td.family}:{td.revision} uses "
                         f"{'an access point' if v.access_point_id else 'IAM authorization'} "
                         "without transit encryption.", part=("volume", name))


@rule("F104", "efs-access-point-root-directory", "high", "EFS access point with a root directory",
      reads=WORKLOADS, subjects="efs-task-definition")
def ap_root_directory(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds EFS volumes with an access point and a rootDirectory other than empty
    or "/".

    Why is this bad: ECS rejects it: the access point's own path must apply.

    Example: accessPointId set and "rootDirectory": "/data".

    Remediation: Omit rootDirectory (or set "/") and set the path on the access point.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EFSAuthorizationConfig.html
    """
    for td, w, name, v in _volumes(ctx):
        if v.access_point_id and v.root_directory not in (None, "", "/"):
            yield td_hit(ctx, td, w, f"Volume {name} of {td.family}:{td.revision} sets "
                         f"rootDirectory {v.root_directory} with an access point.",
                         {"root_directory": v.root_directory}, part=("volume", name))


@rule("F105", "efs-not-encrypted-at-rest", "medium", "Mounted file system not encrypted at rest",
      reads=WORKLOADS + FILE_SYSTEMS, subjects="file-system", controls=("aws-fsbp:EFS.1",))
def not_encrypted(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds file systems mounted by a workload that are not encrypted at rest.

    Why is this bad: Data on disk and in backups is readable to anyone with physical or
    snapshot access.

    Example: A file system created before encryption became the default.

    Remediation: Create an encrypted file system and copy the data (DataSync); encryption cannot
    be turned on later.

    References:
    - https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
    """
    seen: dict[str, list[str]] = {}
    for td, w, _, v in _volumes(ctx):
        fs = _fs(ctx, td, v)
        if fs and not fs.encrypted:
            seen.setdefault(fs.arn, []).extend([td.arn, *ctx.related(w)])
    for arn, related in sorted(seen.items()):
        fs = next(f for f in ctx.inv.file_systems if f.arn == arn)
        yield Hit(resource_arn=arn, resource_type="efs-file-system", region=fs.region,
                  message=f"File system {fs.file_system_id} is not encrypted at rest.",
                  related_arns=tuple(related))


def _clients(ctx: AuditContext, s: Service, td: TaskDefinition) -> tuple[set[str], set[str], set[str]]:
    """(AZs, security groups, subnets) of where the service's tasks run."""
    if td.effective_network_mode == "awsvpc" or s.uses_fargate:
        subnets = set(s.subnets)
        groups = set(s.security_groups)
    else:
        insts = [ctx.ix.ec2_instance.get(ci.ec2_instance_id or "")
                 for ci in ctx.ix.instances_by_cluster.get(s.cluster_arn, [])]
        subnets = {i.subnet_id for i in insts if i and i.subnet_id}
        groups = {g for i in insts if i for g in i.security_groups}
    azs = {ctx.ix.subnet[x].availability_zone for x in subnets if x in ctx.ix.subnet}
    return azs, groups, subnets


def _service_volumes(ctx: AuditContext) -> Iterator[tuple[Service, TaskDefinition, FileSystem]]:
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        for v in td.volumes if td else ():
            fs = _fs(ctx, td, v.efs) if v.efs else None
            if fs:
                yield s, td, fs


@rule("F106", "efs-no-mount-target-in-az", "high", "No EFS mount target in an AZ the service uses",
      reads=WORKLOADS + FILE_SYSTEMS + MOUNT_TARGETS + SUBNETS, subjects="efs-service")
def no_mount_target(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services whose subnets (or container instances) lie in an Availability
    Zone where their file system has no mount target.

    Why is this bad: Tasks placed in that AZ cannot mount the file system and fail to start.

    Example: Mount target in us-east-1a only, service subnets in 1a and 1b.

    Remediation: Create a mount target in every AZ the service uses.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/storage-efs.html
    """
    for s, td, fs in _service_volumes(ctx):
        azs, _, _ = _clients(ctx, s, td)
        have = {mt.availability_zone or (ctx.ix.subnet[mt.subnet_id].availability_zone
                                         if mt.subnet_id in ctx.ix.subnet else None)
                for mt in fs.mount_targets}
        missing = sorted(azs - have)
        if missing:
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} runs in {', '.join(missing)} where file system "
                              f"{fs.file_system_id} has no mount target.",
                      evidence={"file_system": fs.arn, "missing_azs": missing,
                                "mount_target_azs": sorted(a for a in have if a)},
                      related_arns=(td.arn,), key=fs.arn)


def _allows_nfs(rule_: dict, groups: set[str], cidrs: list) -> bool:
    proto = rule_.get("protocol")
    if proto not in ("tcp", "6", "-1"):
        return False
    lo, hi = rule_.get("from_port"), rule_.get("to_port")
    if proto != "-1" and not (lo is not None and hi is not None and lo <= 2049 <= hi):
        return False
    if set(rule_.get("groups", [])) & groups:
        return True
    for c in rule_.get("cidrs", []):
        try:
            net = ipaddress.ip_network(c, strict=False)
        except ValueError:
            continue
        if cidrs and all(sub.version == net.version and sub.subnet_of(net) for sub in cidrs):
            return True
    return False


@rule("F107", "efs-mount-target-blocks-nfs", "high", "Mount target security groups block NFS from the tasks",
      reads=WORKLOADS + HOSTS + FILE_SYSTEMS + MOUNT_TARGETS + MOUNT_TARGET_GROUPS + SECURITY_GROUPS
      + SUBNETS, subjects="efs-service")
def blocks_nfs(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Checks that some security group of the file system's mount targets allows
    TCP 2049 from the service's security groups (awsvpc) or the container instances' groups
    (bridge/host), by group reference or by a CIDR covering their subnets.

    Why is this bad: The NFS connection times out and the task fails to start.

    Example: A mount target group that allows 2049 only from an old instance group.

    Remediation: Allow TCP 2049 from the task (or instance) security group.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/storage-efs.html
    """
    for s, td, fs in _service_volumes(ctx):
        _, groups, subnets = _clients(ctx, s, td)
        mt_groups = {g for mt in fs.mount_targets for g in mt.security_groups}
        if not fs.mount_targets or not groups or not mt_groups:
            continue
        if any(g not in ctx.ix.security_group for g in mt_groups):
            continue  # not collected: judged nothing
        cidrs = [ipaddress.ip_network(ctx.ix.subnet[x].cidr_block) for x in subnets
                 if x in ctx.ix.subnet and ctx.ix.subnet[x].cidr_block]
        if not any(_allows_nfs(r, groups, cidrs) for g in mt_groups
                   for r in ctx.ix.security_group[g].ingress):
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"No security group of {fs.file_system_id}'s mount targets allows NFS "
                              f"(TCP 2049) from service {s.name}.",
                      evidence={"file_system": fs.arn, "mount_target_groups": sorted(mt_groups),
                                "client_groups": sorted(groups)},
                      related_arns=(td.arn,), key=fs.arn)


@rule("F108", "efs-file-system-missing", "high", "EFS volume names a file system that does not exist",
      reads=WORKLOADS + FILE_SYSTEMS + ACCESS_POINTS, subjects="efs-task-definition")
def fs_missing(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds volumes naming a file system or access point that does not exist in
    the account and region.

    Why is this bad: The task cannot start.

    Example: A file system deleted while task definitions still reference it.

    Remediation: Point the volume at an existing file system, or deregister the revision.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
    """
    for td, w, name, v in _volumes(ctx):
        fs = _fs(ctx, td, v)
        if fs is None and not ctx.missing_data("DescribeFileSystems", v.file_system_id):
            yield td_hit(ctx, td, w, f"Volume {name} of {td.family}:{td.revision} names "
                         f"file system {v.file_system_id}, which does not exist.",
                         {"file_system_id": v.file_system_id}, part=("volume", name))
        elif fs and v.access_point_id and (td.region, v.access_point_id) not in ctx.ix.access_point \
                and not ctx.missing_data("DescribeAccessPoints", v.file_system_id):
            yield td_hit(ctx, td, w, f"Volume {name} of {td.family}:{td.revision} names "
                         f"access point {v.access_point_id}, which does not exist.",
                         {"access_point_id": v.access_point_id}, part=("volume", name))


@rule("F109", "efs-open-file-system-policy", "medium", "Mounted file system has no file-system policy",
      reads=WORKLOADS + FILE_SYSTEMS + FILE_SYSTEM_POLICIES, subjects="file-system")
def open_policy(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds mounted file systems with no file-system policy.

    Why is this bad: Without one, any client that can reach a mount target gets full access,
    root included.

    Example: A file system created with defaults.

    Remediation: Set a policy that requires aws:SecureTransport and names the task roles
    allowed to mount (and write).

    References:
    - https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
    """
    seen: dict[str, list[str]] = {}
    for td, w, _, v in _volumes(ctx):
        fs = _fs(ctx, td, v)
        if fs and fs.policy_status == "none":
            seen.setdefault(fs.arn, []).extend([td.arn, *ctx.related(w)])
    for arn, related in sorted(seen.items()):
        fs = next(f for f in ctx.inv.file_systems if f.arn == arn)
        yield Hit(resource_arn=arn, resource_type="efs-file-system", region=fs.region,
                  message=f"File system {fs.file_system_id} has no file-system policy: any client "
                          "that reaches a mount target has full access.",
                  related_arns=tuple(related))


@rule("F110", "efs-windows-fargate", "high", "EFS volume on Windows Fargate",
      reads=WORKLOADS, subjects="efs-task-definition")
def windows_fargate(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Windows task definitions for Fargate with an EFS volume.

    Why is this bad: Windows containers on Fargate do not support EFS; the task cannot start.

    Example: runtimePlatform WINDOWS_SERVER_2022_CORE with an efsVolumeConfiguration.

    Remediation: Use FSx for Windows File Server on EC2, or Linux containers.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate.html
    """
    for td, w, name, _ in _volumes(ctx):
        if td.is_windows and ctx.runs_on_fargate(td, w):
            yield td_hit(ctx, td, w, f"Windows task definition {td.family}:{td.revision} "
                         f"mounts EFS volume {name} on Fargate.", part=("volume", name))


