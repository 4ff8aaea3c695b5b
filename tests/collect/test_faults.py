"""Denied calls against the moto server: the run completes and records what it missed."""

from __future__ import annotations

from botocore.awsrequest import AWSResponse

from auditor.audit import audit
from auditor.collect import CollectOptions, collect
from auditor.demo.server import local_session


def deny(*operations: str, code: str = "AccessDeniedException"):
    def handler(model, **_):
        if model.name in operations:
            return AWSResponse("https://denied", 403, {}, None), {
                "Error": {"Code": code, "Message": f"not authorized to perform {model.name}"},
                "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None
    return handler


def test_denied_operations_become_gaps_and_the_run_completes(demo_server):
    endpoint, seeded = demo_server
    session = local_session()
    session.events.register("before-call", deny("DescribeFileSystemPolicy", "GetMetricData",
                                                "DescribeTasks"))
    inv = collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), max_attempts=1),
                  session=session)
    ops = {(g.service, g.operation) for g in inv.gaps}
    assert ops == {("efs", "DescribeFileSystemPolicy"), ("cloudwatch", "GetMetricData"),
                   ("ecs", "DescribeTasks")}
    assert all(g.error == "AccessDeniedException" for g in inv.gaps)
    # Everything else was still collected.
    assert {s.arn for s in inv.services} == set(seeded.services.values())
    assert set(seeded.task_definitions.values()) <= {t.arn for t in inv.task_definitions}
    # An unknown file-system policy is not mistaken for "no policy" (which rule F109 flags).
    assert {f.policy_status for f in inv.file_systems} == {"unknown"}
    assert inv.utilisation == () and inv.tasks == ()


def test_each_unreadable_task_definition_is_a_gap_naming_it(demo_server):
    endpoint, seeded = demo_server
    session = local_session()
    session.events.register("before-call", deny("DescribeTaskDefinition"))
    inv = collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), max_attempts=1,
                                 metrics=False), session=session)
    assert {g.operation for g in inv.gaps} == {"DescribeTaskDefinition"}
    assert {g.resource for g in inv.gaps} >= set(seeded.task_definitions.values())
    assert inv.task_definitions == ()
    assert {s.arn for s in inv.services} == set(seeded.services.values())


def test_denied_iam_is_a_gap_for_every_iam_rule(demo_server):
    endpoint, _ = demo_server
    session = local_session()
    session.events.register("before-call", deny("GetAccountAuthorizationDetails",
                                                code="AccessDenied"))
    inv = collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), max_attempts=1,
                                 metrics=False), session=session)
    assert inv.roles == ()
    [gap] = inv.gaps
    assert (gap.action, gap.error) == ("iam:GetAccountAuthorizationDetails", "AccessDenied")
    # Every rule that judges policies is named as not fully checked; rules that judge only
    # task definitions are not.
    [covered] = audit(inv).coverage
    assert {"I101", "I103", "I202", "I206", "I304"} <= set(covered.affects)
    assert not {"C101", "L101", "B103", "N101"} & set(covered.affects)
