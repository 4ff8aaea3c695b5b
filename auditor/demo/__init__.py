"""`ecs-auditor demo`: a realistic small company on an embedded moto server, scanned over HTTP
by the same code a real account goes through."""

from __future__ import annotations

import argparse
import sys
import time


def run_demo(output: str, quiet: bool = False) -> int:
    from auditor.audit import audit
    from auditor.cli import print_summary
    from auditor.collect import CollectOptions, collect
    from auditor.demo.server import DEMO_REGION, local_session, moto_server
    from auditor.demo.workloads import seed_demo
    from auditor.model import save_snapshot
    from auditor.report import FORMATS, write_outputs

    start = time.monotonic()

    def say(text: str) -> None:
        if not quiet:
            print(f"[{time.monotonic() - start:4.1f}s] {text}", file=sys.stderr)

    with moto_server() as endpoint:
        say(f"moto server on {endpoint}; seeding the demo account")
        seed_demo(endpoint)
        say("scanning it over HTTP (ecs-auditor scan --endpoint-url)")
        # The fake credentials are moto's; nothing here reads the user's AWS configuration.
        inv = collect(CollectOptions(endpoint_url=endpoint, regions=(DEMO_REGION,), max_attempts=2),
                      session=local_session())
    say("auditing")
    result = audit(inv)
    out = write_outputs(result, output, list(FORMATS),
                        lambda folder: save_snapshot(inv, folder / "snapshot.json.gz"))
    if not quiet:
        print_summary(result, out)
        say("done")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="auditor.demo")
    p.add_argument("--output", default="reports/demo")
    args = p.parse_args(argv)
    return run_demo(args.output)
