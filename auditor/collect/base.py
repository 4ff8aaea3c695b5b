"""What every collector module shares: clients, call accounting, throttling and gaps."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from auditor.collect.limits import (
    DEADLINE_SECONDS,
    MAX_PAGES,
    MAX_RESPONSE_BYTES,
    BoundedSend,
    MalformedResponse,
    checked,
)
from auditor.model import Gap

T = TypeVar("T")

# ECS throttle buckets (API reference, request-throttling; aws-facts.md 8.3): (burst, per second).
ECS_BUCKETS: dict[str, tuple[float, float]] = {
    "cluster-read": (50, 20),
    "task-definition-read": (50, 20),
    "capacity-provider-read": (50, 20),
    "cluster-resource-read": (100, 20),
    "service-read": (100, 20),
}
ECS_OPERATION_BUCKET = {
    "DescribeClusters": "cluster-read",
    "ListClusters": "cluster-read",
    "DescribeTaskDefinition": "task-definition-read",
    "ListTaskDefinitions": "task-definition-read",
    "ListTaskDefinitionFamilies": "task-definition-read",
    "DescribeCapacityProviders": "capacity-provider-read",
    "DescribeContainerInstances": "cluster-resource-read",
    "ListContainerInstances": "cluster-resource-read",
    "DescribeTasks": "cluster-resource-read",
    "ListTasks": "cluster-resource-read",
    "DescribeServices": "service-read",
    "ListServices": "service-read",
}


class TokenBucket:
    """Client-side limiter: at most `burst` at once, refilled at `rate` per second. A taker
    `first` goes ahead: the others wait while one of those is waiting."""

    def __init__(self, burst: float, rate: float) -> None:
        self.capacity, self.rate = burst, rate
        self.tokens, self.stamp = burst, time.monotonic()
        self.lock = threading.Lock()
        self.first_waiting = 0

    def take(self, first: bool = False) -> None:
        with self.lock:
            self.first_waiting += first
        try:
            while True:
                with self.lock:
                    now = time.monotonic()
                    self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                    self.stamp = now
                    if self.tokens >= 1 and (first or not self.first_waiting):
                        self.tokens -= 1
                        return
                    wait = max(1 - self.tokens, 0.5) / self.rate
                time.sleep(wait)
        finally:
            with self.lock:
                self.first_waiting -= first


@dataclass
class CallLedger:
    """Counts every API call (and every attempt, so retries show), and records gaps."""

    calls: Counter = field(default_factory=Counter)
    attempts: Counter = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    throttle: bool = True
    # call -> every call that starts from its results, transitively (from the modules' ACTIONS)
    leads_to: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Told of every event as (kind, service, region, operation), kind one of call | attempt |
    # gap: what a progress display counts. Called outside the lock, from worker threads.
    listeners: list[Callable[[str, str, str, str], None]] = field(default_factory=list)
    _buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any, region: str) -> Any:
        events = client.meta.events
        service = client.meta.service_model.service_name
        # before any stub answers
        events.register("before-parameter-build", lambda **kw: self._on_call(region=region, **kw))
        events.register("before-send", lambda **kw: self._on_send(region, service, **kw))
        return client

    def _tell(self, kind: str, service: str, region: str, operation: str) -> None:
        for listener in self.listeners:
            listener(kind, service, region, operation)

    def _on_call(self, model: Any, region: str = "", **_: Any) -> None:
        name = f"{model.service_model.service_name}:{model.name}"
        with self._lock:
            self.calls[name] += 1
            self.operations.append(name)
        self._tell("call", model.service_model.service_name, region, model.name)

    def _on_send(self, region: str, service: str, event_name: str = "", **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]  # before-send.<service-id>.<Operation>, once per attempt
        self._tell("attempt", service, region, op)
        with self._lock:
            self.attempts[f"{service}:{op}"] += 1
            bucket = ECS_OPERATION_BUCKET.get(op) if service == "ecs" and self.throttle else None
            limiter = None
            if bucket:
                key = (region, bucket)
                limiter = self._buckets.get(key) or self._buckets.setdefault(
                    key, TokenBucket(*ECS_BUCKETS[bucket])
                )
        if limiter:
            limiter.take()

    @property
    def retries(self) -> dict[str, int]:
        """Attempts beyond the first, per operation (throttling, 5xx, timeouts)."""
        return {op: n - self.calls[op] for op, n in sorted(self.attempts.items())
                if n > self.calls[op]}

    def gap(self, service: str, region: str, operation: str, error: str,
            resource: str | None = None, message: str = "") -> None:
        gap = Gap(service, region, operation, error, resource, message[:300])
        gap = replace(gap, blocked=self.leads_to.get(gap.action, ()))
        with self._lock:
            self.gaps.append(gap)
        self._tell("gap", service, region, operation)

    def guard(self, service: str, region: str, operation: str,
              fn: Callable[[], T], resource: str | None = None,
              expected: tuple[str, ...] = ()) -> T | None:
        """Run fn; a denied or failed call becomes a gap and None (never an empty result).

        Error codes in `expected` are not gaps: they are re-raised for the caller to read
        (for example EFS PolicyNotFound, which means "no policy").
        """
        try:
            return fn()
        except (ResponseParserError, *SHAPE_ERRORS) as e:
            # Not the operation's answer: an unparsable body, or one of the wrong shape.
            self.gap(service, region, operation, "MalformedResponse", resource,
                     f"{type(e).__name__}: {e}")
        except MalformedResponse as e:
            self.gap(service, region, operation, "MalformedResponse", resource, str(e))
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code") or "ClientError"
            if code in expected:
                raise
            self.gap(service, region, operation, code, resource,
                     e.response.get("Error", {}).get("Message", ""))
        except BotoCoreError as e:
            self.gap(service, region, operation, type(e).__name__, resource, str(e))
        return None


SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def each(ledger: CallLedger, service: str, region: str, operation: str,
         transform: Callable[..., T], items: Iterable[Any], *args: Any) -> list[T]:
    """transform(item, *args) for each item of an answer; an item of the wrong shape is a gap
    (MalformedResponse), never a crash and never silently dropped."""
    out = []
    for item in items:
        try:
            out.append(transform(item, *args))
        except SHAPE_ERRORS as e:
            ledger.gap(service, region, operation, "MalformedResponse", None,
                       f"{type(e).__name__}: {str(e)[:200]}")
    return out


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def describe_by_ids(clients: Clients, ledger: CallLedger, service: str, region: str,
                    operation: str, id_param: str, result_key: str, ids: Iterable[str],
                    batch: int) -> list[dict]:
    """Describe resources by id, `batch` ids a call; a failed batch is a gap, the rest goes on."""
    client = clients(service, region)
    method = getattr(client, _snake(operation))
    out: list[dict] = []
    for chunk in chunks(sorted(set(ids)), batch):
        resp = ledger.guard(service, region, operation, lambda c=chunk: checked(
            method(**{id_param: c}), result_key, operation))
        if resp is not None:
            out.extend(resp[result_key])  # guarded: `required` was checked inside
    return out


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@dataclass
class Clients:
    """boto3 clients per (service, region), shared by the worker threads (clients are safe)."""

    session: boto3.session.Session
    ledger: CallLedger
    endpoint_url: str | None = None
    max_attempts: int = 10
    workers: int = 8
    read_timeout: float = 60.0
    call_deadline: float = DEADLINE_SECONDS
    max_response_bytes: int = MAX_RESPONSE_BYTES
    max_pages: int = MAX_PAGES
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, service: str, region: str) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._cache:
                config = Config(
                    region_name=region,
                    retries={"mode": "adaptive", "total_max_attempts": self.max_attempts},
                    max_pool_connections=max(10, self.workers * 2),
                    connect_timeout=10,
                    read_timeout=self.read_timeout,
                    user_agent_extra="ecs-auditor",
                    # S3 by path on an endpoint given by hand (a moto server, LocalStack): its
                    # one host cannot take bucket names.
                    s3={"addressing_style": "path"} if self.endpoint_url else None,
                )
                client = self.session.client(service, region_name=region,
                                             endpoint_url=self.endpoint_url, config=config)
                self.ledger.attach(client, region)
                if service == "s3control" and self.endpoint_url:
                    # S3 Control puts the account id in front of the host; an endpoint given
                    # by hand is one host, so the request goes to it as it is.
                    client.meta.events.register("before-sign", _no_account_host)
                # After the ledger's own before-send (counting, throttling): this one sends.
                client.meta.events.register("before-send", BoundedSend(
                    client._endpoint.http_session, self.call_deadline, self.max_response_bytes))
                client.max_pages = self.max_pages  # read by bounds.paginate
                self._cache[key] = client
            return self._cache[key]


def _no_account_host(request: Any, **_: Any) -> None:
    request.url = re.sub(r"^(https?://)\d{12}\.", r"\1", request.url)


def read_policy(ledger: CallLedger, service: str, region: str, operation: str,
                fn: Callable[[], Any], key: str, resource: str,
                none_codes: tuple[str, ...] = ()) -> tuple[Any, str]:
    """(the policy, present | none | unknown) of one resource. An error code in `none_codes`
    means "no policy" (not a gap); any other failure is a gap and the policy is unknown."""
    try:
        resp = ledger.guard(service, region, operation, fn, resource=resource, expected=none_codes)
    except ClientError:
        return None, "none"
    if resp is None:
        return None, "unknown"
    value = resp.get(key) if isinstance(resp, dict) else None
    return (value, "present") if value else (None, "none")
