"""The report's escalation section (#17): paths grouped by the principal they reach, admin
first, each route once with its steps, certain and conditional apart; paths of several steps
(instance-role agent credentials, sts:AssumeRole first) are there as well as direct routes."""

from __future__ import annotations

from auditor.audit import audit
from auditor.model import Task
from auditor.report.views import paths_view
from tests.builders import CLUSTER, EC2_TRUST, R, allow, host, inventory, role, service, task_def, user

ADMIN = role("admin-task", allow("*"))
READER = role("reader-task", allow("s3:GetObject"), allow("sqs:SendMessage"))


def test_direct_and_chained_paths_grouped_by_target_admin_first():
    instance = role("instance", allow(["ecs:DiscoverPollEndpoint", "ecs:Poll"]), trust=EC2_TRUST)
    admin_td, reader_td = task_def("admin", task_role=ADMIN), task_def("reader", task_role=READER)
    h = host(1, instance)
    on_host = Task(arn=f"arn:aws:ecs:{R}:111122223333:task/c/{1:032x}", cluster_arn=CLUSTER, region=R,
                   task_definition_arn=admin_td.arn, launch_type="EC2", container_instance_arn=h[0].arn)
    # dev may pass only the weaker role: a certain direct route to it
    dev = user("dev", allow(["ecs:RegisterTaskDefinition", "ecs:RunTask"]),
               allow("iam:PassRole", READER.arn))
    ops = user("ops", allow(["iam:PassRole", "ecs:UpdateService"]), allow("s3:ListBucket"))
    inv = inventory(roles=[ADMIN, READER, instance], users=[dev, ops], tds=[admin_td, reader_td],
                    services=[service("reader", reader_td)], hosts=[h], tasks=(on_host,),
                    call_counts={"ecs:ListClusters": 1})
    groups = paths_view(audit(inv))
    assert [g["name"] for g in groups][0] == "admin-task" and groups[0]["admin"]
    [agent] = [r for r in groups[0]["routes"] if r["principals"] == ["instance"]]
    assert agent["steps"] == ["ecs:DiscoverPollEndpoint", "ecs:Poll"] and not agent["conditional"]
    reader = next(g for g in groups if g["name"] == "reader-task")
    kinds = {(r["principals"][0], r["kind"], r["conditional"]) for r in reader["routes"]}
    # ops only moves the service onto the reader's existing definition: conditional
    assert ("dev", "new-task-definition", False) in kinds
    assert ("ops", "existing-task-definition", True) in kinds
    assert len(groups) == len({g["target"] for g in groups})  # each target once
