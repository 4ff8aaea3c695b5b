"""A large account's rules on two cores (rules/aside.py): the per-principal rules in a forked
copy of the process, the rest here. The findings must be the same as one process gives, and a
copy that fails must cost nothing but time.

Each case runs in a fresh interpreter, as the CLI does: the test process has other threads (the
moto server of other tests), and a process with threads does not fork."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.model.serde import to_jsonable
from auditor.rules import aside, engine
from tests.builders import EC2_TRUST, ECS_TRUST, allow, inventory, role, task_def, user

pytestmark = pytest.mark.skipif(sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2,
                                reason="the split needs Linux and two cores")

SHAPES = [
    [allow("*")],  # admin
    [allow("*:*")],
    [allow("s3:*"), allow("iam:PassRole"), allow("ecs:RunTask"), allow("ecs:RegisterTaskDefinition")],
    [allow("iam:PassRole"), allow(["ecs:RunTask", "ecs:StartTask"])],
    [allow("secretsmanager:GetSecretValue"), allow("kms:Decrypt")],
    [allow("ec2:*", "arn:aws:ec2:*:*:instance/*"), allow("sts:AssumeRole")],
    [allow("dynamodb:PutItem"), {"Effect": "Deny", "Action": "dynamodb:PutItem",
                                 "Resource": "arn:aws:dynamodb:*:*:table/locked"}],
    [allow("s3:GetObject", "arn:aws:s3:::b/*"), allow("notaservice:DoIt")],
    [allow("iam:CreatePolicyVersion"), allow("iam:PutRolePolicy", "arn:aws:iam::*:role/x-*")],
]


USERS = 20


def big_account(n: int = engine.SPLIT_FROM + 100):
    """n principals (enough to split by default), of every kind the per-principal and escalation rules judge;
    some used by task definitions, so both ECS-used and unused principals are judged."""
    roles = [role(f"r{i:04d}", *SHAPES[i % len(SHAPES)], trust=EC2_TRUST if i % 7 == 0 else ECS_TRUST)
             for i in range(n - USERS)]
    users = [user(f"u{i}", *SHAPES[i % len(SHAPES)]) for i in range(USERS)]
    tds = [task_def(f"app{i}", task_role=roles[i], execution_role=roles[i + 1]) for i in range(0, 60, 3)]
    return inventory(roles=roles, users=users, tds=tds)


def as_seen(result):
    """What a user reads of an audit: every finding, in order, with its evidence."""
    return [f.to_dict() for f in result.findings], to_jsonable(result.coverage)


def fresh(case: str) -> dict:
    """Run `case()` of this module in a new interpreter; what it printed, as JSON."""
    code = f"import json; from tests.rules.test_split_audit import {case}; print(json.dumps({case}()))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _split_and_alone(fail_the_copy: bool = False) -> dict:
    forks = []
    real = aside.Aside

    def counted(work):
        forks.append(work)
        return real(work)

    aside.Aside = counted
    if fail_the_copy:
        real.result = lambda self: None
    split = audit(big_account(), principals="all", workers=2)
    alone = audit(big_account(), principals="all", workers=1)
    some = next(iter(split.model.principals))
    return {"forks": len(forks), "same": as_seen(split) == as_seen(alone),
            "codes": sorted({f.rule_id for f in split.findings}),
            "classified": split.model.classifications().get(some) == alone.model.classification(some)}


def split_case() -> dict:
    return _split_and_alone()


def failed_copy_case() -> dict:
    return _split_and_alone(fail_the_copy=True)


def small_case() -> dict:
    forks = []
    aside.Aside = lambda work: forks.append(work)
    audit(big_account(engine.SPLIT_FROM - 1), principals="all", workers=2)
    return {"forks": len(forks)}


def answers_case() -> dict:
    """What Aside gives for work that answers, raises, is killed, leaves, or cannot be sent."""
    works = {"pid": os.getpid, "raises": lambda: 1 / 0, "killed": lambda: os.kill(os.getpid(), 9),
             "leaves": lambda: os._exit(0), "unpicklable": lambda: threading.Lock()}
    got = {name: aside.Aside(work).result() for name, work in works.items()}
    return {**got, "pid": got["pid"] not in (None, os.getpid())}


def frozen_case() -> dict:
    """Aside in a process that froze its heap itself (as a server does before it forks)."""
    import gc

    gc.freeze()
    answer = aside.Aside(os.getpid).result()
    return {"answered": answer not in (None, os.getpid()), "still_frozen": gc.get_freeze_count() > 0}


def threads_case() -> dict:
    alone = aside.can_fork()
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    with_thread = aside.can_fork()
    stop.set()
    t.join()
    return {"alone": alone, "with_thread": with_thread}


def test_two_processes_give_the_findings_one_gives():
    got = fresh("split_case")
    assert got["forks"] == 1, "the audit did not split"
    assert got["same"]
    assert {"I101", "I102", "I104", "I106", "I110"} <= set(got["codes"])  # from the copy
    assert "I304" in got["codes"]  # from this process
    # The copy's classifications came back: the report's views read them without redoing them.
    assert got["classified"]


def test_a_copy_that_fails_costs_nothing_but_time():
    got = fresh("failed_copy_case")
    assert got["forks"] == 1 and got["same"]


def test_a_small_account_is_not_split():
    assert fresh("small_case") == {"forks": 0}


def test_no_answer_is_none_never_a_hang_or_a_guess():
    assert fresh("answers_case") == {"pid": True, "raises": None, "killed": None, "leaves": None,
                                     "unpicklable": None}


def test_a_process_with_another_thread_does_not_fork():
    assert fresh("threads_case") == {"alone": True, "with_thread": False}


def test_a_freeze_made_before_is_left_in_place():
    assert fresh("frozen_case") == {"answered": True, "still_frozen": True}
