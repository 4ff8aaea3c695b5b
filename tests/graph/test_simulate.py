"""`simulate`: one request decided exactly, with the layer, policy and statement that decided it.
Cases from the IAM User Guide's own examples (cited per test)."""

from __future__ import annotations

import json
from dataclasses import replace

from auditor.audit import audit
from auditor.model import ManagedPolicy
from tests.builders import ACCT, allow, inventory, policy, role, service, task_def
from tests.conftest import run_cli


def one_role(*statements, boundary=None):
    r = role("app", *statements)
    pols = ()
    if boundary:
        b = ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/boundary", name="boundary",
                          default_version_id="v1", document=policy(*boundary))
        r, pols = replace(r, permissions_boundary_arn=b.arn), (b,)
    td = task_def("app", task_role=r, compat=("FARGATE",))
    inv = inventory(roles=[r], tds=[td], services=[service("app", td, "FARGATE")], managed_policies=pols)
    return audit(inv), r, td


def test_a_deny_with_not_resource_spares_exactly_its_bucket():
    # IAM User Guide, "IAM JSON policy elements: NotResource": deny everything but one bucket.
    result, r, _ = one_role(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*",
                                            "NotResource": ["arn:aws:s3:::kept", "arn:aws:s3:::kept/*"]})
    spared = result.simulate(r.arn, "s3:GetObject", "arn:aws:s3:::kept/report.csv")
    assert spared["decision"] == "allowed"
    other = result.simulate(r.arn, "s3:GetObject", "arn:aws:s3:::other/x")
    assert other["decision"] == "denied"
    [deny] = [d for d in other["decided_by"] if d["effect"] == "deny"]  # explicit, and named
    assert deny["layer"] == "identity" and deny["policy"] == "role app inline policy p"


def test_a_boundary_limits_the_identity_policy_and_says_so():
    # IAM User Guide, "Permissions boundaries for IAM entities": effective = identity ∩ boundary.
    table = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/orders"
    result, r, _ = one_role(allow("dynamodb:*"), boundary=[allow("dynamodb:PutItem", table)])
    assert result.simulate(r.arn, "dynamodb:PutItem", table)["decision"] == "allowed"
    other = result.simulate(r.arn, "dynamodb:PutItem", table.replace("orders", "users"))
    assert other["decision"] == "denied"
    assert {"layer": "boundary", "effect": "none"}.items() <= other["decided_by"][-1].items()


def test_an_unknown_condition_key_is_conditional_and_a_given_one_decides():
    # IAM User Guide, "AWS: Denies access to AWS based on the source IP" (IpAddress on aws:SourceIp).
    only_inside = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    result, r, _ = one_role(allow("sqs:SendMessage", "*", Condition=only_inside))
    q = f"arn:aws:sqs:us-east-1:{ACCT}:jobs"
    unknown = result.simulate(r.arn, "sqs:SendMessage", q)
    assert unknown["decision"] == "conditional"
    assert unknown["decided_by"][0]["conditions_unknown"] == ["aws:sourceip"]
    assert result.simulate(r.arn, "sqs:SendMessage", q, {"aws:SourceIp": "10.1.2.3"})["decision"] == "allowed"
    assert result.simulate(r.arn, "sqs:SendMessage", q, {"aws:SourceIp": "192.0.2.1"})["decision"] == "denied"


def test_a_workload_is_simulated_through_its_identities():
    result, r, td = one_role(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    out = result.simulate(td.arn, "s3:GetObject", "arn:aws:s3:::b/k")
    assert out["decision"] == "allowed" and out["via_role"] == r.arn
    assert result.simulate(td.arn, "s3:PutObject", "arn:aws:s3:::b/k")["decision"] == "denied"
    # Without a resource the question is "on some resource", not the literal ARN "*".
    assert result.simulate(r.arn, "s3:GetObject")["decision"] == "allowed"


def test_simulate_from_the_command_line(demo_snapshot):
    path, inv, _ = demo_snapshot
    admin = next(r.arn for r in inv.roles if r.name == "admin-tool-task")
    proc = run_cli("simulate", "--snapshot", str(path), "--principal", admin, "--action",
                   "iam:CreateUser", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["decision"] == "allowed" and doc["decided_by"][0]["layer"] == "identity"
    bad = run_cli("simulate", "--snapshot", str(path), "--principal", admin, "--action",
                  "iam:CreateUser", "--context", "nonsense")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr and bad.stderr.count("\n") == 1
    bad = run_cli("simulate", "--snapshot", str(path), "--principal", "arn:aws:iam::1:role/nope",
                  "--action", "iam:CreateUser")
    assert bad.returncode == 2 and "not an IAM role" in bad.stderr


def test_simulate_and_the_engine_judge_a_role_the_same_way():
    # A role session has no aws:username: the home-folder pattern matches nothing for it, in
    # simulate as in every other answer (IAM User Guide, "Policy variables").
    result, r, _ = one_role(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))
    key = "arn:aws:s3:::home/app/notes"
    out = result.simulate(r.arn, "s3:GetObject", key)
    assert out["decision"] == result.model.principals[r.arn].decide("s3:GetObject", key).decision
    assert out["decision"] == "denied"
