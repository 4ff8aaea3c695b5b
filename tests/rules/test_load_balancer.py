"""Rules B101–B108 (auditor.rules.load_balancer): each fires, and its near misses stay quiet."""

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
from tests.builders import ACCT, R, fires, inventory, service, task_def

APP = ContainerDefinition(name="app", image="x@sha256:1", port_mappings=(PortMapping(8080),))
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
