"""One member account, start to finish: assume the member role, find the regions to read
(enabled, minus those an SCP denies), collect, audit, write `accounts/<id>/` atomically, and
answer with the account's manifest entry. Everything it needs travels in the job (no
credentials: a worker uses its own environment's), so a Dask worker elsewhere can run it."""

from __future__ import annotations

import copy
import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import boto3
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.hooks import HierarchicalEmitter
from botocore.loaders import Loader
from botocore.session import Session, get_session

from auditor.iam.evaluate import DENIED
from auditor.iam.organisation import levels_verdict, scp_levels
from auditor.model.arns import account_of
from auditor.model.org import OrgControls
from auditor.org.client_classes import share_client_classes

OK, PARTIAL, UNREACHABLE, SKIPPED = "ok", "partial", "unreachable", "skipped"
STATUSES = (OK, PARTIAL, UNREACHABLE, SKIPPED)  # an account's status in the manifest


@dataclass(frozen=True)
class AccountSettings:
    """How every member account is read and audited (the same for all of a run)."""

    role_name: str
    external_id: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    regions: tuple[str, ...] | str = ()  # () or "all": the account's enabled regions
    formats: tuple[str, ...] = ("html", "json")
    principals: str | None = None
    mutelist: str | None = None
    pricing: str | None = None
    metrics: bool = True
    workers: int = 8
    max_attempts: int = 10
    history: str | None = None  # append each account's audit to this Parquet history


@dataclass(frozen=True)
class AccountJob:
    account_id: str
    run_id: str
    run_dir: str
    settings: AccountSettings
    controls: OrgControls | None = None
    # For a job started before discovery ends (the management account, which no SCP or RCP
    # touches, so `controls` is enough to read it): the controls as discovery found them, for
    # the snapshot; asked for once the account is read.
    final_controls: Callable[[], OrgControls] | None = field(default=None, compare=False)

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.settings.role_name}"


def member_session(job: AccountJob) -> boto3.session.Session:
    """A session in the member account whose credentials renew themselves: role chaining
    caps a session at one hour (IAM User Guide, "Role chaining"), a big account takes longer."""
    how = job.settings
    region, sts = _caller(how.profile, how.endpoint_url)
    kwargs = {"RoleArn": job.role_arn, "RoleSessionName": f"ecs-auditor-{job.run_id}"[:64],
              "DurationSeconds": 3600}
    if how.external_id:
        kwargs["ExternalId"] = how.external_id

    def fetch() -> dict:
        c = sts.assume_role(**kwargs)["Credentials"]
        return {"access_key": c["AccessKeyId"], "secret_key": c["SecretAccessKey"],
                "token": c["SessionToken"], "expiry_time": c["Expiration"].isoformat()}

    creds = RefreshableCredentials.create_from_metadata(fetch(), fetch, "sts-assume-role")
    core = _core_session()
    core._credentials = creds  # botocore has no public setter for refreshable credentials
    return _boto3_session(core, region_name=region)


@functools.cache
def _caller(profile: str | None, endpoint_url: str | None) -> tuple[str, object]:
    """The auditor's own region and STS client, made once per process: every account is
    assumed into from the same credentials, and a client is safe to share between threads."""
    base = _boto3_session(_core_session(), profile_name=profile)
    region = base.region_name or "us-east-1"
    return region, base.client("sts", region_name=region, endpoint_url=endpoint_url)


