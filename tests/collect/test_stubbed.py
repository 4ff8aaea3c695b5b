"""Paging, batching and error paths that moto does not exercise, with botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from auditor.collect import call_graph, ecs, elb
from auditor.collect.base import CallLedger, Clients

REGION = "us-east-1"
CLUSTER = "arn:aws:ecs:us-east-1:111122223333:cluster/prod"


@pytest.fixture
def stubbed():
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="x",
                                    aws_secret_access_key="x")
    ledger = CallLedger(throttle=False, leads_to=call_graph())
    clients = Clients(session, ledger)
    stubs = {}

    def stub(service: str) -> Stubber:
        if service not in stubs:
            stubs[service] = Stubber(clients(service, REGION))
            stubs[service].activate()
        return stubs[service]

    yield clients, ledger, stub
    for s in stubs.values():
        s.assert_no_pending_responses()


def svc(i: int) -> dict:
    return {"serviceArn": f"arn:aws:ecs:us-east-1:111122223333:service/prod/s{i}",
            "serviceName": f"s{i}", "clusterArn": CLUSTER, "taskDefinition": "td:1"}


def test_25_services_cost_one_list_and_three_describes_across_pages(stubbed):
    clients, ledger, stub = stubbed
    arns = [svc(i)["serviceArn"] for i in range(25)]
    s = stub("ecs")
    # 25 services arrive in two pages of the listing.
    s.add_response("list_services", {"serviceArns": arns[:20], "nextToken": "t1"},
                   {"cluster": CLUSTER, "maxResults": 100})
    s.add_response("list_services", {"serviceArns": arns[20:]},
                   {"cluster": CLUSTER, "maxResults": 100, "nextToken": "t1"})
    for lo in (0, 10, 20):
        s.add_response("describe_services", {"services": [svc(i) for i in range(lo, min(lo + 10, 25))],
                                             "failures": []},
                       {"cluster": CLUSTER, "services": arns[lo:lo + 10], "include": ["TAGS"]})
    out = ecs.get_services(clients, ledger, REGION, CLUSTER)
    assert [o["serviceName"] for o in out] == [f"s{i}" for i in range(25)]
    assert ledger.calls["ecs:ListServices"] == 2  # one per page
    assert ledger.calls["ecs:DescribeServices"] == 3


def test_a_service_deleted_between_list_and_describe_is_a_gap(stubbed):
    clients, ledger, stub = stubbed
    s = stub("ecs")
    arns = [svc(0)["serviceArn"], svc(1)["serviceArn"]]
    s.add_response("list_services", {"serviceArns": arns})
    s.add_response("describe_services", {"services": [svc(0)], "failures": [
        {"arn": arns[1], "reason": "MISSING"}]})
    out = ecs.get_services(clients, ledger, REGION, CLUSTER)
    assert len(out) == 1
    assert [(g.operation, g.error, g.resource) for g in ledger.gaps] == [
        ("DescribeServices", "MISSING", arns[1])]


def test_services_of_another_cluster_matched_by_name_are_dropped(stubbed):
    clients, ledger, stub = stubbed
    s = stub("ecs")
    other = {**svc(0), "clusterArn": CLUSTER.replace("prod", "nonprod")}
    s.add_response("list_services", {"serviceArns": [svc(0)["serviceArn"]]})
    s.add_response("describe_services", {"services": [svc(0), other], "failures": []})
    assert [o["clusterArn"] for o in ecs.get_services(clients, ledger, REGION, CLUSTER)] == [CLUSTER]


def test_denied_listing_is_a_gap_not_an_empty_account(stubbed):
    clients, ledger, stub = stubbed
    stub("ecs").add_client_error("list_clusters", "AccessDeniedException", "not authorized",
                                 http_status_code=400)
    assert ecs.get_clusters(clients, ledger, REGION) is None
    gap = ledger.gaps[0]
    assert (gap.service, gap.operation, gap.error) == ("ecs", "ListClusters", "AccessDeniedException")
    # Without clusters nothing that follows can be read: the gap names what it blocked.
    assert {"ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ec2:DescribeInstances"} <= set(gap.blocked)


def test_task_definitions_are_listed_across_pages_and_latest_kept():
    arns = [f"arn:aws:ecs:us-east-1:1:task-definition/web:{i}" for i in (1, 2, 10)]
    arns += ["arn:aws:ecs:us-east-1:1:task-definition/api:3"]
    assert sorted(ecs.latest_per_family(arns)) == [
        "arn:aws:ecs:us-east-1:1:task-definition/api:3",
        "arn:aws:ecs:us-east-1:1:task-definition/web:10"]


def test_target_groups_are_described_twenty_at_a_time(stubbed):
    clients, ledger, stub = stubbed
    arns = [f"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t{i}/abc" for i in range(45)]
    s = stub("elbv2")
    for lo in (0, 20, 40):
        s.add_response("describe_target_groups", {"TargetGroups": [
            {"TargetGroupArn": a, "TargetGroupName": "t", "TargetType": "ip"}
            for a in sorted(arns)[lo:lo + 20]]},
            {"TargetGroupArns": sorted(arns)[lo:lo + 20]})
    assert len(elb.get_target_groups(clients, ledger, REGION, arns)) == 45
    assert ledger.calls["elbv2:DescribeTargetGroups"] == 3
