"""`org scan` and `org merge`: the organisation commands."""

from __future__ import annotations

import argparse
import os
import re
import sys

from auditor.cli.inputs import UsageError, parse_regions

_ACCOUNT = re.compile(r"^\d{12}$")
_OU = re.compile(r"^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$")


def add_org_parser(sub) -> None:
    o = sub.add_parser("org", help="scan every account of an AWS Organization, or merge a scan's shards")
    osub = o.add_subparsers(dest="org_command", metavar="scan|merge")
    s = osub.add_parser("scan", help="discover the organisation, then collect and audit each member account")
    g = s.add_argument_group("AWS access (the management or delegated administrator account)")
    g.add_argument("--profile", help="AWS profile to use (default: the environment's credentials)")
    g.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                   help="send every AWS call to this URL, e.g. a moto server (default: AWS_ENDPOINT_URL)")
    s.add_argument("--member-role-name", required=True, metavar="NAME",
                   help="the read-only role to assume in each member account")
    s.add_argument("--external-id", help="the external id the member role's trust policy requires")
    s.add_argument("--accounts", metavar="ID,…", help="only these accounts")
    s.add_argument("--exclude-accounts", metavar="ID,…", help="never these accounts (wins over --accounts)")
    s.add_argument("--ous", metavar="ou-…,…", help="only accounts below these OUs (at any depth)")
    s.add_argument("--tags", metavar="KEY=VALUE,…", help="only accounts with all these tags")
    s.add_argument("--regions", help="regions to read in each account (default: each account's enabled "
                   "regions, minus those an SCP denies)")
    s.add_argument("--executor", choices=["threads", "dask"], default="threads",
                   help="run accounts on a thread pool, or as Dask tasks (default: %(default)s)")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --executor dask: an existing cluster, e.g. tcp://host:8786 (default: a "
                   "local cluster)")
    s.add_argument("--max-accounts", type=int, default=8, metavar="N",
                   help="accounts in flight at once (default: %(default)s)")
    s.add_argument("--shard", metavar="I/N", help="scan only the I-th of N parts of the account list "
                   "(job arrays); join the parts with `org merge`")
    s.add_argument("--resume", action="store_true", help="skip accounts already ok in RUN_DIR's manifest")
    s.add_argument("--output", required=True, metavar="RUN_DIR", help="the run's folder")
    s.add_argument("--format", default="html,json", metavar="FORMATS",
                   help="each account's outputs: html, csv, json, ocsf, asff (default: %(default)s; "
                   "json is always written, the merge reads it)")
    s.add_argument("--principals", choices=["ecs", "all"], help="as for scan")
    s.add_argument("--mutelist", metavar="FILE", help="YAML of accepted findings (see README)")
    s.add_argument("--pricing", metavar="FILE", help="a price table JSON to use instead of the shipped one")
    s.add_argument("--no-metrics", action="store_true", help="skip CloudWatch utilisation")
    s.add_argument("--workers", type=int, default=8, help="API calls in flight per account "
                   "(default: %(default)s)")
    s.add_argument("--history", metavar="DIR", help="append each account's audit to a Parquet history "
                   "under DIR (see `ecs-auditor history`)")
    s.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info"],
                   help="exit 1 if an unmuted finding at or above this severity is found in any account")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    m = osub.add_parser("merge", help="join the shards of an org scan and find cross-account paths")
    m.add_argument("run_dir", metavar="RUN_DIR", help="the folder the shards wrote")
    m.add_argument("--output", metavar="RUN_DIR", help="write the merged outputs here (default: RUN_DIR)")
    m.add_argument("--fail-on", choices=["critical", "high", "medium", "low", "info"],
                   help="exit 1 if an unmuted finding at or above this severity is found")
    m.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _ids(text: str | None, pattern: re.Pattern, what: str) -> tuple[str, ...]:
    items = tuple(x.strip() for x in (text or "").split(",") if x.strip())
    bad = [x for x in items if not pattern.match(x)]
    if bad:
        kind = "an OU or root id" if what == "--ous" else "an account id (12 digits)"
        raise UsageError(f"{what}: {bad[0]!r} is not {kind}")
    return items