class _OneLoadAtATime(Loader):
    """botocore's loader caches what it parsed but lets every thread parse it: the first
    accounts, all starting together, would each parse the same models (EC2's is megabytes).
    Under the lock the first parses and the others find it in the cache."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()

    def load_service_model(self, *args, **kwargs):
        with self._lock:
            return super().load_service_model(*args, **kwargs)

    def load_data_with_path(self, name):
        with self._lock:
            return super().load_data_with_path(name)


@functools.cache
def _shared_loader() -> Loader:
    loader = _OneLoadAtATime()
    share_client_classes(loader)
    return loader


@functools.cache
def _builtin_events() -> HierarchicalEmitter:
    return get_session()._original_handler  # botocore's handlers, registered (and checked) once


def _core_session() -> Session:
    """A botocore session with the process's one loader (service models are parsed once per
    process, not once per account: they are most of a session's memory and start-up time) and
    a copy of one set of botocore's own event handlers: registering them anew checks each
    handler's signature (two sessions per account took about a sixth of the scan's CPU). The
    set copied is never changed, so threads may copy it at once."""
    core = Session(event_hooks=copy.copy(_builtin_events()), include_builtin_handlers=False)
    core.register_component("data_loader", _shared_loader())
    return core


_LOADER_LOCK = threading.Lock()


def _boto3_session(core, **kwargs) -> boto3.session.Session:
    """boto3 appends its own data folder to the loader's search paths on every new session;
    on the shared loader that would grow by one folder per account (and every model lookup
    walks them all), so the duplicate is dropped again."""
    with _LOADER_LOCK:
        session = boto3.session.Session(botocore_session=core, **kwargs)
        paths = _shared_loader().search_paths
        paths[:] = list(dict.fromkeys(paths))
    return session


class DeniedRegions:
    """Does an SCP deny the audit's own calls in a region (aws:RequestedRegion)? The SCPs are
    parsed once for every region asked about; the regions it said yes for are kept."""

    def __init__(self, controls: OrgControls | None, role_arn: str) -> None:
        self.levels = scp_levels(controls)
        self.context = {"aws:principalarn": (role_arn,), "aws:principalaccount": (account_of(role_arn),)}
        self.skipped: list[str] = []

    def __call__(self, region: str) -> bool:
        v = levels_verdict(self.levels, "ecs:ListClusters", "*",
                           {**self.context, "aws:requestedregion": (region,)})
        if v is not None and v.decision == DENIED:
            self.skipped.append(region)
            return True
        return False


def _error(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:300]


def unreachable(account_id: str, error: str | None = None) -> dict:
    """A manifest entry before anything was read (what it stays if the role cannot be assumed)."""
    return {"account_id": account_id, "status": UNREACHABLE, "error": error,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "regions": [],
            "regions_skipped": [], "findings": 0, "coverage_gaps": 0, "api_calls": 0}


def run_account(job: AccountJob) -> dict:
    """The account's manifest entry; never raises for anything the account does."""
    from auditor.audit import audit
    from auditor.collect import CollectError, CollectOptions, collect
    from auditor.model import save_snapshot
    from auditor.org.facts import FACTS_FILE, account_facts
    from auditor.report import WriteOptions, parse_formats, write_outputs

    started = time.time()
    entry = unreachable(job.account_id)
    try:
        session = member_session(job)
    except (ClientError, BotoCoreError, ValueError) as e:
        entry["error"] = f"cannot assume {job.role_arn}: {_error(e)}"
        return _finish(entry, started)
    try:
        how = job.settings
        skip = DeniedRegions(job.controls, job.role_arn)
        # the regions listed, or the account's enabled ones (DescribeRegions: a gap if refused)
        opts = CollectOptions(endpoint_url=how.endpoint_url, regions=how.regions or "all",
                              metrics=how.metrics, workers=how.workers, max_attempts=how.max_attempts,
                              skip_region=skip)
        inv = collect(opts, session=session)
        entry.update(regions=list(inv.regions),
                     regions_skipped=[r for r in skip.skipped if r not in inv.regions])
        if inv.account_id != job.account_id:
            raise CollectError(f"the member role answered for account {inv.account_id}")
        inv = replace(inv, organisation=job.final_controls() if job.final_controls else job.controls)
        result = audit(inv, mutelist=how.mutelist, pricing=how.pricing, principals=how.principals)
        if how.history:  # files of their own per account: concurrent accounts never collide
            from auditor.history import append

            append(result, how.history)

        def extra(folder: Path) -> None:
            save_snapshot(inv, folder / "snapshot.json.gz")
            (folder / FACTS_FILE).write_text(json.dumps(account_facts(result), sort_keys=True))

        write_outputs(result, Path(job.run_dir) / "accounts" / job.account_id,
                      parse_formats(",".join(sorted({*how.formats, "json"}))), extra, WriteOptions())
        entry.update(status=PARTIAL if inv.gaps else OK, findings=len(result.findings),
                     coverage_gaps=len(result.coverage), api_calls=sum(inv.call_counts.values()),
                     gaps=[f"{g.service}:{g.operation} {g.error}" for g in inv.gaps[:20]])
        if inv.gaps:
            entry["error"] = f"{len(inv.gaps)} calls failed (first: {entry['gaps'][0]})"
    except CollectError as e:
        entry["error"] = _error(e)
    except Exception as e:  # one account's failure is recorded, never the run's
        entry.update(status=PARTIAL, error=f"{type(e).__name__}: {_error(e)}")
    return _finish(entry, started)


def _finish(entry: dict, started: float) -> dict:
    entry["seconds"] = round(time.time() - started, 2)
    return entry
