"""What the user gives the command line, checked before any work: access options, regions,
audit inputs, the output folder; and a terminal that shows control characters escaped."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from auditor.fsutil import OutputError, OutputFolder


class UsageError(Exception):
    """Bad input: printed as one line, exit code 2."""


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
    from auditor.report import parse_formats, parse_status

    try:
        formats = parse_formats(args.format)
        status = parse_status(args.status)
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
    if args.history and Path(args.history).exists() and not Path(args.history).is_dir():
        raise UsageError(f"--history names a folder, and {args.history} is a file")
    return {"formats": formats, "mutelist": mutelist, "baseline": _baseline(args.baseline),
            "folder": folder, "status": status}


def audit_inventory(snapshot: str | None, iam_details: list[str] | None):
    """The snapshot, its IAM replaced by an authorization-details file when one is given."""
    from dataclasses import replace

    from auditor.model import Inventory, load_snapshot

    inv = load_snapshot(snapshot) if snapshot else None
    if not iam_details:
        return inv
    from auditor.collect.iam_details import load_authorization_details

    account, iam_part = load_authorization_details(iam_details)
    if inv is None:
        return Inventory(account_id=account, **{k: tuple(v) for k, v in iam_part.items()})
    if inv.account_id != account:
        raise UsageError(f"--iam-details is account {account}, the snapshot account {inv.account_id}")
    return replace(inv, **{k: tuple(v) for k, v in iam_part.items()})


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
