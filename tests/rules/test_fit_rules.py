"""L and B rules: fire, and near-misses where they must not."""

from __future__ import annotations

from auditor.model import (
    ContainerDefinition,
    Listener,
    LoadBalancer,
    PortMapping,
    ServiceLoadBalancer,
    Subnet,
    TargetGroup,
)
from tests.graph.builders import ACCT, R, host, inventory, role, service, task_def
from tests.rules.helpers import fires

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


TG_IP = TargetGroup(arn=f"arn:aws:elasticloadbalancing:{R}:{ACCT}:targetgroup/ip/1", name="ip",
                    region=R, target_type="ip", vpc_id="vpc-1",
                    load_balancer_arns=(f"arn:aws:elasticloadbalancing:{R}:{ACCT}:loadbalancer/app/alb/1",))
TG_INSTANCE = TargetGroup(arn=f"arn:aws:elasticloadbalancing:{R}:{ACCT}:targetgroup/in/2", name="in",
                          region=R, target_type="instance", vpc_id="vpc-1",
                          load_balancer_arns=TG_IP.load_balancer_arns)
ALB = LoadBalancer(arn=TG_IP.load_balancer_arns[0], name="alb", region=R, type="application",
                   scheme="internet-facing", vpc_id="vpc-1", listeners=(
                       Listener("l-443", 443, "HTTPS"),
                       Listener("l-80", 80, "HTTP", ({"Type": "redirect", "RedirectConfig": {
                           "Protocol": "HTTPS", "Port": "443"}},))))
CLB = LoadBalancer(arn=f"arn:aws:elasticloadbalancing:{R}:{ACCT}:loadbalancer/old", name="old",
                   region=R, type="classic", scheme="internal")
SUBNET = Subnet("subnet-1", R, "vpc-1", f"{R}a", "10.0.0.0/24")


def behind(lb_refs, mode="awsvpc", launch="FARGATE", containers=(APP,), lbs=(ALB, CLB), tgs=None):
    td = task_def("app", network_mode=mode, compat=(launch,), containers=containers)
    svc = service("app", td, launch, load_balancers=tuple(lb_refs), subnets=("subnet-1",))
    return inventory(tds=[td], services=[svc], load_balancers=tuple(lbs),
                     target_groups=tuple(tgs or (TG_IP, TG_INSTANCE)), subnets=(SUBNET,))


def ref(tg=TG_IP, name="app", port=8080):
    return ServiceLoadBalancer(target_group_arn=tg.arn, container_name=name, container_port=port)


def test_b101_classic_with_awsvpc_and_b105_classic_in_use():
    classic = ServiceLoadBalancer(load_balancer_name="old", container_name="app", container_port=8080)
    assert len(fires(behind([classic]), "B101")) == 1
    assert len(fires(behind([classic], "bridge", "EC2"), "B105")) == 1
    assert fires(behind([classic], "bridge", "EC2"), "B101") == []
    assert fires(behind([ref()]), "B105") == []


def test_b102_target_type_mismatch_and_near_miss():
    assert len(fires(behind([ref(TG_INSTANCE)]), "B102")) == 1
    assert len(fires(behind([ref(TG_IP)], "bridge", "EC2"), "B102")) == 1
    assert fires(behind([ref(TG_IP)]), "B102") == []


def test_b103_port_unmapped_and_near_miss():
    [f] = fires(behind([ref(port=80)]), "B103")
    assert f.evidence["mapped_ports"] == [8080]
    assert fires(behind([ref()]), "B103") == []


def test_b104_udp_behind_alb_and_tcp_near_miss():
    udp = ContainerDefinition(name="app", image="x", port_mappings=(PortMapping(8080, protocol="udp"),))
    assert len(fires(behind([ref()], containers=(udp,)), "B104")) == 1
    assert fires(behind([ref()]), "B104") == []


def test_b106_plain_http_and_redirect_near_miss():
    assert fires(behind([ref()]), "B106") == []  # its HTTP listener redirects to HTTPS
    plain = LoadBalancer(**{**ALB.__dict__, "listeners": (Listener("l-80", 80, "HTTP", (
        {"Type": "forward", "TargetGroupArn": TG_IP.arn},)),)})
    [f] = fires(behind([ref()], lbs=(plain,)), "B106")
    assert f.evidence["port"] == 80


def test_b107_other_vpc_and_near_miss():
    elsewhere = TargetGroup(**{**TG_IP.__dict__, "vpc_id": "vpc-2"})
    assert len(fires(behind([ref(elsewhere)], tgs=(elsewhere,)), "B107")) == 1
    assert fires(behind([ref()]), "B107") == []


def test_b108_too_many_target_groups_and_five_near_miss():
    tgs = [TargetGroup(**{**TG_IP.__dict__, "arn": f"{TG_IP.arn}{i}"}) for i in range(6)]
    assert len(fires(behind([ref(t) for t in tgs], tgs=tgs), "B108")) == 1
    assert fires(behind([ref(t) for t in tgs[:5]], tgs=tgs[:5]), "B108") == []


