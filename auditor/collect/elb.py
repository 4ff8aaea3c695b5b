"""Load balancers that services reference: ELBv2 target groups, their ALB/NLB, listeners,
and Classic Load Balancers."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, describe_by_ids
from auditor.collect.limits import paginate
from auditor.model import Listener, LoadBalancer, TargetGroup

# Each call -> the calls whose results it starts from (Classic Load Balancers are named by
# services directly).
ACTIONS: dict[str, tuple[str, ...]] = {
    "elasticloadbalancing:DescribeTargetGroups": ("ecs:DescribeServices",),
    "elasticloadbalancing:DescribeLoadBalancers": ("elasticloadbalancing:DescribeTargetGroups",
                                                   "ecs:DescribeServices"),
    "elasticloadbalancing:DescribeListeners": ("elasticloadbalancing:DescribeLoadBalancers",),
}


def get_target_groups(clients: Clients, ledger: CallLedger, region: str,
                      arns: list[str]) -> list[dict]:
    return describe_by_ids(clients, ledger, "elbv2", region, "DescribeTargetGroups",
                           "TargetGroupArns", "TargetGroups", arns, 20)


def get_load_balancers(clients: Clients, ledger: CallLedger, region: str,
                       arns: list[str]) -> list[dict]:
    return describe_by_ids(clients, ledger, "elbv2", region, "DescribeLoadBalancers",
                           "LoadBalancerArns", "LoadBalancers", arns, 20)


def get_listeners(clients: Clients, ledger: CallLedger, region: str, lb_arn: str) -> list[dict]:
    elb = clients("elbv2", region)
    return ledger.guard("elbv2", region, "DescribeListeners", lambda: paginate(
        elb, "describe_listeners", "Listeners", LoadBalancerArn=lb_arn), resource=lb_arn) or []


def get_classic(clients: Clients, ledger: CallLedger, region: str,
                names: list[str]) -> list[dict]:
    return describe_by_ids(clients, ledger, "elb", region, "DescribeLoadBalancers",
                           "LoadBalancerNames", "LoadBalancerDescriptions", names, 20)


def transform_target_group(d: dict, region: str) -> TargetGroup:
    return TargetGroup(arn=d["TargetGroupArn"], name=d.get("TargetGroupName", ""), region=region,
                       target_type=d.get("TargetType", "instance"), protocol=d.get("Protocol"),
                       port=d.get("Port"), vpc_id=d.get("VpcId"),
                       load_balancer_arns=tuple(d.get("LoadBalancerArns", [])))


def transform_load_balancer(d: dict, region: str, listeners: list[dict]) -> LoadBalancer:
    return LoadBalancer(
        arn=d["LoadBalancerArn"], name=d.get("LoadBalancerName", ""), region=region,
        type=d.get("Type", "application"), scheme=d.get("Scheme", "internal"),
        vpc_id=d.get("VpcId"), dns_name=d.get("DNSName"),
        security_groups=tuple(d.get("SecurityGroups", [])),
        listeners=tuple(Listener(arn=x["ListenerArn"], port=x.get("Port"),
                                 protocol=x.get("Protocol"),
                                 default_actions=tuple(x.get("DefaultActions", [])))
                        for x in listeners),
    )


def transform_classic(d: dict, region: str, account_id: str) -> LoadBalancer:
    name = d["LoadBalancerName"]
    # Classic load balancers have no ARN in the API; this is the ARN IAM uses for them.
    arn = f"arn:aws:elasticloadbalancing:{region}:{account_id}:loadbalancer/{name}"
    return LoadBalancer(
        arn=arn, name=name, region=region, type="classic", scheme=d.get("Scheme", "internal"),
        vpc_id=d.get("VPCId"), dns_name=d.get("DNSName"),
        security_groups=tuple(d.get("SecurityGroups", [])),
        listeners=tuple(Listener(arn=f"{arn}/listener/{x['Listener'].get('LoadBalancerPort')}",
                                 port=x["Listener"].get("LoadBalancerPort"),
                                 protocol=x["Listener"].get("Protocol"))
                        for x in d.get("ListenerDescriptions", [])),
    )
