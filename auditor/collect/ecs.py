"""ECS: clusters, services, task definitions, container instances and running tasks."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients, chunks
from auditor.collect.limits import checked, paginate
from auditor.collect.secrets import classify_env, keyed_hash, redacted_preview, secret_shape
from auditor.model import (
    Cluster,
    ContainerDefinition,
    ContainerInstance,
    EfsVolume,
    EnvVar,
    FieldSecret,
    PortMapping,
    SecretRef,
    Service,
    ServiceLoadBalancer,
    Task,
    TaskDefinition,
    TaskSet,
    Volume,
)

# Each call this module makes -> the calls whose results it starts from (so a gap in one is
# a gap in what follows from it).
ACTIONS: dict[str, tuple[str, ...]] = {
    "ecs:ListClusters": ("ec2:DescribeRegions",),
    "ecs:DescribeClusters": ("ecs:ListClusters",),
    "ecs:ListServices": ("ecs:DescribeClusters",),
    "ecs:DescribeServices": ("ecs:ListServices",),
    "ecs:ListTaskDefinitions": ("ec2:DescribeRegions",),
    "ecs:DescribeTaskDefinition": ("ecs:ListTaskDefinitions", "ecs:DescribeServices",
                                   "ecs:DescribeTasks"),
    "ecs:ListContainerInstances": ("ecs:DescribeClusters",),
    "ecs:DescribeContainerInstances": ("ecs:ListContainerInstances",),
    "ecs:ListTasks": ("ecs:DescribeClusters",),
    "ecs:DescribeTasks": ("ecs:ListTasks",),
}


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in raw or []}


# --- get: paging and batching only ---------------------------------------------------------

def _describe(ledger: CallLedger, region: str, operation: str, key: str, arns: list[str],
              batch: int, call, resource: str | None = None) -> list[dict]:
    """Describe `arns` in batches: `call(batch)` answers with `key` (required) and `failures`."""
    out: list[dict] = []
    for b in chunks(arns, batch):
        resp = ledger.guard("ecs", region, operation, lambda b=b: checked(call(b), key, operation),
                            resource=resource)
        if resp is not None:
            out.extend(resp[key])
            # A resource listed a moment ago and gone now is a gap for that resource.
            for f in resp.get("failures", []):
                ledger.gap("ecs", region, operation, f.get("reason", "FAILURE"), f.get("arn"),
                           f.get("detail", ""))
    return out


def get_clusters(clients: Clients, ledger: CallLedger, region: str) -> list[dict] | None:
    ecs = clients("ecs", region)
    arns = ledger.guard("ecs", region, "ListClusters", lambda: paginate(
        ecs, "list_clusters", "clusterArns", PaginationConfig={"PageSize": 100}))
    if arns is None:
        return None
    return _describe(ledger, region, "DescribeClusters", "clusters", arns, 100, lambda b: (
        ecs.describe_clusters(clusters=b, include=["SETTINGS", "CONFIGURATIONS", "TAGS"])))


def get_services(clients: Clients, ledger: CallLedger, region: str, cluster: str) -> list[dict]:
    ecs = clients("ecs", region)
    arns = ledger.guard("ecs", region, "ListServices", lambda: paginate(
        ecs, "list_services", "serviceArns", cluster=cluster,
        PaginationConfig={"PageSize": 100}), resource=cluster)
    found = _describe(ledger, region, "DescribeServices", "services", arns or [], 10, lambda b: (
        ecs.describe_services(cluster=cluster, services=b, include=["TAGS"])), cluster)
    # The API can match services of another cluster by name; keep only this one's. A deleted
    # service stays describable as INACTIVE for a while (and moto keeps listing it): it runs
    # nothing, so it is not part of the account's ECS any more.
    return [s for s in found if s.get("clusterArn") == cluster and s.get("status") != "INACTIVE"]


def get_container_instances(clients: Clients, ledger: CallLedger, region: str,
                            cluster: str) -> list[dict]:
    ecs = clients("ecs", region)
    arns = ledger.guard("ecs", region, "ListContainerInstances", lambda: (
        paginate(ecs, "list_container_instances", "containerInstanceArns", cluster=cluster,
                 PaginationConfig={"PageSize": 100})), resource=cluster)
    return _describe(ledger, region, "DescribeContainerInstances", "containerInstances", arns or [],
                     100, lambda b: ecs.describe_container_instances(cluster=cluster,
                                                                    containerInstances=b), cluster)


def get_tasks(clients: Clients, ledger: CallLedger, region: str, cluster: str) -> list[dict]:
    ecs = clients("ecs", region)
    arns = ledger.guard("ecs", region, "ListTasks", lambda: paginate(
        ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING",
        PaginationConfig={"PageSize": 100}), resource=cluster)
    return _describe(ledger, region, "DescribeTasks", "tasks", arns or [], 100,
                     lambda b: ecs.describe_tasks(cluster=cluster, tasks=b), cluster)


def get_active_task_definition_arns(clients: Clients, ledger: CallLedger,
                                    region: str) -> list[str] | None:
    ecs = clients("ecs", region)
    return ledger.guard("ecs", region, "ListTaskDefinitions", lambda: paginate(
        ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE",
        PaginationConfig={"PageSize": 100}))


def get_task_definition(clients: Clients, ledger: CallLedger, region: str,
                        arn: str) -> dict | None:
    ecs = clients("ecs", region)
    resp = ledger.guard("ecs", region, "DescribeTaskDefinition", lambda: checked(
        ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]), "taskDefinition",
        "DescribeTaskDefinition"), resource=arn)
    if resp is None:
        return None
    return {**resp["taskDefinition"], "tags": resp.get("tags", [])}


def latest_per_family(arns: list[str]) -> list[str]:
    """The highest revision of each family among task definition ARNs."""
    best: dict[str, tuple[int, str]] = {}
    for arn in arns:
        family, _, rev = arn.rsplit("/", 1)[-1].rpartition(":")
        key = arn.rsplit("/", 1)[0] + "/" + family
        if rev.isdigit() and (key not in best or int(rev) > best[key][0]):
            best[key] = (int(rev), arn)
    return [arn for _, arn in best.values()]


# --- transform: pure functions from API dicts to the model ---------------------------------

def transform_cluster(d: dict, region: str) -> Cluster:
    return Cluster(
        arn=d["clusterArn"],
        name=d["clusterName"],
        region=region,
        status=d.get("status", "ACTIVE"),
        settings={s["name"]: s.get("value", "") for s in d.get("settings", [])},
        configuration=d.get("configuration") or {},
        capacity_providers=tuple(d.get("capacityProviders", [])),
        default_strategy=tuple(d.get("defaultCapacityProviderStrategy", [])),
        tags=_tags(d.get("tags")),
    )


def _awsvpc(d: dict) -> dict:
    return (d.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}


def transform_task_set(d: dict) -> TaskSet:
    net = _awsvpc(d)
    return TaskSet(arn=d.get("taskSetArn", ""), task_definition_arn=d.get("taskDefinition", ""),
                   status=d.get("status", "ACTIVE"), launch_type=d.get("launchType"),
                   subnets=tuple(net.get("subnets", [])),
                   security_groups=tuple(net.get("securityGroups", [])),
                   assign_public_ip=net.get("assignPublicIp"), external_id=d.get("externalId"))


def transform_service(d: dict, region: str) -> Service:
    net = _awsvpc(d)
    # what the service runs: its deployments' and task sets' task definitions
    runs = [*d.get("deployments", []), *task_sets_raw(d)]
    task_sets = tuple(transform_task_set(t) for t in task_sets_raw(d))
    return Service(
        arn=d["serviceArn"],
        name=d["serviceName"],
        cluster_arn=d["clusterArn"],
        region=region,
        task_definition_arn=d.get("taskDefinition", ""),
        status=d.get("status", "ACTIVE"),
        deployment_task_definitions=tuple(sorted({x["taskDefinition"] for x in runs
                                                  if x.get("taskDefinition")})),
        launch_type=d.get("launchType"),
        capacity_provider_strategy=tuple(d.get("capacityProviderStrategy", [])),
        platform_version=d.get("platformVersion"),
        platform_family=d.get("platformFamily"),
        desired_count=int(d.get("desiredCount", 0)),
        running_count=int(d.get("runningCount", 0)),
        scheduling_strategy=d.get("schedulingStrategy", "REPLICA"),
        enable_execute_command=bool(d.get("enableExecuteCommand", False)),
        load_balancers=tuple(
            ServiceLoadBalancer(lb.get("targetGroupArn"), lb.get("loadBalancerName"),
                                lb.get("containerName"), lb.get("containerPort"))
            for lb in d.get("loadBalancers", [])),
        subnets=tuple(net.get("subnets", [])),
        security_groups=tuple(net.get("securityGroups", [])),
        assign_public_ip=net.get("assignPublicIp"),
        deployment_controller=(d.get("deploymentController") or {}).get("type"),
        tags=_tags(d.get("tags")),
        task_sets=task_sets,
    )


def task_sets_raw(d: dict) -> list[dict]:
    return [t for t in d.get("taskSets", []) if isinstance(t, dict)]


def transform_environment(env: list[dict]) -> tuple[EnvVar, ...]:
    out = []
    for e in env:
        name, value = e.get("name", ""), str(e.get("value", ""))
        verdict, reason = classify_env(name, value)
        if verdict == "secret":
            out.append(EnvVar(name, verdict, reason, redacted_preview(value), keyed_hash(value)))
        else:
            out.append(EnvVar(name, verdict, value_hash=keyed_hash(value), value=value))
    return tuple(out)


def _redact_options(options: dict | None, field: str, found: list[FieldSecret]) -> dict | None:
    """The options with each secret-looking value replaced by its redacted preview."""
    if not isinstance(options, dict):
        return options
    out = {}
    for key, value in options.items():
        verdict, reason = classify_env(str(key), str(value))
        if verdict == "secret":
            found.append(FieldSecret(f"{field}.{key}", reason, redacted_preview(str(value)),
                                     keyed_hash(str(value))))
            value = f"[redacted {redacted_preview(str(value))}]"
        out[key] = value
    return out


def _scan_command(words, field: str, found: list[FieldSecret]) -> None:
    """Commands are not kept; a secret in one is recorded (never the words themselves)."""
    if isinstance(words, list) and words:
        text = " ".join(str(w) for w in words)
        reason = secret_shape(text)
        if reason:
            found.append(FieldSecret(field, reason, f"…[{len(text)} chars]", keyed_hash(text)))


def _container_secrets(c: dict) -> tuple[dict | None, tuple[FieldSecret, ...]]:
    """Secrets in a container's free-text fields, and its log configuration with them redacted."""
    found: list[FieldSecret] = []
    log = c.get("logConfiguration")
    if isinstance(log, dict) and log.get("options"):
        log = {**log, "options": _redact_options(log["options"], "logConfiguration.options", found)}
    _redact_options(c.get("dockerLabels"), "dockerLabels", found)
    for field in ("command", "entryPoint"):
        _scan_command(c.get(field), field, found)
    _scan_command((c.get("healthCheck") or {}).get("command"), "healthCheck.command", found)
    return log, tuple(found)