def _options(args: argparse.Namespace):
    from auditor.org.account import AccountSettings
    from auditor.org.discover import Filters
    from auditor.org.run import OrgError, OrgScanOptions, parse_shard
    from auditor.report import parse_formats

    tags = []
    for pair in (args.tags or "").split(","):
        if pair.strip():
            k, sep, v = pair.partition("=")
            if not sep or not k.strip():
                raise UsageError(f"--tags: expected KEY=VALUE, got {pair!r}")
            tags.append((k.strip(), v.strip()))
    try:
        shard = parse_shard(args.shard)
        formats = tuple(f.value for f in parse_formats(args.format))
    except (OrgError, ValueError) as e:
        raise UsageError(str(e)) from None
    if args.max_accounts < 1 or args.workers < 1:
        raise UsageError("--max-accounts and --workers must be at least 1")
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.member_role_name.startswith("arn:") or "/" in args.member_role_name.strip("/"):
        raise UsageError(f"--member-role-name is a role name, not {args.member_role_name!r}")
    regions = parse_regions(args.regions or "all")  # default: each account's enabled regions
    filters = Filters(_ids(args.accounts, _ACCOUNT, "--accounts"),
                      _ids(args.exclude_accounts, _ACCOUNT, "--exclude-accounts"),
                      _ids(args.ous, _OU, "--ous"), tuple(tags))
    settings = AccountSettings(args.member_role_name, args.external_id, args.profile, args.endpoint_url,
                               regions, formats, args.principals, args.mutelist, args.pricing,
                               not args.no_metrics, args.workers, history=args.history)
    return OrgScanOptions(args.output, settings, filters, args.executor, args.scheduler,
                          args.max_accounts, shard, args.resume)


def _say(quiet: bool):
    return (lambda _: None) if quiet else (lambda m: print(m, file=sys.stderr, flush=True))


def _fails(summary: dict, threshold: str | None) -> bool:
    from auditor.rules.engine import SEVERITIES

    if not threshold:
        return False
    limit = SEVERITIES.index(threshold)
    return any(n for s, n in summary["by_severity"].items() if SEVERITIES.index(s) <= limit)


def cmd_org(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError

    from auditor.org.account import STATUSES
    from auditor.org.discover import DiscoveryError, discover, read_tags
    from auditor.org.merge import merge
    from auditor.org.run import OrgError, org_scan

    if not getattr(args, "org_command", None):
        raise UsageError("org needs a command: `org scan --member-role-name NAME --output RUN_DIR` "
                         "or `org merge RUN_DIR`")
    say = _say(args.quiet)
    try:
        if args.org_command == "merge":
            result = merge(args.run_dir, args.output, say)
            return 1 if _fails(result["summary"], args.fail_on) else 0
        opts = _options(args)
        if args.mutelist:
            from auditor.mutelist import MutelistError, load_mutelist
            try:
                load_mutelist(args.mutelist)
            except MutelistError as e:
                raise UsageError(str(e)) from None
        try:
            session = boto3.session.Session(profile_name=args.profile)
        except BotoCoreError as e:
            raise UsageError(str(e)) from None
        result = org_scan(opts, lambda tags, first, found: discover(
            session, args.endpoint_url, say=say, tags=tags, on_organisation=first, on_accounts=found),
            say, lambda org: read_tags(session, org, args.endpoint_url))
    except (OrgError, DiscoveryError) as e:
        raise UsageError(str(e)) from None
    entries = result["entries"].values()
    counts = {s: sum(e["status"] == s for e in entries) for s in STATUSES}
    if not args.quiet:
        print(f"{len(result['entries'])} accounts: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
              + f". Output in {result['run_dir']}/", file=sys.stderr)
    merged = result["merged"]
    return 1 if merged and _fails(merged["summary"], args.fail_on) else 0
