"""EC2: the instances behind container instances, and the subnets and security groups used."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, describe_by_ids
from auditor.model import Ec2Instance, SecurityGroup, Subnet

# Each call -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {
    "ec2:DescribeRegions": (),
    "ec2:DescribeInstances": ("ecs:DescribeContainerInstances",),
    "ec2:DescribeSubnets": ("ecs:DescribeServices", "ecs:DescribeTasks", "ec2:DescribeInstances",
                            "elasticfilesystem:DescribeMountTargets"),
    "ec2:DescribeSecurityGroups": ("ecs:DescribeServices", "ec2:DescribeInstances",
                                   "elasticfilesystem:DescribeMountTargetSecurityGroups"),
}


def get_instances(clients: Clients, ledger: CallLedger, region: str,
                  ids: list[str]) -> list[dict]:
    reservations = describe_by_ids(clients, ledger, "ec2", region, "DescribeInstances",
                                   "InstanceIds", "Reservations", ids, 200)
    return [i for r in reservations for i in r.get("Instances", [])]


def get_subnets(clients: Clients, ledger: CallLedger, region: str, ids: list[str]) -> list[dict]:
    return describe_by_ids(clients, ledger, "ec2", region, "DescribeSubnets", "SubnetIds",
                           "Subnets", ids, 200)


def get_security_groups(clients: Clients, ledger: CallLedger, region: str,
                        ids: list[str]) -> list[dict]:
    return describe_by_ids(clients, ledger, "ec2", region, "DescribeSecurityGroups", "GroupIds",
                           "SecurityGroups", ids, 200)


def transform_instance(d: dict, region: str) -> Ec2Instance:
    meta = d.get("MetadataOptions") or {}
    hop = meta.get("HttpPutResponseHopLimit")
    return Ec2Instance(
        instance_id=d["InstanceId"],
        region=region,
        instance_type=d.get("InstanceType"),
        state=(d.get("State") or {}).get("Name"),
        instance_profile_arn=(d.get("IamInstanceProfile") or {}).get("Arn"),
        http_tokens=meta.get("HttpTokens"),
        http_put_response_hop_limit=int(hop) if hop is not None else None,
        http_endpoint=meta.get("HttpEndpoint"),
        subnet_id=d.get("SubnetId"),
        vpc_id=d.get("VpcId"),
        availability_zone=(d.get("Placement") or {}).get("AvailabilityZone"),
        security_groups=tuple(g["GroupId"] for g in d.get("SecurityGroups", [])),
        architecture=d.get("Architecture"),
    )


def transform_subnet(d: dict, region: str) -> Subnet:
    return Subnet(subnet_id=d["SubnetId"], region=region, vpc_id=d["VpcId"],
                  availability_zone=d.get("AvailabilityZone", ""),
                  cidr_block=d.get("CidrBlock", ""),
                  map_public_ip_on_launch=bool(d.get("MapPublicIpOnLaunch", False)))


def transform_security_group(d: dict, region: str) -> SecurityGroup:
    ingress = []
    for p in d.get("IpPermissions", []):
        ingress.append({
            "protocol": str(p.get("IpProtocol", "-1")),
            "from_port": p.get("FromPort"),
            "to_port": p.get("ToPort"),
            "cidrs": [r["CidrIp"] for r in p.get("IpRanges", []) if "CidrIp" in r]
                     + [r["CidrIpv6"] for r in p.get("Ipv6Ranges", []) if "CidrIpv6" in r],
            "groups": [g["GroupId"] for g in p.get("UserIdGroupPairs", []) if "GroupId" in g],
        })
    return SecurityGroup(group_id=d["GroupId"], region=region, vpc_id=d.get("VpcId"),
                         name=d.get("GroupName", ""), ingress=tuple(ingress))