def transform_container(c: dict) -> ContainerDefinition:
    log_configuration, secret_fields = _container_secrets(c)
    return ContainerDefinition(
        name=c["name"],
        image=c.get("image", ""),
        cpu=int(c.get("cpu") or 0),
        memory=c.get("memory"),
        memory_reservation=c.get("memoryReservation"),
        essential=c.get("essential", True),
        privileged=bool(c.get("privileged", False)),
        user=c.get("user"),
        readonly_root_filesystem=bool(c.get("readonlyRootFilesystem", False)),
        port_mappings=tuple(PortMapping(p.get("containerPort"), p.get("hostPort"),
                                        p.get("protocol", "tcp"), p.get("name"))
                            for p in c.get("portMappings", [])),
        environment=transform_environment(c.get("environment", [])),
        secrets=tuple(SecretRef(s["name"], s["valueFrom"]) for s in c.get("secrets", [])),
        log_configuration=log_configuration,
        linux_parameters=c.get("linuxParameters"),
        links=tuple(c.get("links", [])),
        mount_points=tuple(c.get("mountPoints", [])),
        dns_servers=tuple(c.get("dnsServers", [])),
        dns_search_domains=tuple(c.get("dnsSearchDomains", [])),
        docker_security_options=tuple(c.get("dockerSecurityOptions", [])),
        extra_hosts=tuple(c.get("extraHosts", [])),
        disable_networking=bool(c.get("disableNetworking", False)),
        resource_requirements=tuple(c.get("resourceRequirements", [])),
        repository_credentials=(c.get("repositoryCredentials") or {}).get("credentialsParameter"),
        secret_fields=secret_fields,
    )


