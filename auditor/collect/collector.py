"""Read an account into an Inventory: ECS first, then what ECS references (through
`auditor.collect`, which loads this module and boto3 only when asked)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from auditor import __version__
from auditor.collect import (
    CollectError,
    cloudwatch,
    ec2,
    ecr,
    ecs,
    efs,
    elb,
    iam,
    iam_details,
    kms,
    logs,
    s3,
    secrets_manager,
    sns,
    sqs,
    ssm,
)
from auditor.collect.base import SHAPE_ERRORS, CallLedger, Clients, each
from auditor.collect.limits import DEADLINE_SECONDS, MAX_PAGES, MAX_RESPONSE_BYTES, checked
from auditor.model import Inventory

MODULES = (ecs, iam, ec2, elb, efs, ecr, cloudwatch, s3, secrets_manager, ssm, sqs, sns, logs, kms)
# Called to find out who we are; needs no permission and is not part of the policy.
SESSION_ACTIONS = ("sts:GetCallerIdentity",)


def declared_actions() -> list[str]:
    return sorted({a for m in MODULES for a in m.ACTIONS})


def call_graph() -> dict[str, tuple[str, ...]]:
    """Each declared call -> every call that starts from its results, transitively."""
    inputs = {a: ins for m in MODULES for a, ins in m.ACTIONS.items()}
    follows: dict[str, set[str]] = {a: set() for a in inputs}
    for action, ins in inputs.items():
        for source in ins:
            follows.setdefault(source, set()).add(action)
    out = {}
    for start in follows:
        seen, todo = set(), [start]
        while todo:
            for nxt in follows.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        out[start] = tuple(sorted(seen))
    return out


@dataclass
class CollectOptions:
    profile: str | None = None
    regions: tuple[str, ...] | str = ()
    endpoint_url: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    metrics: bool = True
    all_revisions: bool = False
    workers: int = 8
    max_attempts: int = 10
    throttle: bool = True
    read_timeout: float = 60.0
    call_deadline: float = DEADLINE_SECONDS  # per attempt, until the answer's last byte
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_pages: int = MAX_PAGES
    # Regions not to read although listed or enabled (an org scan: those an SCP denies).
    skip_region: Callable[[str], bool] | None = None


def make_session(opts: CollectOptions) -> boto3.session.Session:
    try:
        session = boto3.session.Session(profile_name=opts.profile)
    except BotoCoreError as e:
        raise CollectError(str(e)) from None
    if opts.role_arn:
        sts = session.client("sts", endpoint_url=opts.endpoint_url,
                             region_name=session.region_name or "us-east-1")
        kwargs: dict[str, Any] = {"RoleArn": opts.role_arn, "RoleSessionName": "ecs-auditor"}
        if opts.external_id:
            kwargs["ExternalId"] = opts.external_id
        try:
            creds = sts.assume_role(**kwargs)["Credentials"]
        except (ClientError, BotoCoreError) as e:
            raise CollectError(f"cannot assume {opts.role_arn}: {e}") from None
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"], region_name=session.region_name)
    return session


def collect(opts: CollectOptions | None = None, session: boto3.session.Session | None = None,
            ledger: CallLedger | None = None, say: Callable[[str], None] | None = None,
            observe: Callable[[str, str, str, str], None] | None = None) -> Inventory:
    """Read the account. `say` hears what is happening in words; `observe` every call, attempt
    and gap as (kind, service, region, operation), for a progress display."""
    opts = opts or CollectOptions()
    session = session or make_session(opts)
    ledger = ledger or CallLedger(throttle=opts.throttle)
    if observe:
        ledger.listeners.append(observe)
    ledger.leads_to = ledger.leads_to or call_graph()
    clients = Clients(session, ledger, opts.endpoint_url, opts.max_attempts, opts.workers,
                      opts.read_timeout, opts.call_deadline, opts.max_response_bytes, opts.max_pages)
    default_region = session.region_name or "us-east-1"
    try:
        account_id = clients("sts", default_region).get_caller_identity()["Account"]
    except (ClientError, BotoCoreError, ResponseParserError, KeyError, TypeError) as e:
        why = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise CollectError(f"cannot identify the account: {why}") from None
    if not isinstance(account_id, str) or not account_id.isdigit() or len(account_id) != 12:
        raise CollectError(f"cannot identify the account: {str(account_id)[:40]!r} is not an account id")
    regions = _regions(opts, clients, ledger, default_region)
    if opts.skip_region:
        # IAM and S3 are global: one region is still read when every one is skipped.
        regions = tuple(r for r in regions if not opts.skip_region(r)) or regions[:1]
    if say:
        say(f"account {account_id}, {len(regions)} region(s): {', '.join(regions)}")
    return Collection(clients, ledger, opts, account_id, regions).run()


def _regions(opts: CollectOptions, clients: Clients, ledger: CallLedger,
             default: str) -> tuple[str, ...]:
    if opts.regions == "all" or opts.regions == ("all",):
        resp = ledger.guard("ec2", default, "DescribeRegions", lambda: checked(
            clients("ec2", default).describe_regions(), "Regions", "DescribeRegions"))
        if resp is None:
            return (default,)
        return tuple(sorted(r["RegionName"] for r in resp.get("Regions", [])))
    return tuple(opts.regions) or (default,)


class Collection:
    """One run: phases that fan out over a bounded worker pool."""

    def __init__(self, clients: Clients, ledger: CallLedger, opts: CollectOptions,
                 account_id: str, regions: tuple[str, ...]) -> None:
        self.c, self.ledger, self.opts = clients, ledger, opts
        self.account_id, self.regions = account_id, regions
        self.out: dict[str, list] = {}
        self._lock = threading.Lock()

    def add(self, key: str, items: list) -> None:
        with self._lock:
            self.out.setdefault(key, []).extend(items)

    def run(self) -> Inventory:
        started = datetime.now(UTC)
        self.pool = ThreadPoolExecutor(max_workers=self.opts.workers, initializer=_quiet_worker)
        try:
            details = self._phases()
        except BaseException:
            # Interrupted (or failed): do not wait for calls still in flight.
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise
        self.pool.shutdown()
        try:
            for key, items in iam_details.transform(details).items() if details else []:
                self.add(key, items)
        except SHAPE_ERRORS as e:
            self.ledger.gap("iam", "global", "GetAccountAuthorizationDetails", "MalformedResponse",
                            None, f"{type(e).__name__}: {str(e)[:200]}")
        block = self.out.pop("account_public_access_block", None)
        block_status = self.out.pop("account_block_status", "none")
        return Inventory(
            account_id=self.account_id,
            account_public_access_block=block, account_block_status=block_status,
            regions=self.regions,
            collected_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            tool_version=__version__,
            call_counts=dict(sorted(self.ledger.calls.items())),
            retry_counts=self.ledger.retries,
            gaps=tuple(self.ledger.gaps),
            **{k: tuple(sorted(v, key=_sort_key)) for k, v in self.out.items()},
        )

    def _phases(self) -> dict | None:
        pool = self.pool
        iam_future = pool.submit(iam.get_authorization_details, self.c, self.ledger)
        per_region = list(pool.map(self._region_start, self.regions))
        cluster_jobs = []
        for region, (clusters, _) in zip(self.regions, per_region, strict=True):
            found = each(self.ledger, "ecs", region, "DescribeClusters", ecs.transform_cluster,
                         clusters or [], region)
            self.add("clusters", found)
            cluster_jobs += [(region, c.arn) for c in found]
        for services, instances, tasks in pool.map(lambda job: self._cluster(*job), cluster_jobs):
            self.add("services", services)
            self.add("tasks", tasks)
            self.add("container_instances", instances)
        self._task_definitions(per_region)
        list(pool.map(self._region_references, self.regions))
        self._resource_policies()
        return iam_future.result()


    # Phase 1, per region: clusters and the list of ACTIVE task definitions.
    def _region_start(self, region: str) -> tuple[list[dict] | None, list[str] | None]:
        return (ecs.get_clusters(self.c, self.ledger, region),
                ecs.get_active_task_definition_arns(self.c, self.ledger, region))

    # Phase 2, per cluster: services, container instances, running tasks.
    def _cluster(self, region: str, arn: str) -> tuple[list, list, list]:
        c, ledger = self.c, self.ledger
        services = each(ledger, "ecs", region, "DescribeServices", ecs.transform_service,
                        ecs.get_services(c, ledger, region, arn), region)
        instances = each(ledger, "ecs", region, "DescribeContainerInstances",
                         ecs.transform_container_instance,
                         ecs.get_container_instances(c, ledger, region, arn), arn, region)
        tasks = each(ledger, "ecs", region, "DescribeTasks", ecs.transform_task,
                     ecs.get_tasks(c, ledger, region, arn), region)
        return services, instances, tasks

    # Phase 3: each task definition that matters, described once.
    def _task_definitions(self, per_region: list) -> None:
        wanted: dict[str, str] = {}
        for region, (_, active) in zip(self.regions, per_region, strict=True):
            chosen = active if self.opts.all_revisions else ecs.latest_per_family(active or [])
            wanted.update({arn: region for arn in chosen})
        for svc in self.out.get("services", []):
            for arn in {svc.task_definition_arn, *svc.deployment_task_definitions} - {""}:
                wanted[arn] = svc.region
        for task in self.out.get("tasks", []):
            wanted[task.task_definition_arn] = task.region
        raw = self.pool.map(lambda item: (item[1], ecs.get_task_definition(
            self.c, self.ledger, item[1], item[0])), sorted(wanted.items()))
        for region, d in raw:
            if d is not None:
                self.add("task_definitions", each(self.ledger, "ecs", region, "DescribeTaskDefinition",
                                                   ecs.transform_task_definition, [d], region))

    # Phase 4, per region: what ECS references (EC2, load balancers, EFS, metrics).
    def _region_references(self, region: str) -> None:
        try:
            self._references(region)
        except SHAPE_ERRORS as e:  # an answer of the wrong shape somewhere in this region
            self.ledger.gap("ecs-auditor", region, "CollectReferences", "MalformedResponse", None,
                            f"{type(e).__name__}: {str(e)[:200]}")

    def _references(self, region: str) -> None:
        services = [s for s in self.out.get("services", []) if s.region == region]
        tasks = [t for t in self.out.get("tasks", []) if t.region == region]
        instances = [i for i in self.out.get("container_instances", []) if i.region == region]
        tds = [t for t in self.out.get("task_definitions", []) if t.region == region]

        raw_instances = ec2.get_instances(self.c, self.ledger, region, sorted(
            {i.ec2_instance_id for i in instances if i.ec2_instance_id}))
        ec2_instances = each(self.ledger, "ec2", region, "DescribeInstances", ec2.transform_instance,
                             raw_instances, region)
        self.add("ec2_instances", ec2_instances)

        tg_arns = sorted({lb.target_group_arn for s in services for lb in s.load_balancers
                          if lb.target_group_arn})
        tgs = each(self.ledger, "elbv2", region, "DescribeTargetGroups", elb.transform_target_group,
                   elb.get_target_groups(self.c, self.ledger, region, tg_arns), region)
        self.add("target_groups", tgs)
        lb_arns = sorted({a for tg in tgs for a in tg.load_balancer_arns})
        lbs = [elb.transform_load_balancer(d, region, elb.get_listeners(
            self.c, self.ledger, region, d["LoadBalancerArn"]))
            for d in elb.get_load_balancers(self.c, self.ledger, region, lb_arns)]
        classic_names = sorted({lb.load_balancer_name for s in services for lb in s.load_balancers
                                if lb.load_balancer_name})
        lbs += [elb.transform_classic(d, region, self.account_id)
                for d in elb.get_classic(self.c, self.ledger, region, classic_names)]
        self.add("load_balancers", lbs)

        fs_ids = sorted({v.efs.file_system_id for td in tds for v in td.volumes if v.efs})
        file_systems = []
        for fs_id in fs_ids:
            fs, aps = efs.get_file_system(self.c, self.ledger, region, fs_id)
            if fs:
                file_systems.append(fs)
            self.add("access_points", aps)
        self.add("file_systems", file_systems)

        subnet_ids = {s for svc in services for s in svc.subnets}
        subnet_ids |= {s for t in tasks for s in t.subnets}
        subnet_ids |= {i.subnet_id for i in ec2_instances if i.subnet_id}
        subnet_ids |= {mt.subnet_id for fs in file_systems for mt in fs.mount_targets}
        subnets = each(self.ledger, "ec2", region, "DescribeSubnets", ec2.transform_subnet,
                       ec2.get_subnets(self.c, self.ledger, region, sorted(subnet_ids)), region)
        self.add("subnets", subnets)
        sg_ids = {g for svc in services for g in svc.security_groups}
        sg_ids |= {g for i in ec2_instances for g in i.security_groups}
        sg_ids |= {g for fs in file_systems for mt in fs.mount_targets for g in mt.security_groups}
        self.add("security_groups", each(
            self.ledger, "ec2", region, "DescribeSecurityGroups", ec2.transform_security_group,
            ec2.get_security_groups(self.c, self.ledger, region, sorted(sg_ids)), region))
        fargate_x86 = {s.task_definition_arn for s in services if s.uses_fargate}
        self.add("images", ecr.get_images(self.c, self.ledger, region, self.account_id, [
            c.image for td in tds if td.arn in fargate_x86 and not td.is_windows
            and (td.cpu_architecture or "X86_64") == "X86_64" for c in td.containers]))
        if self.opts.metrics and services:
            self.add("utilisation", cloudwatch.get_utilisation(self.c, self.ledger, region,
                                                               services))


    # Phase 5: the resources whose own policies decide access, then the KMS keys they use.
    def _resource_policies(self) -> None:
        home = self.regions[0]
        jobs = [self.pool.submit(s3.get_buckets, self.c, self.ledger, home)]
        jobs += [self.pool.submit(self._region_resources, r) for r in self.regions]
        block = self.pool.submit(s3.get_account_block, self.c, self.ledger, home, self.account_id)
        for job in jobs:
            self.add("resource_policies", job.result())
        self.out["account_public_access_block"], self.out["account_block_status"] = block.result()
        refs: dict[str, set[str]] = {}
        for r in self.out.get("resource_policies", []):
            if r.kms_key_id:
                refs.setdefault(kms.key_region(r.kms_key_id, r.region), set()).add(r.kms_key_id)
        for p in self.out.get("parameters", []):
            if p.key_id:
                refs.setdefault(kms.key_region(p.key_id, p.region), set()).add(p.key_id)
        for fs in self.out.get("file_systems", []):
            if fs.kms_key_id:
                refs.setdefault(kms.key_region(fs.kms_key_id, fs.region), set()).add(fs.kms_key_id)
        groups: dict[str, set[str]] = {}
        for td in self.out.get("task_definitions", []):
            for region, name in logs.log_groups_of(td):
                groups.setdefault(region, set()).add(name)
        for region, names in sorted(groups.items()):
            found = logs.get_log_groups(self.c, self.ledger, region, sorted(names))
            self.add("log_groups", found)
            for g in found:
                refs.setdefault(kms.key_region(g.kms_key_id, region), set()).add(g.kms_key_id)
        for keys in self.pool.map(lambda item: kms.get_keys(self.c, self.ledger, item[0], sorted(item[1])),
                                  sorted(refs.items())):
            self.add("kms_keys", keys)

    def _region_resources(self, region: str) -> list:
        tds = [t for t in self.out.get("task_definitions", []) if t.region == region]
        names = [ssm.parameter_name(ref.value_from) for td in tds for c in td.containers
                 for ref in c.secrets if ":secretsmanager:" not in ref.value_from]
        if names:
            self.add("parameters", ssm.get_parameters(self.c, self.ledger, region, self.account_id, names))
        images = [c.image for td in tds for c in td.containers]
        return (secrets_manager.get_secrets(self.c, self.ledger, region)
                + sqs.get_queues(self.c, self.ledger, region) + sns.get_topics(self.c, self.ledger, region)
                + ecr.get_repositories(self.c, self.ledger, region, self.account_id, images))


def _quiet_worker() -> None:
    # Interrupts go to the main thread, which then stops promptly; a worker that took the
    # signal would leave the main thread asleep until every slow call had returned.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _sort_key(item: Any) -> str:
    # The first identifying attribute each kind has (a subnet's vpc_id is not its identity).
    for attr in ("arn", "instance_id", "subnet_id", "group_id", "file_system_id",
                 "access_point_id", "service_arn", "image", "name"):
        if hasattr(item, attr):
            return f"{getattr(item, 'region', '')}|{getattr(item, attr)}"
    return repr(item)
