"""Bursts of ThrottlingException from the endpoint: the collection completes, nothing lost."""

from __future__ import annotations

from auditor.collect import CollectOptions, collect
from auditor.collect.base import ECS_BUCKETS, TokenBucket
from auditor.demo.server import local_session
from tests.faults import FaultProxy


def test_throttling_bursts_are_retried_with_no_gap_and_nothing_lost(demo_server):
    endpoint, seeded = demo_server
    clean = collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), metrics=False),
                    session=local_session())

    def throttle(op: str, n: int, region: str):
        # Every ECS operation is throttled on its first request, then one in five.
        if op in ("ListClusters", "DescribeClusters", "ListServices", "DescribeServices",
                  "ListTaskDefinitions", "DescribeTaskDefinition", "ListTasks", "DescribeTasks",
                  "ListContainerInstances", "DescribeContainerInstances") and (n == 0 or n % 5 == 4):
            return 400, "ThrottlingException"
        return None

    with FaultProxy(endpoint, throttle) as proxy:
        inv = collect(CollectOptions(endpoint_url=proxy.url, regions=("us-east-1",), metrics=False),
                      session=local_session())
    assert inv.gaps == ()
    injected = sum(proxy.injected.values())
    assert injected >= 12
    assert sum(inv.retry_counts.values()) == injected  # every throttle was retried, and counted
    assert inv.call_counts == clean.call_counts  # the retries are not extra calls
    for field in ("clusters", "services", "task_definitions", "container_instances"):
        assert getattr(inv, field) == getattr(clean, field), field
    # moto's tasks drift towards STOPPED between two descriptions: compare which tasks.
    assert {t.arn for t in inv.tasks} == {t.arn for t in clean.tasks}


def test_token_bucket_holds_the_sustained_rate():
    import time
    burst, rate = 5, 50.0
    bucket = TokenBucket(burst, rate)
    start = time.monotonic()
    for _ in range(burst + 25):
        bucket.take()
    elapsed = time.monotonic() - start
    # At least the sustained rate (the limiter works); the upper bound only catches a stall.
    assert 25 / rate * 0.8 <= elapsed <= 25 / rate * 6
    assert ECS_BUCKETS["service-read"] == (100, 20)