def transform_volume(v: dict) -> Volume:
    efs = v.get("efsVolumeConfiguration")
    auth = (efs or {}).get("authorizationConfig") or {}
    docker = v.get("dockerVolumeConfiguration")
    found: list[FieldSecret] = []
    if isinstance(docker, dict) and docker.get("driverOpts"):
        docker = {**docker, "driverOpts": _redact_options(
            docker["driverOpts"], "dockerVolumeConfiguration.driverOpts", found)}
    return Volume(
        name=v.get("name", ""),
        host_source_path=(v.get("host") or {}).get("sourcePath"),
        docker_volume_configuration=docker,
        secret_fields=tuple(found),
        efs=EfsVolume(
            file_system_id=efs["fileSystemId"],
            root_directory=efs.get("rootDirectory"),
            transit_encryption=efs.get("transitEncryption", "DISABLED"),
            access_point_id=auth.get("accessPointId"),
            iam=auth.get("iam", "DISABLED"),
        ) if efs else None,
    )


def transform_task_definition(d: dict, region: str) -> TaskDefinition:
    platform = d.get("runtimePlatform") or {}
    return TaskDefinition(
        arn=d["taskDefinitionArn"],
        family=d["family"],
        revision=int(d["revision"]),
        region=region,
        status=d.get("status", "ACTIVE"),
        task_role_arn=d.get("taskRoleArn") or None,
        execution_role_arn=d.get("executionRoleArn") or None,
        network_mode=d.get("networkMode"),
        requires_compatibilities=tuple(d.get("requiresCompatibilities", [])),
        compatibilities=tuple(d.get("compatibilities", [])),
        cpu=str(d["cpu"]) if d.get("cpu") else None,
        memory=str(d["memory"]) if d.get("memory") else None,
        pid_mode=d.get("pidMode"),
        ipc_mode=d.get("ipcMode"),
        containers=tuple(transform_container(c) for c in d.get("containerDefinitions", [])),
        volumes=tuple(transform_volume(v) for v in d.get("volumes", [])),
        placement_constraints=tuple(d.get("placementConstraints", [])),
        os_family=platform.get("operatingSystemFamily"),
        cpu_architecture=platform.get("cpuArchitecture"),
        ephemeral_storage_gib=(d.get("ephemeralStorage") or {}).get("sizeInGiB"),
        inference_accelerators=tuple(d.get("inferenceAccelerators", [])),
        tags=_tags(d.get("tags")),
    )


