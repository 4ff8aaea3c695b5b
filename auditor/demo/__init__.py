"""`ecs-auditor demo`: a realistic small company seeded on an embedded moto server; the CLI scans
it over HTTP through the same path as a real account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from auditor.demo.server import DEMO_REGION, local_session, moto_server


@contextmanager
def demo_account(say: Callable[[str], None] = lambda _: None) -> Iterator[tuple[str, object]]:
    """Start the server, seed the demo account, yield (endpoint URL, boto3 session) for it.

    The session's fake credentials are moto's; nothing here reads the user's AWS configuration.
    """
    from auditor.demo.workloads import seed_demo

    with moto_server() as endpoint:
        say(f"moto server on {endpoint}; seeding the demo account")
        seed_demo(endpoint)
        yield endpoint, local_session()


__all__ = ["DEMO_REGION", "demo_account"]
