"""The command line as a new user meets it: help for every option with its default, short names
for what-can, validated patterns with suggestions, and progress that shows without a terminal."""

from __future__ import annotations

import argparse
import json

import pytest

from auditor.cli.parser import build_parser
from tests.conftest import run_cli


def _options(parser: argparse.ArgumentParser, name: str = "ecs-auditor"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield from _options(p, f"{name} {sub}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield name, action


def test_every_option_has_help_and_says_its_default():
    for command, action in _options(build_parser()):
        label = f"{command} {'/'.join(action.option_strings) or action.dest}"
        assert action.help and len(action.help) > 10, label
        if action.default not in (None, False, argparse.SUPPRESS) and action.option_strings:
            assert "default" in action.help, label


def test_top_level_help_says_what_the_tool_does_with_an_example():
    text = run_cli("--help").stdout
    assert "Audit the Amazon ECS side of an AWS account" in text and "example:" in text
    assert "parses arguments" not in text  # not a code docstring


def test_pricing_alone_says_what_to_type():
    proc = run_cli("pricing")
    assert proc.returncode == 2 and "pricing refresh" in proc.stderr


@pytest.mark.parametrize("name", ["worker", "prod-fargate/worker", "worker:1"])
def test_what_can_takes_short_names(demo_snapshot, name):
    path, _, seeded = demo_snapshot
    proc = run_cli("what-can", name, "--snapshot", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["arn"] in (seeded.task_definitions["worker"], seeded.services["worker"])


def test_what_can_suggests_a_near_name_and_validates_action(demo_snapshot):
    path = str(demo_snapshot[0])
    proc = run_cli("what-can", "wrker", "--snapshot", path)
    assert proc.returncode == 2 and "did you mean" in proc.stderr and "worker" in proc.stderr
    proc = run_cli("what-can", "worker", "--snapshot", path, "--action", "s3:GetObjekt")
    assert proc.returncode == 2 and "s3:GetObject" in proc.stderr and "Traceback" not in proc.stderr


def test_what_can_groups_by_identity_and_expands_on_request(demo_snapshot):
    path = str(demo_snapshot[0])
    text = run_cli("what-can", "legacy-web", "--snapshot", path, "--action", "s3:*").stdout
    assert "Task role web-task" in text and "Instance role ecs-instance" in text
    assert "Execution role legacy-execution" in text
    assert "s3:*" in text and "matching actions" in text
    assert len(text.splitlines()) < 30  # patterns with counts, not every action
    expanded = run_cli("what-can", "legacy-web", "--snapshot", path, "--action", "s3:*", "--expand").stdout
    assert len(expanded.splitlines()) > 150 and "s3:PutObject" in expanded


def test_what_can_for_a_user_shows_its_ecs_escalations(demo_snapshot):
    path, _, seeded = demo_snapshot
    text = run_cli("what-can", "ci-deployer", "--snapshot", str(path)).stdout
    assert "Itself ci-deployer: the user itself" in text
    assert "Through ECS it can also obtain:" in text and "admin-tool-task" in text
    out = json.loads(run_cli("what-can", "ci-deployer", "--snapshot", str(path), "--json").stdout)
    assert seeded.roles["admin-tool-task"] in {e["target"] for e in out["escalations"]}


def test_progress_lines_appear_without_a_terminal_in_order(demo_server, tmp_path):
    from tests.conftest import aws_env

    endpoint, _ = demo_server
    proc = run_cli("scan", "--endpoint-url", endpoint, "--regions", "us-east-1", "--no-metrics",
                   "--output", str(tmp_path / "out"), "--fail-on", "critical", env=aws_env(endpoint))
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    order = ["collecting", "account ", "collected ", "auditing", "done in"]
    found = [next(i for i, line in enumerate(lines) if w in line) for w in order]
    assert found == sorted(found), proc.stderr
    assert all(line.startswith("[") and "s]" in line[:9] for line in lines)  # timestamped
    collected = next(line for line in lines if "collected " in line)
    assert "calls (ecs " in collected and "by region: us-east-1" in collected and "retries" in collected
    # The summary names the files, the report and what --fail-on tripped on.
    assert "Report:" in proc.stdout and "findings.json" in proc.stdout
    assert "--fail-on critical: exit 1 for" in proc.stdout


def test_progress_on_a_terminal_draws_bars_per_service_and_region():
    import io

    from auditor.progress import Progress

    out = io.StringIO()
    p = Progress(enabled=True, stream=out, tty=True)
    p.collecting()
    for _ in range(3):
        p.observe("call", "ecs", "us-east-1", "DescribeServices")
        p.observe("attempt", "ecs", "us-east-1", "DescribeServices")
    p.observe("attempt", "ecs", "us-east-1", "DescribeServices")  # one retry
    p.observe("call", "iam", "", "GetAccountAuthorizationDetails")
    p.collected("collected")
    text = out.getvalue()
    assert "service ecs" in text and "region us-east-1" in text and "service iam" in text
    assert "1 retries" in text and "4 calls (ecs 3, iam 1" in text