def _resource(resources: list[dict], name: str) -> int:
    for r in resources or []:
        if r.get("name") == name:
            return int(r.get("integerValue", 0))
    return 0


def transform_container_instance(d: dict, cluster_arn: str, region: str) -> ContainerInstance:
    return ContainerInstance(
        arn=d["containerInstanceArn"],
        cluster_arn=cluster_arn,
        region=region,
        ec2_instance_id=d.get("ec2InstanceId"),
        status=d.get("status", "ACTIVE"),
        agent_connected=bool(d.get("agentConnected", True)),
        registered_cpu=_resource(d.get("registeredResources"), "CPU"),
        registered_memory=_resource(d.get("registeredResources"), "MEMORY"),
        remaining_cpu=_resource(d.get("remainingResources"), "CPU"),
        remaining_memory=_resource(d.get("remainingResources"), "MEMORY"),
        capacity_provider_name=d.get("capacityProviderName"),
    )


def transform_task(d: dict, region: str) -> Task:
    subnets = []
    for att in d.get("attachments", []):
        for kv in att.get("details", []):
            if kv.get("name") == "subnetId":
                subnets.append(kv.get("value"))
    return Task(
        arn=d["taskArn"],
        cluster_arn=d["clusterArn"],
        region=region,
        task_definition_arn=d.get("taskDefinitionArn", ""),
        last_status=d.get("lastStatus", ""),
        launch_type=d.get("launchType"),
        platform_version=d.get("platformVersion"),
        container_instance_arn=d.get("containerInstanceArn"),
        group=d.get("group"),
        subnets=tuple(subnets),
        enable_execute_command=bool(d.get("enableExecuteCommand", False)),
        capacity_provider_name=d.get("capacityProviderName"),
    )
