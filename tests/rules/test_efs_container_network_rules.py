"""F, C and N rules: fire, and near-misses where they must not."""

from __future__ import annotations

from auditor.collect.ecs import transform_environment
from auditor.model import (
    AccessPoint,
    ContainerDefinition,
    EfsVolume,
    FileSystem,
    Gap,
    MountTarget,
    SecurityGroup,
    Subnet,
    Volume,
)
from tests.graph.builders import ACCT, R, inventory, service, task_def
from tests.rules.helpers import fires

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


def with_container(windows=False, network_mode="awsvpc", pid=None, ipc=None, **kw):
    c = ContainerDefinition(**{"name": "app", "image": "repo/app:1.2", "user": "1000",
                               "readonly_root_filesystem": True,
                               "log_configuration": {"logDriver": "awslogs"}, **kw})
    td = task_def("app", network_mode=network_mode, containers=(c,), pid_mode=pid, ipc_mode=ipc,
                  os_family="WINDOWS_SERVER_2019_FULL" if windows else None)
    return inventory(tds=[td], services=[service("app", td)])


def test_c101_privileged_and_near_miss():
    assert len(fires(with_container(privileged=True), "C101")) == 1
    assert fires(with_container(), "C101") == []


def env(**pairs):
    return transform_environment([{"name": k, "value": v} for k, v in pairs.items()])


def test_c102_secrets_fire_with_redacted_evidence():
    secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    inv = with_container(environment=env(AWS_SECRET_ACCESS_KEY=secret_key, STRIPE="sk_live_" + "a" * 24,
                                         DATABASE_URL="postgres://app:hunter22@db:5432/app",
                                         DB_PASSWORD="correct-horse"))
    found = fires(inv, "C102")
    assert {f.evidence["variable"] for f in found} == {"AWS_SECRET_ACCESS_KEY", "STRIPE",
                                                       "DATABASE_URL", "DB_PASSWORD"}
    blob = repr([f.to_dict() for f in found])
    for value in (secret_key, "hunter22", "correct-horse", "a" * 24):
        assert value not in blob


def test_c102_near_misses():
    inv = with_container(environment=env(MYSQL_ALLOW_EMPTY_PASSWORD="yes",
                                         DB_PASSWORD_SECRET_ARN="arn:aws:secretsmanager:us-east-1:1:secret:x",
                                         PASSWORD_FILE="/run/secrets/db", TOKEN_TTL="3600",
                                         FEATURE_ENABLED="true", API_KEY="", LOG_LEVEL="debug",
                                         SERVICE_URL="https://api.example.com/v1"))
    assert fires(inv, "C102") == []
    assert all(e.value is not None for e in inv.task_definitions[0].containers[0].environment)


def test_c103_root_user_variants_and_windows_near_miss():
    for user in (None, "root", "0", "0:0", "root:staff"):
        assert len(fires(with_container(user=user), "C103")) == 1, user
    assert fires(with_container(user="1000:1000"), "C103") == []
    assert fires(with_container(user=None, windows=True), "C103") == []


def test_c104_writable_root_and_near_miss():
    assert len(fires(with_container(readonly_root_filesystem=False), "C104")) == 1
    assert fires(with_container(), "C104") == []


def test_c105_host_namespaces_and_task_near_miss():
    assert len(fires(with_container(pid="host"), "C105")) == 1
    assert len(fires(with_container(ipc="host"), "C105")) == 1
    assert fires(with_container(pid="task", ipc="task"), "C105") == []


def test_c106_capabilities_with_ptrace_medium_and_near_miss():
    [f] = fires(with_container(linux_parameters={"capabilities": {"add": ["SYS_ADMIN"]}}), "C106")
    assert f.severity == "high"
    [f] = fires(with_container(linux_parameters={"capabilities": {"add": ["SYS_PTRACE"]}}), "C106")
    assert f.severity == "medium"
    assert fires(with_container(linux_parameters={"capabilities": {"add": ["CHOWN"],
                                                                   "drop": ["ALL"]}}), "C106") == []


def test_c107_no_logging_and_near_miss():
    assert len(fires(with_container(log_configuration=None), "C107")) == 1
    assert fires(with_container(), "C107") == []


def test_c108_unpinned_images_and_near_misses():
    for image in ("nginx", "nginx:latest", "registry:5000/team/app", "registry:5000/team/app:latest"):
        assert len(fires(with_container(image=image), "C108")) == 1, image
    for image in ("nginx:1.27", "registry:5000/team/app:2.1", "nginx@sha256:" + "a" * 64,
                  "nginx:latest@sha256:" + "a" * 64):
        assert fires(with_container(image=image), "C108") == [], image


def test_c109_host_network_and_near_miss():
    assert len(fires(with_container(network_mode="host"), "C109")) == 1
    assert fires(with_container(network_mode="bridge"), "C109") == []


def test_n101_public_ip_and_near_miss():
    td = task_def("app", compat=("FARGATE",))
    assert len(fires(inventory(tds=[td], services=[service("a", td, "FARGATE",
                                                           assign_public_ip="ENABLED")]), "N101")) == 1
    assert fires(inventory(tds=[td], services=[service("a", td, "FARGATE",
                                                       assign_public_ip="DISABLED")]), "N101") == []


def test_n102_insights_and_enhanced_near_miss():
    from dataclasses import replace
    inv = inventory()
    assert fires(inv, "N102") == []  # the builder's cluster has it enabled
    off = replace(inv, clusters=(replace(inv.clusters[0], settings={}),))
    assert len(fires(off, "N102")) == 1
    enhanced = replace(inv, clusters=(replace(inv.clusters[0], settings={"containerInsights": "enhanced"}),))
    assert fires(enhanced, "N102") == []


