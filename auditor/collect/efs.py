"""EFS file systems that task definitions mount: mount targets, their security groups,
access points and file-system policies."""

from __future__ import annotations

from botocore.exceptions import ClientError

from auditor.collect.base import CallLedger, Clients
from auditor.collect.limits import checked, paginate
from auditor.model import AccessPoint, FileSystem, MountTarget

# Each call -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {
    "elasticfilesystem:DescribeFileSystems": ("ecs:DescribeTaskDefinition",),
    "elasticfilesystem:DescribeMountTargets": ("elasticfilesystem:DescribeFileSystems",),
    "elasticfilesystem:DescribeMountTargetSecurityGroups": ("elasticfilesystem:DescribeMountTargets",),
    "elasticfilesystem:DescribeAccessPoints": ("elasticfilesystem:DescribeFileSystems",),
    "elasticfilesystem:DescribeFileSystemPolicy": ("elasticfilesystem:DescribeFileSystems",),
}
NOT_FOUND = ("FileSystemNotFound",)


def get_file_system(clients: Clients, ledger: CallLedger, region: str, fs_id: str,
                    ) -> tuple[FileSystem | None, list[AccessPoint]]:
    """The file system with its parts; (None, []) when it does not exist or could not be read
    (the latter is a gap, which rule F108 tells apart from a missing file system)."""
    efs = clients("efs", region)
    try:
        resp = ledger.guard("efs", region, "DescribeFileSystems",
                            lambda: checked(efs.describe_file_systems(FileSystemId=fs_id),
                                            "FileSystems", "DescribeFileSystems"),
                            resource=fs_id, expected=NOT_FOUND)
    except ClientError:
        return None, []
    if not resp or not resp.get("FileSystems"):
        return None, []
    d = resp["FileSystems"][0]

    mts = ledger.guard("efs", region, "DescribeMountTargets", lambda: (
        paginate(efs, "describe_mount_targets", "MountTargets", FileSystemId=fs_id)),
        resource=fs_id) or []
    mount_targets = []
    for mt in mts:
        sgs = ledger.guard("efs", region, "DescribeMountTargetSecurityGroups",
                           lambda m=mt: checked(efs.describe_mount_target_security_groups(
                               MountTargetId=m["MountTargetId"]), "SecurityGroups",
                               "DescribeMountTargetSecurityGroups"), resource=mt["MountTargetId"])
        mount_targets.append(MountTarget(
            mount_target_id=mt["MountTargetId"], subnet_id=mt.get("SubnetId", ""),
            availability_zone=mt.get("AvailabilityZoneName"),
            security_groups=tuple((sgs or {}).get("SecurityGroups", []))))

    aps = ledger.guard("efs", region, "DescribeAccessPoints", lambda: (
        paginate(efs, "describe_access_points", "AccessPoints", FileSystemId=fs_id)),
        resource=fs_id) or []

    policy, status = None, "unknown"
    try:
        pol = ledger.guard("efs", region, "DescribeFileSystemPolicy",
                           lambda: checked(efs.describe_file_system_policy(FileSystemId=fs_id),
                                           "Policy", "DescribeFileSystemPolicy"),
                           resource=fs_id, expected=("PolicyNotFound",))
        if pol is not None:
            policy, status = pol.get("Policy"), "present"
    except ClientError:
        status = "none"

    fs = FileSystem(
        file_system_id=fs_id, arn=d.get("FileSystemArn", ""), region=region,
        encrypted=bool(d.get("Encrypted", False)), kms_key_id=d.get("KmsKeyId"),
        policy=policy, policy_status=status, mount_targets=tuple(mount_targets),
        name=d.get("Name"))
    access_points = [AccessPoint(access_point_id=a["AccessPointId"], arn=a.get("AccessPointArn", ""),
                                 file_system_id=fs_id, region=region,
                                 root_path=(a.get("RootDirectory") or {}).get("Path"))
                     for a in aps]
    return fs, access_points
