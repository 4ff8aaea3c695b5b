"""Answers that are not AWS's: a block page, a cut body, the wrong shape, a drip, an endless
listing, a huge body. Each is a coverage gap naming the call, never "an empty account" and
never a crash (moto server behind the fault-injecting proxy, real HTTP)."""

from __future__ import annotations

import json
import time

from auditor.collect import CollectOptions, collect
from auditor.demo.server import local_session
from tests.conftest import aws_env, run_cli
from tests.faults import FaultProxy, Reply

BLOCK_PAGE = b"<html><body><h1>Access to this site is blocked by your proxy</h1></body></html>"


def collect_through(decide, endpoint, **opts):
    with FaultProxy(endpoint, decide) as proxy:
        inv = collect(CollectOptions(endpoint_url=proxy.url, regions=("us-east-1",), metrics=False,
                                     max_attempts=2, **opts), session=local_session())
    return inv


def gaps_of(inv, operation):
    return [g for g in inv.gaps if g.operation == operation]


def test_a_block_page_for_list_clusters_is_a_gap_not_an_empty_account(demo_server):
    endpoint, _ = demo_server
    inv = collect_through(lambda op, n, r: Reply(BLOCK_PAGE, content_type="text/html")
                          if op == "ListClusters" else None, endpoint)
    [gap] = gaps_of(inv, "ListClusters")
    assert gap.error == "MalformedResponse" and "clusterArns" in gap.message
    assert "ecs:DescribeServices" in gap.blocked  # nothing that follows could be read
    assert inv.clusters == ()


def test_a_body_cut_mid_answer_is_a_gap(demo_server):
    endpoint, seeded = demo_server
    inv = collect_through(lambda op, n, r: Reply(rewrite=lambda b: b[: len(b) // 2])
                          if op == "DescribeServices" and n == 0 else None, endpoint)
    [gap] = gaps_of(inv, "DescribeServices")
    assert gap.error == "MalformedResponse"
    assert 0 < len(inv.services) < len(seeded.services)  # the other clusters still came


def test_unparsable_xml_from_iam_and_ec2_are_gaps(demo_server):
    endpoint, _ = demo_server
    cut = Reply(b"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>"
                b"<RoleDetailList><member><RoleName>x", content_type="text/xml")

    def decide(op, n, r):
        if op == "GetAccountAuthorizationDetails":
            return cut
        if op == "DescribeInstances":
            return Reply(b"<DescribeInstancesResponse><reservationSet><item>", content_type="text/xml")
        return None
    inv = collect_through(decide, endpoint)
    assert {g.error for g in gaps_of(inv, "GetAccountAuthorizationDetails")} == {"MalformedResponse"}
    assert {g.error for g in gaps_of(inv, "DescribeInstances")} == {"MalformedResponse"}
    assert inv.roles == () and inv.ec2_instances == ()
    assert inv.task_definitions  # the rest of the account was read


def test_a_wrong_shaped_task_definition_is_a_gap_for_that_definition(demo_server):
    endpoint, _ = demo_server
    wrong = json.dumps({"taskDefinition": {"family": "x", "containerDefinitions": "nope"}}).encode()
    inv = collect_through(lambda op, n, r: Reply(wrong) if op == "DescribeTaskDefinition" and n == 0
                          else None, endpoint)
    [gap] = gaps_of(inv, "DescribeTaskDefinition")
    assert gap.error == "MalformedResponse"
    assert len(inv.task_definitions) >= 10


def test_a_dripping_answer_hits_the_call_deadline(demo_server):
    endpoint, _ = demo_server
    started = time.monotonic()
    inv = collect_through(lambda op, n, r: Reply(rewrite=lambda b: b, drip=0.3)
                          if op == "DescribeClusters" else None, endpoint, call_deadline=1.5)
    [gap] = gaps_of(inv, "DescribeClusters")
    assert gap.error == "CallBoundExceeded" and "1.5 s" in gap.message
    assert time.monotonic() - started < 30


def test_an_endless_listing_is_stopped(demo_server):
    endpoint, _ = demo_server

    def fresh_token(body: bytes) -> bytes:
        doc = json.loads(body)
        doc["nextToken"] = f"token-{time.monotonic_ns()}"
        return json.dumps(doc).encode()
    inv = collect_through(lambda op, n, r: Reply(rewrite=fresh_token)
                          if op == "ListTaskDefinitions" else None, endpoint, max_pages=5)
    [gap] = gaps_of(inv, "ListTaskDefinitions")
    assert gap.error == "PaginationError" and "5 pages" in gap.message


def test_a_repeating_token_is_stopped_at_once(demo_server):
    endpoint, _ = demo_server

    def same_token(body: bytes) -> bytes:
        return json.dumps({**json.loads(body), "nextToken": "again"}).encode()
    inv = collect_through(lambda op, n, r: Reply(rewrite=same_token)
                          if op == "ListTaskDefinitions" else None, endpoint)
    [gap] = gaps_of(inv, "ListTaskDefinitions")
    assert gap.error == "PaginationError"


def test_a_huge_answer_is_capped(demo_server):
    endpoint, _ = demo_server
    huge = b'{"clusters": [], "padding": "' + b"x" * (3 * 2**20) + b'"}'
    inv = collect_through(lambda op, n, r: Reply(huge) if op == "DescribeClusters" else None,
                          endpoint, max_response_bytes=2**20)
    [gap] = gaps_of(inv, "DescribeClusters")
    assert gap.error == "CallBoundExceeded" and "larger than 1 MiB" in gap.message


def test_scan_through_a_block_page_reports_the_gap_not_a_clean_account(demo_server, tmp_path):
    endpoint, _ = demo_server
    with FaultProxy(endpoint, lambda op, n, r: Reply(BLOCK_PAGE, content_type="text/html")
                    if op in ("ListClusters", "ListTaskDefinitions") else None) as proxy:
        proc = run_cli("scan", "--endpoint-url", proxy.url, "--regions", "us-east-1", "--no-metrics",
                       "--output", str(tmp_path / "o"), env=aws_env(proxy.url))
    assert proc.returncode == 0, proc.stderr
    # Without a terminal, progress is plain lines, and says whom and where it reads first.
    assert "account 123456789012, 1 region(s): us-east-1" in proc.stderr.splitlines()[1]
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    errors = {(g["operation"], g["error"]) for g in doc["coverage"]["gaps"]}
    assert ("ListClusters", "MalformedResponse") in errors
    # The summary says so: not the "0 coverage gaps" of a clean, empty account.
    assert f"; {len(doc['coverage']['gaps'])} coverage gaps." in proc.stdout
    assert len(doc["coverage"]["gaps"]) >= 2


def test_an_unparsable_identity_answer_is_one_line_and_exit_2(demo_server, tmp_path):
    endpoint, _ = demo_server
    with FaultProxy(endpoint, lambda op, n, r: Reply(b"<oops", content_type="text/xml")
                    if op == "GetCallerIdentity" else None) as proxy:
        proc = run_cli("collect", "--endpoint-url", proxy.url, "--regions", "us-east-1",
                       "--output", str(tmp_path / "s.json.gz"), env=aws_env(proxy.url))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "cannot identify the account" in proc.stderr and "Traceback" not in proc.stderr
