"""Rules L101–L108 (auditor.rules.launch_type): each fires, and its near misses stay quiet."""

from __future__ import annotations

from auditor.model import (
    ContainerDefinition,
    PortMapping,
)
from tests.builders import fires, host, inventory, role, service, task_def

APP = ContainerDefinition(name="app", image="x@sha256:1", port_mappings=(PortMapping(8080),))


def fargate(td_kw=None, svc_kw=None, containers=(APP,)):
    td = task_def("app", compat=("FARGATE",), containers=containers,
                  **{"cpu": "256", "memory": "512", **(td_kw or {})})
    return inventory(tds=[td], services=[service("app", td, "FARGATE", **(svc_kw or {}))])


def test_l101_fargate_incompatible_and_near_miss():
    priv = ContainerDefinition(name="app", image="x", privileged=True, linux_parameters={
        "capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}, "devices": [{"hostPath": "/dev/x"}]})
    [f] = fires(fargate(td_kw={"network_mode": "bridge"}, containers=(priv,)), "L101")
    params = {p["parameter"] for p in f.evidence["parameters"]}
    assert params == {"networkMode", "privileged", "linuxParameters.capabilities.add",
                      "linuxParameters.devices"}
    ptrace = ContainerDefinition(name="app", image="x", linux_parameters={
        "capabilities": {"add": ["SYS_PTRACE"]}})
    assert fires(fargate(td_kw={"pid_mode": "task"}, containers=(ptrace,)), "L101") == []


def test_l102_invalid_size_and_windows_and_near_miss():
    assert len(fires(fargate(td_kw={"cpu": "256", "memory": "4096"}), "L102")) == 1
    assert len(fires(fargate(td_kw={"cpu": "512", "memory": "1024", "os_family": "WINDOWS_SERVER_2022_CORE"}),
                     "L102")) == 1
    assert fires(fargate(td_kw={"cpu": "1 vCPU", "memory": "2GB"}), "L102") == []


def test_l103_launch_type_incompatible_and_near_miss():
    td = task_def("app", compat=("EC2",))
    assert len(fires(inventory(tds=[td], services=[service("app", td, "FARGATE")]), "L103")) == 1
    assert fires(inventory(tds=[td], services=[service("app", td, "EC2")]), "L103") == []
    spot = service("app", task_def("app", compat=("FARGATE",)), None,
                   capacity_provider_strategy=({"capacityProvider": "FARGATE_SPOT", "weight": 1},))
    assert fires(inventory(tds=[task_def("app", compat=("FARGATE",))], services=[spot]), "L103") == []


def test_l104_outdated_platform_and_latest_near_miss():
    assert len(fires(fargate(svc_kw={"platform_version": "1.3.0"}), "L104")) == 1
    assert fires(fargate(svc_kw={"platform_version": "LATEST"}), "L104") == []
    assert fires(fargate(svc_kw={"platform_version": "1.4.0"}), "L104") == []


def test_l105_daemon_on_fargate_and_near_miss():
    assert len(fires(fargate(svc_kw={"scheduling_strategy": "DAEMON"}), "L105")) == 1
    td = task_def("app")
    assert fires(inventory(tds=[td], services=[service("a", td, scheduling_strategy="DAEMON")]),
                 "L105") == []


def test_l106_no_capacity_and_near_miss():
    td = task_def("app")
    assert len(fires(inventory(tds=[td], services=[service("a", td)]), "L106")) == 1
    inv = inventory(tds=[td], services=[service("a", td)], hosts=[host(1, role("i"))])
    assert fires(inv, "L106") == []


def test_l107_too_large_and_near_miss():
    big = task_def("big", cpu="4096", memory="16384")
    small = task_def("small", cpu="1024", memory="2048")
    h = [host(1, role("i"))]  # 2048 CPU, 7680 MiB
    assert len(fires(inventory(tds=[big], services=[service("a", big)], hosts=h), "L107")) == 1
    assert fires(inventory(tds=[small], services=[service("a", small)], hosts=h), "L107") == []


def test_l108_platform_feature_and_near_miss():
    from auditor.model import EfsVolume, Volume
    vol = (Volume("d", efs=EfsVolume("fs-1", transit_encryption="ENABLED")),)
    [f] = fires(fargate(td_kw={"volumes": vol}, svc_kw={"platform_version": "1.3.0",
                                                       "enable_execute_command": True}), "L108")
    assert f.evidence["uses"] == ["EFS volumes", "ECS Exec"]
    assert fires(fargate(td_kw={"volumes": vol}, svc_kw={"platform_version": "1.4.0"}), "L108") == []


