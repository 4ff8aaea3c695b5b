"""Command line: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from auditor import __version__


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


def _audit_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="reports/latest")
    p.add_argument("--format", default="html,csv,json")
    p.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info"])
    p.add_argument("--mutelist")
    p.add_argument("--baseline", help="a previous output folder: mark new findings")
    p.add_argument("--pricing", help="a price table JSON to use instead of the shipped one")
    p.add_argument("--quiet", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ecs-auditor", description=__doc__)
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

    r = sub.add_parser("rules", help="the rule catalogue")
    r.add_argument("--json", action="store_true")

    dm = sub.add_parser("demo", help="audit an embedded demo account (no AWS needed)")
    dm.add_argument("--output", default="reports/demo")
    dm.add_argument("--quiet", action="store_true")

    sub.add_parser("permissions", help="the read-only IAM policy that collect needs")
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
    print(f"snapshot written to {args.output} ({len(inv.gaps)} coverage gaps)", file=sys.stderr)
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
        print(json.dumps(result, indent=2))
        return 0
    print(f"Who can {result['action']} on {result['resource']}:")
    if not result["principals"]:
        print("  nobody in this snapshot")
    for p in result["principals"]:
        via = f" (through {p['via_role']}, escalating via ECS)" if p.get("path") else ""
        print(f"  {p['arn']}  [{p['decision']}]{via}")
        for step in p.get("path", []):
            print(f"      step: {step['action']} on {step['resource']}")
        for w in p["workloads"]:
            print(f"      carried by {w['arn']} as {w['via']}")
    return 0


def cmd_what_can(args: argparse.Namespace) -> int:
    try:
        result = _model(args.snapshot).what_can(args.arn, args.action)
    except KeyError as e:
        raise UsageError(str(e).strip("'\"")) from None
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"What {result['arn']} can do:")
    for p in result["principals"]:
        print(f"  through {p['role_arn']} ({p['via']}): {p['reason']}")
    if not result["principals"]:
        print("  it holds no IAM role")
    for row in result["permissions"]:
        print(f"    {row['action']:<50} {row['resource']}  [{row['decision']}]"
              f"  via {row['via_role'].rsplit('/', 1)[-1]}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "who-can": cmd_who_can,
    "what-can": cmd_what_can,
    "collect": cmd_collect,
    "permissions": cmd_permissions,
}


def main(argv: Sequence[str] | None = None) -> int:
    from auditor.collect import CollectError
    from auditor.model import SnapshotError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SnapshotError, CollectError) as e:
        print(f"ecs-auditor: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ecs-auditor: interrupted; nothing was overwritten", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
