"""One function per command: each calls the library and prints what it answers."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from auditor.cli.inputs import UsageError, audit_inputs, audit_inventory, collect_options
from auditor.cli.org import cmd_org
from auditor.cli.what_can import cmd_what_can


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

    if args.security_hub:
        from auditor.security_hub import policy as security_hub_policy
        print(json.dumps(security_hub_policy(), indent=2))
        return 0
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
    if result.get("note"):
        print(f"  note: {result['note']}")
    for d in result["decided_by"]:
        unknown = f"  (unknown: {', '.join(d['conditions_unknown'])})" if d["conditions_unknown"] else ""
        print(f"  {d['layer']:<9} {d['effect']:<6} {d['policy'] or '(no statement)'}"
              f"{' sid ' + d['sid'] if d['sid'] else ''}{unknown}")
    return 0


def _last_of(path, to: str):
    """The last step that leads to `to` (where the path becomes that principal)."""
    return [s for s in path if s.get("to") == to][-1]


def cmd_who_can(args: argparse.Namespace) -> int:
    _known_action(args.action)
    if (Path(args.snapshot) / "org.json").exists():
        return _org_who_can(args)
    result = _model(args.snapshot).who_can(args.action, args.resource)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    print(f"Who can {result.action} on {'some resource' if result.resource == '*' else result.resource}:")
    if not result.principals:
        print("  nobody in this snapshot")
    for p in result.principals:
        via = f" (by becoming {p.via_role}, in the steps below)" if p.path else ""
        print(f"  {p.arn}  [{p.decision}]{via}")
        if p.resources:
            print(f"      on {', '.join(p.resources[:6])}" + (" …" if len(p.resources) > 6 else ""))
        for step in p.path:
            to = step.get("to")
            print(f"      step: {step['action']} on {step['resource']}"
                  + (f"  -> {to.rsplit('/', 1)[-1]}" if to and step is _last_of(p.path, to) else ""))
        for w in p.workloads:
            print(f"      carried by {w.arn} as {w.via}")
    return 0


def _org_who_can(args: argparse.Namespace) -> int:
    """who-can over an org scan's folder: every account's principals, paths across accounts."""
    from auditor.org.api import load_org_run
    from auditor.org.run import OrgError

    try:
        result = load_org_run(args.snapshot).who_can(args.action, args.resource)
    except OrgError as e:
        raise UsageError(str(e)) from None
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    where = "some resource" if args.resource == "*" else args.resource
    print(f"Who in the organisation can {result['action']} on {where}:")
    if not result["principals"]:
        print("  nobody in this run")
    for p in result["principals"]:
        via = f" (by becoming {p['via_role']})" if p.get("via_role") else ""
        print(f"  {p['arn']}  [{p['decision']}] account {p['account_id']}{via}")
        for step in p.get("path", ()):
            print(f"      step: {step['action']} on {step['resource']}")
    return 0


def run_audit(inv, args: argparse.Namespace, inputs: dict, snapshot_writer=None, progress=None,
              aws: tuple | None = None) -> int:
    """Audit, append to the history, write the outputs, import into Security Hub if asked.
    `aws`: (boto3 session or None, endpoint URL or None) for Security Hub."""
    from auditor.audit import audit
    from auditor.report import WriteOptions, write_outputs

    result = audit(inv, mutelist=inputs["mutelist"], pricing=args.pricing, baseline=inputs["baseline"],
                   principals=args.principals)
    if args.history:
        from auditor.history import HistoryError, append  # pandas and duckdb: only for a history

        try:
            append(result, args.history)
        except HistoryError as e:
            raise UsageError(str(e)) from None
    options = WriteOptions(permissions=args.permissions, max_output_bytes=args.max_output_mb << 20,
                           status=inputs["status"], history=args.history)
    out = write_outputs(result, inputs["folder"], inputs["formats"], snapshot_writer, options)
    if progress:
        progress.done()
    if not args.quiet:
        print_summary(result, out, args.fail_on)
    elif result.fails(args.fail_on):  # even quiet, say why the exit code is 1
        print(f"ecs-auditor: --fail-on {args.fail_on}: findings at or above it are not muted",
              file=sys.stderr)
    for note in options.notes:  # a capped output is said even with --quiet
        print(f"ecs-auditor: note: {note}", file=sys.stderr)
    code = 1 if result.fails(args.fail_on) else 0
    if args.security_hub:
        code = max(code, _to_security_hub(result, args, inputs["status"], *(aws or (None, None))))
    return code


def _to_security_hub(result, args: argparse.Namespace, status, session, endpoint: str | None) -> int:
    """Import after the outputs are safely written; a refusal is said in one line (exit 2)."""
    import boto3

    from auditor.report.security_formats import asff_findings
    from auditor.security_hub import SecurityHubError, import_findings

    region = args.security_hub_region or (result.inventory.regions or ("us-east-1",))[0]
    findings = asff_findings(result, status, region)
    account = result.inventory.account_id
    session = session or boto3.session.Session(profile_name=args.profile)
    client = session.client("securityhub", region_name=region, endpoint_url=endpoint)
    product = f"arn:aws:securityhub:{region}:{account}:product/{account}/default"  # also with none
    try:
        report = import_findings(client, findings, account, product)
    except SecurityHubError as e:
        raise UsageError(f"{e} (the output folder was written)") from None
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
    if report.failed:
        first = report.failed[0]
        print(f"ecs-auditor: error: Security Hub rejected {len(report.failed)} findings, e.g. "
              f"{first['Id']}: {first['ErrorCode']} {first['ErrorMessage'][:200]}", file=sys.stderr)
        return 2
    return 0


def print_summary(result, out, fail_on: str | None = None) -> None:
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
    for m in result.expired_mutes:
        print(f"Expired mute (mutes nothing): {m['rule']} {m.get('resource') or ''} line {m['line']}, "
              f"expired {m['expires']}: {m['reason']}")
    if fail_on and result.fails(fail_on):
        from auditor.rules.engine import SEVERITIES

        limit = SEVERITIES.index(fail_on)
        tripped = [f for f in result.findings if not f.muted and SEVERITIES.index(f.severity) <= limit]
        rules = ", ".join(f"{code} x{n}" for code, n in Counter(f.rule_id for f in tripped).most_common(8))
        print(f"--fail-on {fail_on}: exit 1 for {len(tripped)} unmuted findings at {fail_on} or above "
              f"({rules})")


def cmd_audit(args: argparse.Namespace) -> int:

    inputs = audit_inputs(args)
    if not args.snapshot and not args.iam_details:
        raise UsageError("give a SNAPSHOT, or --iam-details FILE for an IAM-only audit")
    with inputs["folder"]:
        return run_audit(audit_inventory(args.snapshot, args.iam_details), args, inputs,
                         aws=(None, args.endpoint_url))


def scan(args: argparse.Namespace, opts, session=None, progress=None) -> int:
    """collect + audit into one output folder: the path of `scan` and of `demo`."""
    from auditor.collect import collect
    from auditor.model import save_snapshot
    from auditor.progress import Progress

    inputs = audit_inputs(args)
    progress = progress or Progress(enabled=not args.quiet)
    with inputs["folder"]:  # checked and held before a long collection, not after
        progress.collecting()
        try:
            inv = collect(opts, session=session, say=progress.say, observe=progress.observe)
        except BaseException:
            progress.collected("collection stopped")  # the bars end before the error is said
            raise
        progress.collected(f"collected {len(inv.services)} services, {len(inv.task_definitions)} task "
                           f"definitions, {len(inv.roles)} roles")
        progress.say("auditing")
        return run_audit(inv, args, inputs, lambda folder: save_snapshot(inv, folder / "snapshot.json.gz"),
                         progress, aws=(session, opts.endpoint_url))


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

    if not args.pricing_command:
        raise UsageError("pricing needs a command: `ecs-auditor pricing refresh [--regions r1,r2]` fetches "
                         "current prices from the AWS Price List API")
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


def cmd_history(args: argparse.Namespace) -> int:
    from datetime import date

    from auditor.history import HistoryError, format_trend, trend

    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        raise UsageError(f"--since must be a date YYYY-MM-DD, got {args.since!r}") from None
    try:
        data = trend(args.dir, since)
    except HistoryError as e:
        raise UsageError(str(e)) from None
    print(json.dumps(data, indent=2, default=str) if args.json else format_trend(data))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "history": cmd_history,
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
    "org": cmd_org,
}
