"""The command line's arguments: every command, every option with its help and default."""

from __future__ import annotations

import argparse
import os

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
                   help="comma-separated: html, csv, json, ocsf (findings.ocsf.json, OCSF Detection "
                   "Findings), asff (findings.asff.json, for Security Hub) (default: %(default)s)")
    p.add_argument("--status", default="fail", metavar="fail,pass",
                   help="rows of findings.csv, OCSF and ASFF: fail (findings), pass (each resource a "
                   "rule checked and passed, as evidence) or both (default: %(default)s)")
    p.add_argument("--history", metavar="DIR",
                   help="append this run to a Parquet history under DIR (see `ecs-auditor history`); "
                   "the report then shows the trend")
    p.add_argument("--security-hub", action="store_true",
                   help="import the findings into AWS Security Hub (ASFF, batches of 100) and archive "
                   "those this run no longer reports; the only calls that write (see `permissions "
                   "--security-hub`)")
    p.add_argument("--security-hub-region", metavar="REGION",
                   help="the Security Hub region to import into (default: the first audited region)")
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
    g = a.add_argument_group("AWS access (for --security-hub only; audit itself makes no AWS calls)")
    g.add_argument("--profile", help="AWS profile to use (default: the environment's credentials)")
    g.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                   help="send the Security Hub calls to this URL (default: AWS_ENDPOINT_URL if set)")

    w = sub.add_parser("who-can", help="which roles and workloads may do ACTION")
    w.add_argument("action", help="an IAM action, e.g. iam:PassRole")
    w.add_argument("resource", nargs="?", default="*",
                   help="a resource ARN (default: any resource)")
    w.add_argument("--snapshot", required=True, help="a snapshot.json.gz, or an output folder")
    w.add_argument("--json", action="store_true", help="print JSON (interfaces.md)")

    wc = sub.add_parser("what-can", help="effective permissions of a workload or role")
    wc.add_argument("arn", metavar="WHAT",
                    help="a service (name or cluster/service), a task family or family:revision, a "
                    "role or user name, or any of their ARNs")
    wc.add_argument("--snapshot", required=True, help="a snapshot.json.gz, or an output folder")
    wc.add_argument("--action", help="only actions matching this pattern, e.g. s3:* or s3:Get*")
    wc.add_argument("--expand", action="store_true",
                    help="list every concrete action, not the policies' patterns with counts")
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
    d.add_argument("--json", action="store_true", help="print JSON instead of text")
    d.add_argument("--force", action="store_true",
                   help="compare even scans of different accounts, regions or schema versions")

    r = sub.add_parser("rules", help="the rule catalogue, or one rule's documentation")
    r.add_argument("code", nargs="?", help="a rule code or name (I101, role-admin-access): print its "
                   "full documentation")
    r.add_argument("--json", action="store_true", help="machine-readable catalogue")

    dm = sub.add_parser("demo", help="audit an embedded demo account (no AWS needed)")
    _audit_opts(dm, default_output="reports/demo")

    pm = sub.add_parser("permissions", help="the read-only IAM policy that collect needs")
    pm.add_argument("--security-hub", action="store_true",
                    help="print instead the policy that --security-hub needs (its only write calls)")

    h = sub.add_parser("history", help="the trend of scans appended with --history DIR")
    h.add_argument("dir", metavar="DIR", help="the folder given to --history")
    h.add_argument("--since", metavar="YYYY-MM-DD", help="only scans on or after this date (earlier "
                   "scans still decide what is new)")
    h.add_argument("--json", action="store_true", help="print JSON instead of text")

    from auditor.cli.org import add_org_parser

    add_org_parser(sub)

    pr = sub.add_parser("pricing", help="price tables for the cost advisor (pricing refresh)")
    prs = pr.add_subparsers(dest="pricing_command", metavar="refresh")
    ref = prs.add_parser("refresh", help="fetch current prices from the AWS Price List API")
    ref.add_argument("--regions", default="us-east-1", help="regions to price (default: %(default)s)")
    ref.add_argument("--profile", help="AWS profile to use")
    ref.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
                     help="send the Price List calls to this URL")
    return p
