"""One member account, start to finish: assume the member role, find the regions to read
(enabled, minus those an SCP denies), collect, audit, write `accounts/<id>/` atomically, and
answer with the account's manifest entry. Everything it needs travels in the job (no
credentials: a worker uses its own environment's), so a Dask worker elsewhere can run it."""

from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import boto3
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import get_session

from auditor.iam.evaluate import DENIED
from auditor.iam.organisation import levels_verdict, scp_levels
from auditor.model.org import OrgControls

OK, PARTIAL, UNREACHABLE, SKIPPED = "ok", "partial", "unreachable", "skipped"


@dataclass(frozen=True)
class AccountSettings:
    """How every member account is read and audited (the same for all of a run)."""

    role_name: str
    external_id: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    regions: tuple[str, ...] = ()  # () = the account's enabled regions
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

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.settings.role_name}"


def member_session(job: AccountJob) -> boto3.session.Session:
    """A session in the member account whose credentials renew themselves: role chaining
    caps a session at one hour (IAM User Guide, "Role chaining"), a big account takes longer."""
    base = _boto3_session(_core_session(), profile_name=job.settings.profile)
    sts = base.client("sts", region_name=base.region_name or "us-east-1",
                      endpoint_url=job.settings.endpoint_url)
    kwargs = {"RoleArn": job.role_arn, "RoleSessionName": f"ecs-auditor-{job.run_id}"[:64],
              "DurationSeconds": 3600}
    if job.settings.external_id:
        kwargs["ExternalId"] = job.settings.external_id

    def fetch() -> dict:
        c = sts.assume_role(**kwargs)["Credentials"]
        return {"access_key": c["AccessKeyId"], "secret_key": c["SecretAccessKey"],
                "token": c["SessionToken"], "expiry_time": c["Expiration"].isoformat()}

    creds = RefreshableCredentials.create_from_metadata(fetch(), fetch, "sts-assume-role")
    core = _core_session()
    core._credentials = creds  # botocore has no public setter for refreshable credentials
    return _boto3_session(core, region_name=base.region_name or "us-east-1")


@functools.cache
def _shared_loader():
    from botocore.loaders import create_loader

    return create_loader()


def _core_session():
    """A botocore session with the process's one loader: service models are parsed once per
    process, not once per account (they are most of a session's memory and start-up time)."""
    core = get_session()
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


def region_denied(controls: OrgControls | None, region: str, role_arn: str) -> bool:
    """Does an SCP deny the audit's own calls in this region (aws:RequestedRegion)?"""
    levels = scp_levels(controls)
    if not levels:
        return False
    ctx = {"aws:requestedregion": (region,), "aws:principalarn": (role_arn,),
           "aws:principalaccount": (role_arn.split(":")[4],)}
    v = levels_verdict(levels, "ecs:ListClusters", "*", ctx)
    return v is not None and v.decision == DENIED


def _regions(session, job: AccountJob) -> tuple[list[str], str | None]:
    if job.settings.regions and job.settings.regions != ("all",):
        return list(job.settings.regions), None
    try:
        ec2 = session.client("ec2", region_name="us-east-1", endpoint_url=job.settings.endpoint_url)
        return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"]), None
    except (ClientError, BotoCoreError) as e:
        return ["us-east-1"], f"DescribeRegions failed ({str(e)[:120]}): read us-east-1 only"


def _error(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:300]


def run_account(job: AccountJob) -> dict:
    """The account's manifest entry; never raises for anything the account does."""
    from auditor.audit import audit
    from auditor.collect import CollectError, CollectOptions, collect
    from auditor.model import save_snapshot
    from auditor.org.facts import FACTS_FILE, account_facts
    from auditor.report import WriteOptions, parse_formats, write_outputs

    started = time.time()
    entry: dict = {"account_id": job.account_id, "status": UNREACHABLE, "error": None,
                   "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                   "regions": [], "regions_skipped": [], "findings": 0, "coverage_gaps": 0,
                   "api_calls": 0}
    try:
        session = member_session(job)
    except (ClientError, BotoCoreError, ValueError) as e:
        entry["error"] = f"cannot assume {job.role_arn}: {_error(e)}"
        return _finish(entry, started)
    try:
        regions, note = _regions(session, job)
        skipped = [r for r in regions if region_denied(job.controls, r, job.role_arn)]
        kept = tuple(r for r in regions if r not in skipped) or (regions[0],)
        entry.update(regions=list(kept), regions_skipped=skipped, note=note)
        how = job.settings
        opts = CollectOptions(endpoint_url=how.endpoint_url, regions=kept, metrics=how.metrics,
                              workers=how.workers, max_attempts=how.max_attempts)
        inv = collect(opts, session=session)
        if inv.account_id != job.account_id:
            raise CollectError(f"the member role answered for account {inv.account_id}")
        inv = replace(inv, organisation=job.controls)
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
