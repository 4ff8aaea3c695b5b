"""Command line: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from auditor import __version__

DESCRIPTION = """\
Audit the Amazon ECS side of an AWS account: connect every task to what its task role,
execution role and reachable EC2 instance role can do, flag over-broad permissions, ECS
escalation paths and launch-type / load-balancer / EFS misfits, and price every service.
It calls only read-only AWS APIs; everything after `collect` runs offline from a snapshot.

example:
  ecs-auditor scan --profile audit --regions us-east-1 --output reports/prod
  ecs-auditor who-can iam:PassRole --snapshot reports/prod/snapshot.json.gz
"""


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


def _auth(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("AWS access")
    g.add_argument("--profile")
    g.add_argument("--regions", help="r1,r2 or 'all' (default: the profile's region)")
    g.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                   help="send every AWS call here (a moto server, LocalStack)")
    g.add_argument("--role-arn")
    g.add_argument("--external-id")
    g.add_argument("--workers", type=int, default=8)
    g.add_argument("--no-metrics", action="store_true", help="skip CloudWatch utilisation")
    g.add_argument("--all-revisions", action="store_true",
                   help="every ACTIVE task definition revision, not only those in use")


def _audit_opts(p: argparse.ArgumentParser, default_output: str = "reports/latest") -> None:
    p.add_argument("--output", default=default_output)
    p.add_argument("--format", default="html,csv,json")
    p.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info"])
    p.add_argument("--mutelist")
    p.add_argument("--baseline", help="a previous output folder: mark new findings")
    p.add_argument("--pricing", help="a price table JSON to use instead of the shipped one")
    p.add_argument("--quiet", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ecs-auditor", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"ecs-auditor {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("scan", help="collect + audit into one output folder")
    _auth(s)
    _audit_opts(s)

    c = sub.add_parser("collect", help="read an account into a snapshot")
    _auth(c)
    c.add_argument("--output", required=True, help="FILE.json.gz")

    a = sub.add_parser("audit", help="audit a snapshot offline")
    a.add_argument("snapshot")
    _audit_opts(a)

    w = sub.add_parser("who-can", help="which roles and workloads may do ACTION")
    w.add_argument("action")
    w.add_argument("resource", nargs="?", default="*")
    w.add_argument("--snapshot", required=True)
    w.add_argument("--json", action="store_true")

    wc = sub.add_parser("what-can", help="effective permissions of a workload or role")
    wc.add_argument("arn")
    wc.add_argument("--snapshot", required=True)
    wc.add_argument("--action", help="filter by an action pattern, e.g. s3:*")
    wc.add_argument("--json", action="store_true")

    d = sub.add_parser("diff", help="new, resolved and unchanged findings between two scans")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--json", action="store_true")

    r = sub.add_parser("rules", help="the rule catalogue, or one rule's documentation")
    r.add_argument("code", nargs="?", help="a rule code or name (I101, role-admin-access): print its "
                   "full documentation")
    r.add_argument("--json", action="store_true", help="machine-readable catalogue")

    dm = sub.add_parser("demo", help="audit an embedded demo account (no AWS needed)")
    _audit_opts(dm, default_output="reports/demo")

    sub.add_parser("permissions", help="the read-only IAM policy that collect needs")

    pr = sub.add_parser("pricing", help="price tables for the cost advisor")
    prs = pr.add_subparsers(dest="pricing_command", required=True)
    ref = prs.add_parser("refresh", help="fetch current prices from the AWS Price List API")
    ref.add_argument("--regions", default="us-east-1")
    ref.add_argument("--profile")
    ref.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    return p


def collect_options(args: argparse.Namespace):
    from auditor.collect import CollectOptions

    regions: tuple[str, ...] | str = ()
    if args.regions:
        regions = "all" if args.regions == "all" else tuple(
            r.strip() for r in args.regions.split(",") if r.strip())
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    return CollectOptions(profile=args.profile, regions=regions, endpoint_url=args.endpoint_url,
                          role_arn=args.role_arn, external_id=args.external_id,
                          metrics=not args.no_metrics, all_revisions=args.all_revisions,
                          workers=args.workers)


def cmd_collect(args: argparse.Namespace) -> int:
    from auditor.collect import collect
    from auditor.model import save_snapshot

    if not args.output.endswith(".json.gz"):
        raise UsageError(f"--output must name a .json.gz file, got {args.output!r}")
    inv = collect(collect_options(args))
    save_snapshot(inv, args.output)
    print(f"snapshot written to {args.output}: {sum(inv.call_counts.values())} API calls, "
          f"{sum(inv.retry_counts.values())} retries, {len(inv.gaps)} coverage gaps", file=sys.stderr)
    return 0


def cmd_permissions(args: argparse.Namespace) -> int:
    from auditor.collect import declared_actions

    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "EcsAuditorReadOnly", "Effect": "Allow", "Action": declared_actions(),
         "Resource": "*"}]}
    print(json.dumps(policy, indent=2))
    return 0


def _model(snapshot: str):
    from auditor.graph import AccessModel
    from auditor.model import load_snapshot

    return AccessModel(load_snapshot(snapshot))


def cmd_who_can(args: argparse.Namespace) -> int:
    from auditor.iam.catalogue import catalogue

    if ":" not in args.action:
        raise UsageError(f"ACTION must look like service:Action, got {args.action!r}")
    if args.action.lower() not in catalogue():
        raise UsageError(f"unknown action {args.action!r}; did you mean "
                         f"{', '.join(catalogue().nearest(args.action)) or 'nothing close'}?")
    result = _model(args.snapshot).who_can(args.action, args.resource)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(f"Who can {result.action} on {result.resource}:")
    if not result.principals:
        print("  nobody in this snapshot")
    for p in result.principals:
        via = f" (through {p.via_role}, escalating via ECS)" if p.path else ""
        print(f"  {p.arn}  [{p.decision}]{via}")
        for step in p.path:
            print(f"      step: {step['action']} on {step['resource']}")
        for w in p.workloads:
            print(f"      carried by {w.arn} as {w.via}")
    return 0


def cmd_what_can(args: argparse.Namespace) -> int:
    try:
        result = _model(args.snapshot).what_can(args.arn, args.action)
    except KeyError as e:
        raise UsageError(str(e).strip("'\"")) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(f"What {result.arn} can do:")
    for p in result.principals:
        print(f"  through {p.role_arn} ({p.via}): {p.reason}")
    if not result.principals:
        print("  it holds no IAM role")
    for row in result.permissions:
        print(f"    {row.action:<50} {row.resource}  [{row.decision}]  via {row.via_role.rsplit('/', 1)[-1]}")
    return 0


def _baseline(path: str | None) -> list[str] | None:
    if not path:
        return None
    from auditor.diff import load_findings

    return [f["fingerprint"] for f in load_findings(path)]


def audit_inputs(args: argparse.Namespace) -> dict:
    """Read and check every audit input up front, so that a typo fails before a long scan."""
    from auditor.facts.prices import PricingError, load_prices
    from auditor.mutelist import MutelistError, load_mutelist
    from auditor.report import parse_formats

    try:
        formats = parse_formats(args.format)
        mutelist = load_mutelist(args.mutelist) if args.mutelist else None
        if args.pricing:
            load_prices(args.pricing)
    except (ValueError, MutelistError, PricingError) as e:
        raise UsageError(str(e)) from None
    return {"formats": formats, "mutelist": mutelist, "baseline": _baseline(args.baseline)}


def run_audit(inv, args: argparse.Namespace, inputs: dict, snapshot_writer=None, progress=None) -> int:
    from auditor.audit import audit
    from auditor.report import write_outputs

    result = audit(inv, mutelist=inputs["mutelist"], pricing=args.pricing, baseline=inputs["baseline"])
    out = write_outputs(result, args.output, inputs["formats"], snapshot_writer)
    if progress:
        progress.done()
    if not args.quiet:
        print_summary(result, out)
    return 1 if result.fails(args.fail_on) else 0


def print_summary(result, out) -> None:
    s = result.summary()
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    muted = f", {s['muted']} muted" if s["muted"] else ""
    print(f"{s['total']} findings ({sev or 'none'}){muted}; {len(result.coverage)} coverage gaps.")
    from auditor.report.html import top_risks

    for f in top_risks(result, 5):
        print(f"  [{f.severity}] {f.rule_id} {f.message}")
    written = sorted(p.name for p in Path(out).iterdir())
    print(f"Output in {out}/ ({', '.join(written)})")
    if (Path(out) / "report.html").exists():
        print(f"Report: {Path(out).resolve() / 'report.html'}")


def cmd_audit(args: argparse.Namespace) -> int:
    from auditor.model import load_snapshot

    inputs = audit_inputs(args)
    return run_audit(load_snapshot(args.snapshot), args, inputs)


def scan(args: argparse.Namespace, opts, session=None, progress=None) -> int:
    """collect + audit into one output folder: the path of `scan` and of `demo`."""
    from auditor.collect import collect
    from auditor.model import save_snapshot
    from auditor.progress import Progress

    inputs = audit_inputs(args)
    progress = progress or Progress(enabled=not args.quiet)
    progress.say("collecting")
    inv = collect(opts, session=session)
    progress.say(f"collected {len(inv.services)} services, {len(inv.roles)} roles; auditing")
    return run_audit(inv, args, inputs, lambda folder: save_snapshot(inv, folder / "snapshot.json.gz"),
                     progress)


def cmd_scan(args: argparse.Namespace) -> int:
    return scan(args, collect_options(args))


def cmd_rules(args: argparse.Namespace) -> int:
    from auditor.rules.catalogue import catalogue_json, catalogue_text, rule_text
    from auditor.rules.engine import load_rules, lookup

    if args.code:
        r = lookup(args.code)
        if r is None:
            import difflib
            near = difflib.get_close_matches(args.code.upper(), load_rules(), n=3) or \
                difflib.get_close_matches(args.code, [x.name for x in load_rules().values()], n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise UsageError(f"no rule {args.code!r}{hint}")
        doc = next(d for d in catalogue_json() if d["code"] == r.code)
        print(json.dumps(doc, indent=2) if args.json else rule_text(r))
        return 0
    print(json.dumps(catalogue_json(), indent=2) if args.json else catalogue_text())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from auditor.diff import diff, format_diff

    result = diff(args.old, args.new)
    print(json.dumps(result, indent=2) if args.json else format_diff(result))
    return 0


def cmd_pricing(args: argparse.Namespace) -> int:
    import boto3

    from auditor.collect.pricing import refresh
    from auditor.facts.prices import PricingError

    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    try:
        path = refresh(boto3.session.Session(profile_name=args.profile), regions, args.endpoint_url)
    except PricingError as e:
        raise UsageError(str(e)) from None
    print(f"prices for {', '.join(regions)} cached in {path}; they take precedence over the shipped table")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from auditor.collect import CollectOptions
    from auditor.demo import DEMO_REGION, demo_account
    from auditor.progress import Progress

    progress = Progress(enabled=not args.quiet)
    with demo_account(progress.say) as (endpoint, session):
        # moto answers what it does not implement with HTTP 500: retrying that only waits.
        opts = CollectOptions(endpoint_url=endpoint, regions=(DEMO_REGION,), max_attempts=2)
        return scan(args, opts, session, progress)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "pricing": cmd_pricing,
    "audit": cmd_audit,
    "scan": cmd_scan,
    "rules": cmd_rules,
    "diff": cmd_diff,
    "who-can": cmd_who_can,
    "what-can": cmd_what_can,
    "collect": cmd_collect,
    "permissions": cmd_permissions,
}


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    from auditor.collect import CollectError
    from auditor.diff import DiffError
    from auditor.model import SnapshotError

    args = build_parser().parse_args(argv)
    # SIGTERM (a scheduler stopping us) unwinds like Ctrl-C: temporary files are removed and
    # the previous output folder stays as it was.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SnapshotError, CollectError, DiffError) as e:
        print(f"ecs-auditor: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Anything half-written was removed while the exception unwound; worker threads may
        # still wait on slow calls, so leave now rather than join them.
        print("ecs-auditor: interrupted; the previous output was left as it was", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except Exception as e:  # a bug: exit 3, so CI never mistakes it for findings (exit 1)
        if os.environ.get("ECS_AUDITOR_DEBUG"):
            raise
        print(f"ecs-auditor: internal error: {type(e).__name__}: {str(e)[:200]} "
              "(set ECS_AUDITOR_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
