"""Command line: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from auditor import __version__
from auditor.fsutil import OutputError, OutputFolder

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
    g.add_argument("--profile", help="AWS profile to use (default: the environment's credentials)")
    g.add_argument("--regions", help="regions to read: r1,r2 or 'r1 r2', or 'all' for the account's "
                   "enabled regions (default: AWS_REGION, else the profile's region)")
    g.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                   help="send every AWS call to this URL, e.g. a moto server or LocalStack "
                   "(default: AWS_ENDPOINT_URL if set)")
    g.add_argument("--role-arn", help="assume this role first (a read-only audit role)")
    g.add_argument("--external-id", help="the external id the role's trust policy requires")
    g.add_argument("--workers", type=int, default=8,
                   help="API calls in flight at once (default: %(default)s)")
    g.add_argument("--no-metrics", action="store_true",
                   help="skip CloudWatch utilisation (no right-sizing advice)")
    g.add_argument("--all-revisions", action="store_true",
                   help="every ACTIVE task definition revision, not only those in use")


def _audit_opts(p: argparse.ArgumentParser, default_output: str = "reports/latest") -> None:
    p.add_argument("--output", default=default_output, metavar="DIR",
                   help="output folder, replaced only when the run completes and only if "
                   "ecs-auditor wrote it (default: %(default)s)")
    p.add_argument("--format", default="html,csv,json", metavar="FORMATS",
                   help="comma-separated: html, csv, json (default: %(default)s)")
    p.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info"],
                   help="exit 1 if a finding at or above this severity is not muted (for CI)")
    p.add_argument("--mutelist", metavar="FILE",
                   help="YAML of accepted findings, each with a reason (see README)")
    p.add_argument("--baseline", metavar="DIR",
                   help="a previous output folder or findings.json: mark findings new or not "
                   "(a missing baseline means every finding is new)")
    p.add_argument("--pricing", metavar="FILE",
                   help="a price table JSON to use instead of the shipped one")
    p.add_argument("--principals", choices=["ecs", "all"],
                   help="which roles and users rules I101-I110 judge: those ECS uses, or all "
                   "(default: ecs when the inventory has ECS resources, else all)")
    p.add_argument("--permissions", choices=["grants", "expanded"], default="grants",
                   help="permissions.csv as the policies' patterns (grants), or one row per "
                   "concrete action (expanded, streamed; can be very large) (default: %(default)s)")
    p.add_argument("--max-output-mb", type=int, default=200, metavar="MB",
                   help="cap an output that would grow past this; the run says which "
                   "(default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ecs-auditor", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"ecs-auditor {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("scan", help="collect + audit into one output folder")
    _auth(s)
    _audit_opts(s)

    c = sub.add_parser("collect", help="read an account into a snapshot")
    _auth(c)
    c.add_argument("--output", required=True, metavar="FILE.json.gz", help="the snapshot to write")

    a = sub.add_parser("audit", help="audit a snapshot offline")
    a.add_argument("snapshot", nargs="?",
                   help="a snapshot.json.gz, or an output folder that holds one (omit it with "
                   "--iam-details for an IAM-only audit)")
    a.add_argument("--iam-details", nargs="+", metavar="FILE",
                   help="JSON of `aws iam get-account-authorization-details` (one file or one per "
                   "page): the IAM part of the audit, replacing the snapshot's")
    _audit_opts(a)

    w = sub.add_parser("who-can", help="which roles and workloads may do ACTION")
    w.add_argument("action", help="an IAM action, e.g. iam:PassRole")
    w.add_argument("resource", nargs="?", default="*",
                   help="a resource ARN (default: any resource)")
    w.add_argument("--snapshot", required=True, help="a snapshot.json.gz, or an output folder")
    w.add_argument("--json", action="store_true", help="print JSON (interfaces.md)")

    wc = sub.add_parser("what-can", help="effective permissions of a workload or role")
    wc.add_argument("arn", help="a task definition, service or IAM role/user ARN")
    wc.add_argument("--snapshot", required=True, help="a snapshot.json.gz, or an output folder")
    wc.add_argument("--action", help="only actions matching this pattern, e.g. s3:*")
    wc.add_argument("--json", action="store_true", help="print JSON (interfaces.md)")

    sm = sub.add_parser("simulate", help="decide one request exactly, offline, and say what decided it")
    sm.add_argument("--snapshot", required=True, help="a snapshot.json.gz, or an output folder")
    sm.add_argument("--principal", required=True,
                    help="a role or user ARN, or a task definition or service ARN (each identity "
                    "its containers hold is simulated)")
    sm.add_argument("--action", required=True, help="an IAM action, e.g. s3:GetObject")
    sm.add_argument("--resource", help="a resource ARN (default: on some resource)")
    sm.add_argument("--context", action="append", metavar="KEY=VALUE",
                    help="a request value, e.g. aws:SourceIp=10.0.0.1 (repeat a key for several "
                    "values); a condition on a key not given is unknown: the answer is conditional")
    sm.add_argument("--json", action="store_true", help="print JSON (interfaces.md)")

    d = sub.add_parser("diff", help="new, resolved and unchanged findings between two scans")
    d.add_argument("old", help="the earlier output folder or findings.json")
    d.add_argument("new", help="the later output folder or findings.json")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument("--force", action="store_true",
                   help="compare even scans of different accounts, regions or schema versions")

    r = sub.add_parser("rules", help="the rule catalogue, or one rule's documentation")
    r.add_argument("code", nargs="?", help="a rule code or name (I101, role-admin-access): print its "
                   "full documentation")
    r.add_argument("--json", action="store_true", help="machine-readable catalogue")

    dm = sub.add_parser("demo", help="audit an embedded demo account (no AWS needed)")
    _audit_opts(dm, default_output="reports/demo")

    sub.add_parser("permissions", help="the read-only IAM policy that collect needs")

    pr = sub.add_parser("pricing", help="price tables for the cost advisor")
    prs = pr.add_subparsers(dest="pricing_command", required=True, metavar="refresh")
    ref = prs.add_parser("refresh", help="fetch current prices from the AWS Price List API")
    ref.add_argument("--regions", default="us-east-1", help="regions to price (default: %(default)s)")
    ref.add_argument("--profile", help="AWS profile to use")
    ref.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                     help="send the Price List calls to this URL")
    return p


def parse_regions(text: str | None) -> tuple[str, ...] | str:
    """`r1,r2`, `r1 r2` or `all`, each name checked against botocore's partition data."""
    import difflib

    import boto3

    text = text or os.environ.get("AWS_REGION") or ""
    names = [r for r in text.replace(",", " ").split() if r]
    if names == ["all"]:
        return "all"
    session = boto3.session.Session()
    known = {r for part in session.get_available_partitions()
             for r in session.get_available_regions("ecs", part)}
    for name in names:
        if name not in known:
            near = difflib.get_close_matches(name, sorted(known), n=1)
            raise UsageError(f"unknown region {name!r}" + (f"; did you mean {near[0]}?" if near else ""))
    return tuple(dict.fromkeys(names))


