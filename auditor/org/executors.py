"""Accounts in flight: a bounded thread pool (default, nothing to set up), or Dask (each
account a task on a cluster: an existing one at --scheduler, else a LocalCluster).

Either way results arrive as accounts finish (`on_done` records each at once), the order is
shuffled (so that one slow OU does not hold all the slots, and throttling spreads over
accounts), and one account's failure is its manifest entry, never the run's."""

from __future__ import annotations

import ctypes
import gc
import os
import random
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TypeVar

from auditor.org.account import UNREACHABLE, AccountJob, run_account, unreachable

# Errors worth running an account again for (throttling, a dropped connection).
TRANSIENT = ("Throttl", "RequestLimitExceeded", "TooManyRequests", "SlowDown", "Connection",
             "timed out", "EndpointConnectionError")


T = TypeVar("T")


class TransientAccountError(RuntimeError):
    """Raised inside a Dask task so that the scheduler retries the account."""


def shuffled(jobs: Iterable[T], seed: str) -> list[T]:
    out = list(jobs)
    random.Random(seed).shuffle(out)
    return out


def account_pool(max_accounts: int) -> ThreadPoolExecutor:
    _fewer_malloc_arenas()
    return ThreadPoolExecutor(max_workers=max(1, max_accounts), thread_name_prefix="account")


M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def _fewer_malloc_arenas() -> None:
    """glibc gives each thread that allocates an arena of its own (up to eight per core), and
    an arena keeps the pages it once held: with 8 accounts in flight (each with its own
    threads) the scan's memory rose by about 80 MB over its first accounts. At 40 accounts:
    173 / 182 MB with one / two arenas, 217 with four, 295 without a limit. Python allocates
    under the GIL, so more arenas than that spare no waiting. Threads that have allocated already
    keep theirs; the setting stays for the process (glibc has no way to read it back)."""
    try:
        os.confstr("CS_GNU_LIBC_VERSION")  # glibc only: elsewhere mallopt differs or is absent
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, ARENAS)
    except (ValueError, OSError, AttributeError):
        pass


def run_threads(jobs: list[AccountJob], max_accounts: int, on_done: Callable[[dict], None],
                pool: ThreadPoolExecutor | None = None, started: Iterable[Future] = ()) -> None:
    """Every job on `max_accounts` threads (`pool`'s, when given, with the jobs it `started`
    already among them)."""
    with pool or account_pool(max_accounts) as accounts, swept_every(max_accounts) as account_done:
        futures = [*started, *(accounts.submit(run_account, j) for j in jobs)]
        for f in as_completed(futures):
            on_done(f.result())
            account_done()


@contextmanager
def swept_every(accounts: int) -> Iterator[Callable[[], None]]:
    """A full collection after each `accounts` accounts, told by the callable given.

    Each account leaves garbage in reference cycles (botocore's sessions and clients refer to
    themselves). Accounts overlap, so it is old by the time it is garbage: only a full
    collection frees it, and with the thresholds a long audit needs (cli, audit.py) none
    comes; a scan grew by about 0.2 MB per account. What is there when the first account ends
    (service models, the IAM catalogue: most of the heap, and kept for the scan) is frozen
    first, so a collection walks little more than the accounts in flight (about 20 ms):
    unfrozen, one after each account made a scan of 80 accounts a third slower. The freeze
    comes without a collection (one over the whole heap held every thread for 0.2 s), so the
    little garbage of discovery waits for the end of the scan, when the freeze ends. One
    someone else made (a server that forks) is left as it is, and not added to."""
    done = 0
    freeze = gc.get_freeze_count() == 0

    def account_done() -> None:
        nonlocal done
        done += 1
        if done == 1 and freeze:
            gc.freeze()
        elif done % max(1, accounts) == 0:
            gc.collect()

    try:
        yield account_done
    finally:
        if freeze and done:
            gc.unfreeze()


def dask_account(job: AccountJob) -> dict:
    """run_account for Dask: a transient failure raises, so the task's retries apply."""
    entry = run_account(job)
    if entry["status"] == UNREACHABLE and any(t in (entry["error"] or "") for t in TRANSIENT):
        raise TransientAccountError(entry["error"])
    return entry


def run_dask(jobs: list[AccountJob], max_accounts: int, on_done: Callable[[dict], None],
             scheduler: str | None = None, retries: int = 2) -> None:
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        from auditor.org.run import OrgError

        raise OrgError("--executor dask needs Dask: pip install 'ecs-auditor[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        # Processes, one account per worker at a time: collection is I/O-bound threads inside.
        cluster = LocalCluster(n_workers=max(1, max_accounts), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        futures = {client.submit(dask_account, j, key=f"account-{j.account_id}-{j.run_id}",
                                 retries=retries, pure=False): j for j in jobs}
        for fut in dask_completed(list(futures)):
            job = futures[fut]
            try:
                entry = fut.result()
            except Exception as e:  # retries spent, or a worker lost: the account is a gap
                entry = unreachable(job.account_id, f"{type(e).__name__}: {str(e)[:300]}")
                entry["attempts"] = retries + 1
            fut.release()  # the result leaves the cluster's memory as soon as it is recorded
            on_done(entry)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
