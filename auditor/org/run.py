"""`org scan`: discover, select the accounts (filters, shard, resume), run them on an
executor, keep the manifest current as each finishes, then merge.

RUN_DIR holds org.json, the manifest (manifest.json, or one per shard: a job array's tasks
write side by side and `org merge` joins them), accounts/<id>/ and the merged outputs."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from auditor.fsutil import atomic_write_text
from auditor.model.org import Organisation, OrgControls
from auditor.model.serde import from_jsonable, to_jsonable
from auditor.org.account import OK, SKIPPED, AccountJob, AccountSettings, run_account
from auditor.org.discover import Filters

MANIFEST_SCHEMA = "ecs-auditor/org-manifest/1"


class OrgError(ValueError):
    """Bad input for an organisation run (one line, exit 2)."""


@dataclass
class OrgScanOptions:
    output: str
    per_account: AccountSettings  # how each member account is read and audited
    filters: Filters = field(default_factory=Filters)
    executor: str = "threads"
    scheduler: str | None = None
    max_accounts: int = 8
    shard: tuple[int, int] | None = None  # (I, N), 1-based
    resume: bool = False


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    i, sep, n = text.partition("/")
    if not sep or not i.isdigit() or not n.isdigit() or not 1 <= int(i) <= int(n):
        raise OrgError(f"--shard must be I/N with 1 <= I <= N, e.g. 1/4, got {text!r}")
    return int(i), int(n)


def manifest_name(shard: tuple[int, int] | None) -> str:
    return f"manifest.shard-{shard[0]}-of-{shard[1]}.json" if shard else "manifest.json"


def read_manifests(run_dir: Path) -> dict[str, dict]:
    """Every account entry of the run's manifests (a later shard file does not hide an ok)."""
    out: dict[str, dict] = {}
    for path in sorted(run_dir.glob("manifest*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise OrgError(f"{path}: not a manifest this tool wrote (not JSON)") from None
        for e in data.get("accounts", []) if isinstance(data, dict) else []:
            if isinstance(e, dict) and "account_id" in e:
                if out.get(e["account_id"], {}).get("status") != OK:
                    out[e["account_id"]] = e
    return out


def load_org(run_dir: Path) -> Organisation:
    path = run_dir / "org.json"
    try:
        data = json.loads(path.read_text())
    except OSError:
        raise OrgError(f"{run_dir}: no org.json (not an org scan folder)") from None
    except ValueError:
        raise OrgError(f"{path}: not JSON") from None
    return from_jsonable(Organisation, {k: v for k, v in data.items() if k != "schema"}, str(path))


def select(org: Organisation, filters: Filters, shard: tuple[int, int] | None) -> list[str]:
    """The accounts to scan, in id order; a shard takes every N-th from the I-th, so shards
    stay balanced and disjoint whatever N is."""
    chosen = [a.account_id for a in org.accounts if filters.keep(org, a)]
    if shard:
        i, n = shard
        chosen = chosen[i - 1::n]
    return chosen


class Manifest:
    """The run's record, rewritten atomically each time an account finishes."""

    def __init__(self, path: Path, run_id: str, kept: dict[str, dict]) -> None:
        self.path, self.run_id = path, run_id
        self.entries = dict(kept)
        self.lock = threading.Lock()

    def record(self, entry: dict) -> None:
        with self.lock:
            self.entries[entry["account_id"]] = entry
            self.flush()

    def flush(self) -> None:
        atomic_write_text(self.path, json.dumps({
            "schema": MANIFEST_SCHEMA, "run_id": self.run_id,
            "updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "accounts": [self.entries[k] for k in sorted(self.entries)]}, indent=1))


def _warm_up() -> None:
    """Build what every account's audit shares (the IAM catalogue, the compiled report) once,
    before the first accounts all want it at the same moment."""
    from auditor.iam.catalogue import catalogue
    from auditor.report.html import template

    catalogue()
    template("report.html.j2")


def _surely_selected(account_id: str, opts: OrgScanOptions, previous: dict[str, dict]) -> bool:
    """Will the account be scanned whatever the rest of the organisation holds? Not when an
    OU or tag filter, or a shard (a share of the sorted list), depends on it, nor when --resume
    keeps its earlier result."""
    f = opts.filters
    return not (opts.shard or f.ous or f.tags or account_id in f.exclude_accounts
                or (f.accounts and account_id not in f.accounts)
                or previous.get(account_id, {}).get("status") == OK)


def _write_org(run_dir: Path, org: Organisation) -> None:
    atomic_write_text(run_dir / "org.json", json.dumps(
        {"schema": "ecs-auditor/org/1", **to_jsonable(org)}, indent=1, sort_keys=True))


def org_scan(opts: OrgScanOptions, discover_fn: Callable[..., Organisation],
             say: Callable[[str], None] = lambda _: None,
             tags_fn: Callable[[Organisation], Organisation] | None = None) -> dict:
    """Run the scan; answers {run_dir, org, entries, merged (None for a shard)}.
    `discover_fn(tags, on_organisation, on_accounts)` reads the organisation
    (discover.discover), with the accounts' tags or not; without a tag filter the tags are read
    by `tags_fn` while the accounts are scanned (one call per account on Organizations' small
    quota, which would otherwise hold up every account)."""
    from auditor.org.executors import account_pool, run_dask, run_threads, shuffled
    from auditor.org.merge import merge

    run_dir = Path(opts.output)
    run_dir.mkdir(parents=True, exist_ok=True)
    later = tags_fn is not None and not opts.filters.tags
    warm = threading.Thread(target=_warm_up, name="warm-up", daemon=True)
    warm.start()  # while discovery waits on Organizations
    previous = read_manifests(run_dir) if opts.resume else {}
    run_id = uuid.uuid4().hex[:12]
    pool = account_pool(opts.max_accounts) if opts.executor == "threads" else None
    early: dict[str, Future] = {}
    found: Future = Future()  # the organisation, once discovery has read it

    def management_first(org_id: str, management: str) -> None:
        """No SCP or RCP touches the management account (OrgControls.exempt): nothing else
        discovery reads changes how it is read, so it starts now, beside discovery (which
        Organizations' quota keeps slow), unless a filter may yet leave it out."""
        if pool is None or not _surely_selected(management, opts, previous):
            return
        job = AccountJob(management, run_id, str(run_dir), opts.per_account,
                         OrgControls(org_id, management, management), final_controls(management))
        early[management] = pool.submit(run_account, job)

    def final_controls(account_id: str) -> Callable[[], OrgControls]:
        return lambda: found.result().controls(account_id)

    def members_early(so_far: Organisation, found_now: list[str]) -> None:
        """An account whose path and the policies on it are read needs nothing more from
        discovery (which on a large organisation takes a while: one token bucket for every
        call): it starts while the rest of the tree is walked, unless a filter may leave it out."""
        if pool is None:
            return
        for a in shuffled(found_now, run_id):
            if a not in early and _surely_selected(a, opts, previous):
                job = AccountJob(a, run_id, str(run_dir), opts.per_account, so_far.controls(a),
                                 final_controls(a))
                early[a] = pool.submit(run_account, job)

    try:
        org = discover_fn(not later, management_first, members_early)
    except BaseException as e:
        found.set_exception(e)
        if pool is not None:
            # the accounts started early end (as partial entries) first; those waiting never start
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    found.set_result(org)
    _write_org(run_dir, org)
    tags_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="org-tags")
    tagger = tags_pool.submit(tags_fn, org) if later else None
    wanted = select(org, opts.filters, opts.shard)
    kept = {a: e for a, e in previous.items() if e.get("status") == OK and a in wanted}
    manifest = Manifest(run_dir / manifest_name(opts.shard), run_id, kept)
    jobs = [AccountJob(a, run_id, str(run_dir), opts.per_account, org.controls(a))
            for a in wanted if a not in kept and a not in early]
    say(f"{len(wanted)} accounts selected, {len(kept)} already ok (--resume), "
        f"{len(jobs) + len(early)} to scan with {opts.executor}, {opts.max_accounts} in flight")
    excluded = [a.account_id for a in org.accounts if a.account_id not in wanted and not opts.shard]
    for a in excluded:
        manifest.entries[a] = {"account_id": a, "status": SKIPPED, "error": "excluded by the filters"}

    def done(entry: dict) -> None:
        manifest.record(entry)
        say(f"account {entry['account_id']}: {entry['status']}"
            + (f" ({entry['error']})" if entry.get("error") else ""))

    ordered = shuffled(jobs, run_id)
    if opts.executor == "dask":
        run_dask(ordered, opts.max_accounts, done, opts.scheduler)
    else:
        run_threads(ordered, opts.max_accounts, done, pool, early.values())
    manifest.flush()
    if tagger is not None:
        org = tagger.result()
        _write_org(run_dir, org)
    tags_pool.shutdown()
    merged = None if opts.shard else merge(run_dir, say=say)
    return {"run_dir": run_dir, "org": org, "entries": manifest.entries, "merged": merged}
