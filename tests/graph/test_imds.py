"""IMDS reachability matrix: network mode x HttpTokens x hop limit x endpoint state."""

from __future__ import annotations

import pytest

from auditor.graph import AccessModel
from tests.builders import EC2_TRUST, allow, host, inventory, role, service, task_def

INSTANCE_ROLE = role("instance", allow("s3:*"), trust=EC2_TRUST)
TASK_ROLE = role("task", allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"))


def reach(mode, tokens="required", hops=1, endpoint="enabled", launch="EC2", task_role=TASK_ROLE):
    td = task_def("app", network_mode=mode, task_role=task_role,
                  compat=("FARGATE",) if launch == "FARGATE" else ("EC2",))
    inv = inventory(roles=[INSTANCE_ROLE, TASK_ROLE], tds=[td], services=[service("s", td, launch)],
                    hosts=[host(1, INSTANCE_ROLE, tokens, hops, endpoint)])
    m = AccessModel(inv)
    return m, m.workloads[td.arn]


@pytest.mark.parametrize("mode, tokens, hops, endpoint, reachable", [
    ("host", "required", 1, "enabled", True),
    ("bridge", "required", 1, "enabled", False),
    ("bridge", "required", 2, "enabled", True),
    ("bridge", "optional", 1, "enabled", True),
    ("bridge", "optional", 2, "disabled", False),
    ("host", "required", 1, "disabled", False),
    (None, "required", 1, "enabled", False),  # no networkMode on Linux EC2 is bridge
    (None, "optional", 1, "enabled", True),
    ("awsvpc", "required", 1, "enabled", True),
    ("awsvpc", "required", 1, "disabled", False),
    ("none", "optional", 2, "enabled", False),
])
def test_imds_matrix(mode, tokens, hops, endpoint, reachable):
    m, w = reach(mode, tokens, hops, endpoint)
    got = [r.role_arn for r in w.reachable_instance_roles]
    assert got == ([INSTANCE_ROLE.arn] if reachable else [])
    vias = {i.via for i in m.identities(w)}
    assert vias == ({"task-role", "instance-role"} if reachable else {"task-role"})


def test_fargate_never_reaches_an_instance_role():
    m, w = reach("awsvpc", "optional", 2, launch="FARGATE")
    assert w.imds == [] and not w.on_ec2


def test_mixed_fleet_is_reachable_if_any_candidate_is_open():
    td = task_def("app", network_mode="bridge", task_role=TASK_ROLE)
    inv = inventory(roles=[INSTANCE_ROLE, TASK_ROLE], tds=[td], services=[service("s", td)],
                    hosts=[host(1, INSTANCE_ROLE, "required", 1), host(2, INSTANCE_ROLE, "optional", 1)])
    w = AccessModel(inv).workloads[td.arn]
    [r] = w.reachable_instance_roles
    assert r.instances == ("i-0002",)


def test_without_task_role_on_ec2_the_instance_role_is_all_it_has():
    m, w = reach("bridge", "optional", 1, task_role=None)
    ids = m.identities(w)
    assert [(i.role_arn, i.via) for i in ids] == [(INSTANCE_ROLE.arn, "instance-role")]
    assert "no task role" in ids[0].reason
    perms = m.what_can(w.arn).permissions
    assert {p.via_role for p in perms} == {INSTANCE_ROLE.arn}
    assert any(p.action == "s3:putobject" for p in perms)


@pytest.mark.parametrize("hops, listed", [(1, False), (2, True)])
def test_who_can_carries_only_workloads_that_reach_the_instance_role(hops, listed):
    """A bridge task on an IMDSv2-required host with hop limit 1 cannot get the instance role's
    credentials (I301 leaves it out); who-can must not list it as carrying that role."""
    m, w = reach("bridge", "required", hops)
    entry = next(e for e in m.who_can("s3:PutObject").principals if e.arn == INSTANCE_ROLE.arn)
    assert (w.arn in {c.arn for c in entry.workloads}) == listed
