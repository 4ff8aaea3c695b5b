"""The Inventory: everything collected from one account, and its snapshot file."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from auditor.fsutil import InputError, atomic_writer, gunzip_bounded, load_json, read_input
from auditor.model.aws import (
    AccessPoint,
    Ec2Instance,
    FileSystem,
    Group,
    ImageInfo,
    InstanceProfile,
    LoadBalancer,
    ManagedPolicy,
    Role,
    SecurityGroup,
    Subnet,
    TargetGroup,
    User,
    Utilisation,
)
from auditor.model.ecs import (
    Cluster,
    ContainerInstance,
    Service,
    ServiceLoadBalancer,
    Task,
    TaskDefinition,
)
from auditor.model.org import OrgControls
from auditor.model.resources import KmsKey, LogGroup, Parameter, ResourcePolicy
from auditor.model.serde import SnapshotError, from_jsonable, to_jsonable

SNAPSHOT_SCHEMA = "ecs-auditor/snapshot/1"


# botocore service names whose IAM action prefix differs (the Service Authorization Reference).
IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing",
              "efs": "elasticfilesystem", "s3control": "s3"}
# API operations whose IAM action has another name (the Service Authorization Reference, S3).
IAM_ACTION = {("s3", "ListBuckets"): "s3:ListAllMyBuckets",
              ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
              ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
              ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that allows a call (botocore service name and API operation)."""
    return IAM_ACTION.get((service, operation)) or f"{IAM_PREFIX.get(service, service)}:{operation}"


@dataclass(frozen=True)
class Gap:
    """A call that was denied or failed, and the calls that could not follow from it."""

    service: str
    region: str
    operation: str
    error: str
    resource: str | None = None
    message: str = ""
    blocked: tuple[str, ...] = ()  # calls that start from this one's results (IAM action names)

    @property
    def action(self) -> str:
        """The call as an IAM action name (elasticloadbalancing:DescribeTargetGroups)."""
        return iam_action(self.service, self.operation)