def _check_access(args: argparse.Namespace) -> None:
    if args.endpoint_url and not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", args.endpoint_url):
        raise UsageError(f"--endpoint-url must be an http:// or https:// URL, got {args.endpoint_url!r}")
    if args.external_id is not None and not re.fullmatch(r"[\w+=,.@:/-]{2,1224}", args.external_id):
        raise UsageError("--external-id must be 2 to 1224 characters of letters, digits and "
                         "+=,.@:/-")
    if args.role_arn and not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", args.role_arn):
        raise UsageError(f"--role-arn must be an IAM role ARN, got {args.role_arn!r}")


def collect_options(args: argparse.Namespace):
    from auditor.collect import CollectOptions

    _check_access(args)
    regions = parse_regions(args.regions)
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


def _known_action(action: str) -> None:
    from auditor.iam.catalogue import catalogue

    if ":" not in action:
        raise UsageError(f"ACTION must look like service:Action, got {action!r}")
    if action.lower() not in catalogue():
        near = catalogue().nearest(action)
        raise UsageError(f"unknown action {action!r}" + (f"; did you mean {', '.join(near)}?" if near else
                                                         "; give one concrete action, e.g. s3:GetObject"))


def cmd_simulate(args: argparse.Namespace) -> int:
    from auditor.graph.simulate import parse_context

    _known_action(args.action)
    if args.resource and not args.resource.startswith("arn:") and args.resource != "*":
        raise UsageError(f"--resource must be an ARN, got {args.resource!r}")
    try:
        context = parse_context(args.context)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        result = _model(args.snapshot).simulate(args.principal, args.action, args.resource, context)
    except KeyError as e:
        raise UsageError(str(e).strip("'\"")) from None
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    where = args.resource or "some resource"
    print(f"{result['decision'].upper()}: {result['principal']} {result['action']} on {where}")
    if result["via_role"]:
        print(f"  through {result['via_role']}")
    for d in result["decided_by"]:
        unknown = f"  (unknown: {', '.join(d['conditions_unknown'])})" if d["conditions_unknown"] else ""
        print(f"  {d['layer']:<9} {d['effect']:<6} {d['policy'] or '(no statement)'}"
              f"{' sid ' + d['sid'] if d['sid'] else ''}{unknown}")
    return 0


