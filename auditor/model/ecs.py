"""ECS resources as collected: clusters, services, task definitions, instances, tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cluster:
    arn: str
    name: str
    region: str
    status: str = "ACTIVE"
    settings: dict[str, str] = field(default_factory=dict)
    configuration: dict[str, Any] = field(default_factory=dict)
    capacity_providers: tuple[str, ...] = ()
    default_strategy: tuple[dict[str, Any], ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceLoadBalancer:
    target_group_arn: str | None = None
    load_balancer_name: str | None = None  # Classic Load Balancer only
    container_name: str | None = None
    container_port: int | None = None


@dataclass(frozen=True)
class TaskSet:
    """A task set of a service with the EXTERNAL (or CODE_DEPLOY) deployment controller: its
    own task definition and network configuration (ECS Developer Guide, "External deployment")."""

    arn: str
    task_definition_arn: str
    status: str = "ACTIVE"  # PRIMARY | ACTIVE | DRAINING
    launch_type: str | None = None
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Service:
    arn: str
    name: str
    cluster_arn: str
    region: str
    task_definition_arn: str
    status: str = "ACTIVE"
    deployment_task_definitions: tuple[str, ...] = ()
    launch_type: str | None = None
    capacity_provider_strategy: tuple[dict[str, Any], ...] = ()
    platform_version: str | None = None
    platform_family: str | None = None
    desired_count: int = 0
    running_count: int = 0
    scheduling_strategy: str = "REPLICA"
    enable_execute_command: bool = False
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None
    deployment_controller: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    task_sets: tuple[TaskSet, ...] = ()

    @property
    def uses_fargate(self) -> bool:
        if self.launch_type:
            return self.launch_type == "FARGATE"
        return any(
            s.get("capacityProvider", "").startswith("FARGATE")
            for s in self.capacity_provider_strategy
        )

    @property
    def launch_label(self) -> str:
        """FARGATE, EC2 or EXTERNAL; a capacity provider strategy reads as what it runs on."""
        if self.launch_type:
            return self.launch_type
        return "FARGATE" if self.uses_fargate else "EC2"


@dataclass(frozen=True)
class EnvVar:
    """An environment variable as kept in the snapshot: never the value of a secret.

    `value` is kept only when the classifier judged it not to be secret.
    """

    name: str
    verdict: str  # "secret" or "clean"
    reason: str = ""
    preview: str = ""
    value_hash: str = ""
    value: str | None = None


@dataclass(frozen=True)
class FieldSecret:
    """A secret found in a free-text field of a task definition (log or driver options, a
    command, a label). The value was redacted where it stood; only this trace of it is kept."""

    field: str  # e.g. logConfiguration.options.splunk-token, command, dockerLabels.x
    reason: str
    preview: str = ""
    value_hash: str = ""


@dataclass(frozen=True)
class SecretRef:
    name: str
    value_from: str


@dataclass(frozen=True)
class PortMapping:
    container_port: int | None = None
    host_port: int | None = None
    protocol: str = "tcp"
    name: str | None = None


@dataclass(frozen=True)
class ContainerDefinition:
    name: str
    image: str
    cpu: int = 0
    memory: int | None = None
    memory_reservation: int | None = None
    essential: bool = True
    privileged: bool = False
    user: str | None = None
    readonly_root_filesystem: bool = False
    port_mappings: tuple[PortMapping, ...] = ()
    environment: tuple[EnvVar, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    log_configuration: dict[str, Any] | None = None
    linux_parameters: dict[str, Any] | None = None
    links: tuple[str, ...] = ()
    mount_points: tuple[dict[str, Any], ...] = ()
    dns_servers: tuple[str, ...] = ()
    dns_search_domains: tuple[str, ...] = ()
    docker_security_options: tuple[str, ...] = ()
    extra_hosts: tuple[dict[str, Any], ...] = ()
    disable_networking: bool = False
    resource_requirements: tuple[dict[str, Any], ...] = ()
    repository_credentials: str | None = None
    secret_fields: tuple[FieldSecret, ...] = ()


@dataclass(frozen=True)
class EfsVolume:
    file_system_id: str
    root_directory: str | None = None
    transit_encryption: str = "DISABLED"
    access_point_id: str | None = None
    iam: str = "DISABLED"


@dataclass(frozen=True)
class Volume:
    name: str
    host_source_path: str | None = None
    docker_volume_configuration: dict[str, Any] | None = None
    secret_fields: tuple[FieldSecret, ...] = ()
    efs: EfsVolume | None = None


@dataclass(frozen=True)
class TaskDefinition:
    arn: str
    family: str
    revision: int
    region: str
    status: str = "ACTIVE"
    task_role_arn: str | None = None
    execution_role_arn: str | None = None
    network_mode: str | None = None
    requires_compatibilities: tuple[str, ...] = ()
    compatibilities: tuple[str, ...] = ()
    cpu: str | None = None
    memory: str | None = None
    pid_mode: str | None = None
    ipc_mode: str | None = None
    containers: tuple[ContainerDefinition, ...] = ()
    volumes: tuple[Volume, ...] = ()
    placement_constraints: tuple[dict[str, Any], ...] = ()
    os_family: str | None = None
    cpu_architecture: str | None = None
    ephemeral_storage_gib: int | None = None
    inference_accelerators: tuple[dict[str, Any], ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def effective_network_mode(self) -> str:
        # No networkMode on Linux EC2 means "bridge"; on Windows "default" (NAT).
        return self.network_mode or "bridge"

    @property
    def is_windows(self) -> bool:
        return bool(self.os_family and self.os_family.upper().startswith("WINDOWS"))


@dataclass(frozen=True)
class ContainerInstance:
    arn: str
    cluster_arn: str
    region: str
    ec2_instance_id: str | None = None
    status: str = "ACTIVE"
    agent_connected: bool = True
    registered_cpu: int = 0
    registered_memory: int = 0
    remaining_cpu: int = 0
    remaining_memory: int = 0
    capacity_provider_name: str | None = None


@dataclass(frozen=True)
class Task:
    arn: str
    cluster_arn: str
    region: str
    task_definition_arn: str
    last_status: str = "RUNNING"
    launch_type: str | None = None
    platform_version: str | None = None
    container_instance_arn: str | None = None
    group: str | None = None
    subnets: tuple[str, ...] = ()
    enable_execute_command: bool = False
    capacity_provider_name: str | None = None