@dataclass(frozen=True)
class Inventory:
    account_id: str
    regions: tuple[str, ...] = ()
    collected_at: str = ""
    tool_version: str = ""
    call_counts: dict[str, int] = field(default_factory=dict)
    retry_counts: dict[str, int] = field(default_factory=dict)
    gaps: tuple[Gap, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    services: tuple[Service, ...] = ()
    task_definitions: tuple[TaskDefinition, ...] = ()
    container_instances: tuple[ContainerInstance, ...] = ()
    tasks: tuple[Task, ...] = ()
    ec2_instances: tuple[Ec2Instance, ...] = ()
    roles: tuple[Role, ...] = ()
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    instance_profiles: tuple[InstanceProfile, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    file_systems: tuple[FileSystem, ...] = ()
    access_points: tuple[AccessPoint, ...] = ()
    utilisation: tuple[Utilisation, ...] = ()
    images: tuple[ImageInfo, ...] = ()
    resource_policies: tuple[ResourcePolicy, ...] = ()
    kms_keys: tuple[KmsKey, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    log_groups: tuple[LogGroup, ...] = ()  # those with a KMS key
    # S3 Block Public Access of the account (s3control), and whether it could be read.
    account_public_access_block: dict[str, bool] | None = None
    account_block_status: str = "none"  # present | none | unknown
    # The SCPs and RCPs the account's organisation applies to it (None: not known, not applied).
    organisation: OrgControls | None = None

    # Lookups by id, built once on demand (frozen dataclasses allow cached_property).
    @cached_property
    def index(self) -> InventoryIndex:
        return InventoryIndex(self)


class InventoryIndex:
    def __init__(self, inv: Inventory) -> None:
        self.cluster = {c.arn: c for c in inv.clusters}
        self.service = {s.arn: s for s in inv.services}
        self.task_definition = {t.arn: t for t in inv.task_definitions}
        self.container_instance = {c.arn: c for c in inv.container_instances}
        self.ec2_instance = {i.instance_id: i for i in inv.ec2_instances}
        self.role = {r.arn: r for r in inv.roles}
        self.group_by_name = {g.name: g for g in inv.groups}
        self.managed_policy = {p.arn: p for p in inv.managed_policies}
        self.instance_profile = {p.arn: p for p in inv.instance_profiles}
        self.subnet = {s.subnet_id: s for s in inv.subnets}
        self.security_group = {g.group_id: g for g in inv.security_groups}
        self.load_balancer = {lb.arn: lb for lb in inv.load_balancers}
        self.load_balancer_by_name = {(lb.region, lb.name): lb for lb in inv.load_balancers}
        self.target_group = {t.arn: t for t in inv.target_groups}
        self.file_system = {(f.region, f.file_system_id): f for f in inv.file_systems}
        self.resource_policy = {r.arn: r for r in inv.resource_policies}
        self.kms_key = {k.arn: k for k in inv.kms_keys}
        # a key as a task definition or secret names it: ARN, bare id, alias name or alias ARN
        self.kms_key_ref = {ref: k for k in inv.kms_keys
                            for ref in (k.arn, k.key_id, *k.aliases)}
        self.parameter = {p.arn: p for p in inv.parameters}
        self.access_point = {(a.region, a.access_point_id): a for a in inv.access_points}
        self.utilisation = {u.service_arn: u for u in inv.utilisation}
        self.instances_by_cluster: dict[str, list[ContainerInstance]] = {}
        for ci in inv.container_instances:
            self.instances_by_cluster.setdefault(ci.cluster_arn, []).append(ci)

    def fronts(self, s: Service) -> list[tuple[ServiceLoadBalancer, TargetGroup | None,
                                               list[LoadBalancer]]]:
        """For each load balancer reference of a service: its target group (None for a
        Classic Load Balancer, named directly) and the load balancers in front of it."""
        out = []
        for ref in s.load_balancers:
            tg = self.target_group.get(ref.target_group_arn or "")
            if tg:
                lbs = [self.load_balancer[a] for a in tg.load_balancer_arns if a in self.load_balancer]
            else:
                lb = self.load_balancer_by_name.get((s.region, ref.load_balancer_name or ""))
                lbs = [lb] if lb and ref.load_balancer_name else []
            if tg or lbs or ref.load_balancer_name:
                out.append((ref, tg, lbs))
        return out


def snapshot_dict(inv: Inventory) -> dict:
    return {"schema": SNAPSHOT_SCHEMA, **to_jsonable(inv)}


def save_snapshot(inv: Inventory, path: str | Path) -> Path:
    """Write the snapshot as gzipped JSON, atomically (a reader never sees half a file)."""
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
    path = Path(path)
    # Streamed: encoded in chunks straight into gzip, never one string of the whole account.
    # mtime=0 so an unchanged inventory gives a byte-identical file.
    with atomic_writer(path) as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for chunk in encoder.iterencode(snapshot_dict(inv)):
            gz.write(chunk.encode())
    return path


def load_snapshot(path: str | Path) -> Inventory:
    """Read a snapshot (or the one in an output folder); any problem is a SnapshotError with a
    one-line reason."""
    p = Path(path)
    if p.is_dir() and (p / "snapshot.json.gz").exists():
        p = p / "snapshot.json.gz"
    try:
        blob = read_input(p)
        text = gunzip_bounded(blob, str(p)) if blob[:2] == b"\x1f\x8b" else blob
        data = load_json(text, str(p))
    except InputError as e:
        msg = str(e).replace(": not JSON", ": not a snapshot (not JSON)")
        raise SnapshotError(msg) from None
    try:
        return inventory_from_dict(data, str(p))
    except RecursionError:
        raise SnapshotError(f"{p}: nested too deeply to be a snapshot") from None


def inventory_from_dict(data: object, where: str = "snapshot") -> Inventory:
    if not isinstance(data, dict) or "schema" not in data:
        raise SnapshotError(f"{where}: not an ecs-auditor snapshot (no 'schema' field)")
    schema = data["schema"]
    if schema != SNAPSHOT_SCHEMA:
        raise SnapshotError(
            f"{where}: unsupported snapshot schema {schema!r:.60} (this tool reads {SNAPSHOT_SCHEMA})"
        )
    body = {k: v for k, v in data.items() if k != "schema"}
    return from_jsonable(Inventory, body, "snapshot")
