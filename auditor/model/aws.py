"""IAM, EC2 networking, load balancers, EFS and utilisation as collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: Any  # a policy document as AWS returned it (normally a dict)


@dataclass(frozen=True)
class Role:
    arn: str
    name: str
    trust_policy: Any = None
    path: str = "/"
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None
    instance_profile_arns: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    default_version_id: str | None = None
    document: Any = None  # the default version's document only


@dataclass(frozen=True)
class InstanceProfile:
    arn: str
    name: str
    role_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ec2Instance:
    instance_id: str
    region: str
    instance_type: str | None = None
    state: str | None = None
    instance_profile_arn: str | None = None
    http_tokens: str | None = None  # "optional" | "required"
    http_put_response_hop_limit: int | None = None
    http_endpoint: str | None = None  # "enabled" | "disabled"
    subnet_id: str | None = None
    vpc_id: str | None = None
    availability_zone: str | None = None
    security_groups: tuple[str, ...] = ()
    architecture: str | None = None


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    region: str
    vpc_id: str
    availability_zone: str
    cidr_block: str = ""
    map_public_ip_on_launch: bool = False


@dataclass(frozen=True)
class SecurityGroup:
    group_id: str
    region: str
    vpc_id: str | None = None
    name: str = ""
    ingress: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Listener:
    arn: str
    port: int | None = None
    protocol: str | None = None
    default_actions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class LoadBalancer:
    arn: str
    name: str
    region: str
    type: str  # application | network | gateway | classic
    scheme: str = "internal"
    vpc_id: str | None = None
    dns_name: str | None = None
    security_groups: tuple[str, ...] = ()
    listeners: tuple[Listener, ...] = ()

    @property
    def internet_facing(self) -> bool:
        return self.scheme == "internet-facing"


@dataclass(frozen=True)
class TargetGroup:
    arn: str
    name: str
    region: str
    target_type: str = "instance"
    protocol: str | None = None
    port: int | None = None
    vpc_id: str | None = None
    load_balancer_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class MountTarget:
    mount_target_id: str
    subnet_id: str
    availability_zone: str | None = None
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileSystem:
    file_system_id: str
    arn: str
    region: str
    encrypted: bool = False
    kms_key_id: str | None = None
    policy: Any = None
    policy_status: str = "unknown"  # present | none | unknown (not collected)
    mount_targets: tuple[MountTarget, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class AccessPoint:
    access_point_id: str
    arn: str
    file_system_id: str
    region: str
    root_path: str | None = None


@dataclass(frozen=True)
class Utilisation:
    """Hourly CloudWatch AWS/ECS utilisation (percent of the reservation) for one service."""

    service_arn: str
    start: str
    end: str
    period_seconds: int = 3600
    cpu_average: tuple[float, ...] = ()
    cpu_maximum: tuple[float, ...] = ()
    memory_average: tuple[float, ...] = ()
    memory_maximum: tuple[float, ...] = ()


@dataclass(frozen=True)
class User:
    """An IAM user: a principal that may reach ECS roles (PassRole, ExecuteCommand)."""

    arn: str
    name: str
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    group_names: tuple[str, ...] = ()
    permissions_boundary_arn: str | None = None


@dataclass(frozen=True)
class Group:
    arn: str
    name: str
    inline_policies: tuple[InlinePolicy, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageInfo:
    """A container image's platforms, from its ECR manifest (an index lists several)."""

    image: str  # as the task definition names it
    region: str
    architectures: tuple[str, ...] = ()
    media_type: str | None = None

