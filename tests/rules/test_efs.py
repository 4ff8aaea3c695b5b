"""Rules F101–F110 (auditor.rules.efs): each fires, and its near misses stay quiet."""

from __future__ import annotations

from auditor.model import (
    AccessPoint,
    EfsVolume,
    FileSystem,
    Gap,
    MountTarget,
    SecurityGroup,
    Subnet,
    Volume,
)
from tests.builders import ACCT, R, fires, inventory, service, task_def

FS_ARN = f"arn:aws:elasticfilesystem:{R}:{ACCT}:file-system/fs-1"
SUBNETS = (Subnet("sa", R, "vpc-1", f"{R}a", "10.0.1.0/24"), Subnet("sb", R, "vpc-1", f"{R}b", "10.0.2.0/24"))


def nfs_group(gid="sg-efs", sources=("sg-task",), cidrs=()):
    return SecurityGroup(gid, R, "vpc-1", ingress=({"protocol": "tcp", "from_port": 2049,
                                                    "to_port": 2049, "groups": list(sources),
                                                    "cidrs": list(cidrs)},))


def efs_app(volume: EfsVolume, fs_kw=None, svc_kw=None, groups=None, windows=False, aps=(), gaps=()):
    fs = FileSystem(**{"file_system_id": "fs-1", "arn": FS_ARN, "region": R, "encrypted": True,
                       "policy": {"Statement": []}, "policy_status": "present",
                       "mount_targets": (MountTarget("mt-a", "sa", f"{R}a", ("sg-efs",)),
                                         MountTarget("mt-b", "sb", f"{R}b", ("sg-efs",))),
                       **(fs_kw or {})})
    td = task_def("app", compat=("FARGATE",), volumes=(Volume("data", efs=volume),),
                  os_family="WINDOWS_SERVER_2022_CORE" if windows else None)
    svc = service("app", td, "FARGATE", subnets=("sa", "sb"), security_groups=("sg-task",),
                  **(svc_kw or {}))
    return inventory(tds=[td], services=[svc], file_systems=(fs,), subnets=SUBNETS,
                     security_groups=tuple(groups if groups is not None else [nfs_group()]),
                     access_points=tuple(aps), gaps=tuple(gaps))


GOOD = EfsVolume("fs-1", transit_encryption="ENABLED")


def test_f101_old_platform_and_near_miss():
    assert len(fires(efs_app(GOOD, svc_kw={"platform_version": "1.3.0"}), "F101")) == 1
    assert fires(efs_app(GOOD, svc_kw={"platform_version": "LATEST"}), "F101") == []


def test_f102_f103_transit_encryption():
    plain = EfsVolume("fs-1")
    assert len(fires(efs_app(plain), "F102")) == 1 and fires(efs_app(plain), "F103") == []
    ap = EfsVolume("fs-1", access_point_id="fsap-1")
    assert len(fires(efs_app(ap), "F103")) == 1
    assert fires(efs_app(GOOD), "F102") == [] and fires(efs_app(GOOD), "F103") == []


def test_f104_root_directory_with_access_point_and_near_miss():
    bad = EfsVolume("fs-1", root_directory="/data", transit_encryption="ENABLED", access_point_id="fsap-1")
    assert len(fires(efs_app(bad), "F104")) == 1
    for root in (None, "", "/"):
        ok = EfsVolume("fs-1", root_directory=root, transit_encryption="ENABLED", access_point_id="fsap-1")
        assert fires(efs_app(ok), "F104") == []


def test_f105_not_encrypted_and_near_miss():
    [f] = fires(efs_app(GOOD, fs_kw={"encrypted": False}), "F105")
    assert f.resource_arn == FS_ARN
    assert fires(efs_app(GOOD), "F105") == []


def test_f106_missing_az_and_near_miss():
    one_az = {"mount_targets": (MountTarget("mt-a", "sa", f"{R}a", ("sg-efs",)),)}
    [f] = fires(efs_app(GOOD, fs_kw=one_az), "F106")
    assert f.evidence["missing_azs"] == [f"{R}b"]
    assert fires(efs_app(GOOD), "F106") == []


def test_f107_nfs_blocked_and_group_or_cidr_near_misses():
    assert len(fires(efs_app(GOOD, groups=[nfs_group(sources=("sg-other",))]), "F107")) == 1
    assert fires(efs_app(GOOD), "F107") == []
    assert fires(efs_app(GOOD, groups=[nfs_group(sources=(), cidrs=("10.0.0.0/16",))]), "F107") == []
    narrow = nfs_group(sources=(), cidrs=("10.0.1.0/24",))  # covers one subnet of two
    assert len(fires(efs_app(GOOD, groups=[narrow]), "F107")) == 1


def test_f108_missing_file_system_and_gap_near_miss():
    gone = EfsVolume("fs-gone", transit_encryption="ENABLED")
    assert len(fires(efs_app(gone), "F108")) == 1
    gap = Gap("efs", R, "DescribeFileSystems", "AccessDenied", "fs-gone")
    assert fires(efs_app(gone, gaps=[gap]), "F108") == []
    missing_ap = EfsVolume("fs-1", transit_encryption="ENABLED", access_point_id="fsap-9")
    assert len(fires(efs_app(missing_ap), "F108")) == 1
    ap = AccessPoint("fsap-9", "arn:ap", "fs-1", R)
    assert fires(efs_app(missing_ap, aps=[ap]), "F108") == []


def test_f109_open_policy_and_unknown_near_miss():
    assert len(fires(efs_app(GOOD, fs_kw={"policy": None, "policy_status": "none"}), "F109")) == 1
    assert fires(efs_app(GOOD, fs_kw={"policy": None, "policy_status": "unknown"}), "F109") == []
    assert fires(efs_app(GOOD), "F109") == []


def test_f110_windows_fargate_efs_and_near_miss():
    assert len(fires(efs_app(GOOD, windows=True), "F110")) == 1
    assert fires(efs_app(GOOD), "F110") == []