def cmd_who_can(args: argparse.Namespace) -> int:
    _known_action(args.action)
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

    if not Path(path).exists():
        # The first run of a schedule has nothing to compare with: everything is new.
        print(f"ecs-auditor: note: no baseline at {path} yet; every finding is new", file=sys.stderr)
        return []
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
    if args.max_output_mb < 1:
        raise UsageError("--max-output-mb must be at least 1")
    if args.output.endswith((".json.gz", ".json", ".html")):
        raise UsageError(f"--output names a folder (the run writes several files), not {args.output!r}")
    try:
        folder = OutputFolder(args.output)
    except OutputError as e:
        raise UsageError(str(e)) from None
    return {"formats": formats, "mutelist": mutelist, "baseline": _baseline(args.baseline),
            "folder": folder}


def run_audit(inv, args: argparse.Namespace, inputs: dict, snapshot_writer=None, progress=None) -> int:
    from auditor.audit import audit
    from auditor.report import WriteOptions, write_outputs

    result = audit(inv, mutelist=inputs["mutelist"], pricing=args.pricing, baseline=inputs["baseline"],
                   principals=args.principals)
    options = WriteOptions(permissions=args.permissions, max_output_bytes=args.max_output_mb << 20)
    out = write_outputs(result, inputs["folder"], inputs["formats"], snapshot_writer, options)
    if progress:
        progress.done()
    if not args.quiet:
        print_summary(result, out)
    for note in options.notes:  # a capped output is said even with --quiet
        print(f"ecs-auditor: note: {note}", file=sys.stderr)
    return 1 if result.fails(args.fail_on) else 0


def print_summary(result, out) -> None:
    s = result.summary()
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    muted = f", {s['muted']} muted" if s["muted"] else ""
    print(f"{s['total']} findings ({sev or 'none'}){muted}; {len(result.coverage)} coverage gaps.")
    from auditor.report.html import top_risks

    for f in top_risks(result, 5):
        print(f"  [{f.severity}] {f.rule_id} {f.message}")
    written = sorted(p.name for p in Path(out).iterdir() if not p.name.startswith("."))
    print(f"Output in {out}/ ({', '.join(written)})")
    if (Path(out) / "report.html").exists():
        print(f"Report: {Path(out).resolve() / 'report.html'}")


def cmd_audit(args: argparse.Namespace) -> int:

    inputs = audit_inputs(args)
    if not args.snapshot and not args.iam_details:
        raise UsageError("give a SNAPSHOT, or --iam-details FILE for an IAM-only audit")
    with inputs["folder"]:
        return run_audit(_inventory(args.snapshot, args.iam_details), args, inputs)


def _inventory(snapshot: str | None, iam_details: list[str] | None):
    """The snapshot, its IAM replaced by an authorization-details file when one is given."""
    from dataclasses import replace

    from auditor.model import Inventory, load_snapshot

    inv = load_snapshot(snapshot) if snapshot else None
    if not iam_details:
        return inv
    from auditor.collect.iam import load_authorization_details

    account, iam_part = load_authorization_details(iam_details)
    if inv is None:
        return Inventory(account_id=account, **{k: tuple(v) for k, v in iam_part.items()})
    if inv.account_id != account:
        raise UsageError(f"--iam-details is account {account}, the snapshot account {inv.account_id}")
    return replace(inv, **{k: tuple(v) for k, v in iam_part.items()})


def scan(args: argparse.Namespace, opts, session=None, progress=None) -> int:
    """collect + audit into one output folder: the path of `scan` and of `demo`."""
    from auditor.collect import collect
    from auditor.model import save_snapshot
    from auditor.progress import Progress

    inputs = audit_inputs(args)
    progress = progress or Progress(enabled=not args.quiet)
    with inputs["folder"]:  # checked and held before a long collection, not after
        progress.say("collecting")
        inv = collect(opts, session=session, say=progress.say)
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

    result = diff(args.old, args.new, force=args.force)
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
    "simulate": cmd_simulate,
    "collect": cmd_collect,
    "permissions": cmd_permissions,
}


# Control characters (ESC, OSC, CSI, BEL...) in names and tags must not reach a terminal raw:
# they can rewrite the screen or the window title. JSON output escapes them already.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SafeStream:
    """A text stream that writes control characters as visible escapes (\\x1b)."""

    def __init__(self, stream) -> None:
        self.unfiltered = stream

    def write(self, text: str) -> int:
        return self.unfiltered.write(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text))

    def __getattr__(self, name: str):
        return getattr(self.unfiltered, name)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args: argparse.Namespace) -> int:
    from auditor.collect import CollectError
    from auditor.diff import DiffError
    from auditor.model import SnapshotError

    # SIGTERM (a scheduler stopping us) unwinds like Ctrl-C: temporary files are removed and
    # the previous output folder stays as it was.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SnapshotError, CollectError, DiffError, OutputError) as e:
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
