"""PASS as well as FAIL: per rule and per control, the resources checked and how each came out.

The control mappings are Security Hub's own (FSBP ECS.2 = "ECS services should not have public
IP addresses assigned to them automatically":
https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html#ecs-2).
"""

from __future__ import annotations

from auditor import audit
from auditor.model import Gap
from auditor.mutelist import MuteEntry
from auditor.rules.engine import load_rules
from auditor.rules.subjects import SUBJECTS
from tests.builders import inventory, service, task_def


def _services():
    td = task_def("app", compat=("FARGATE",))
    public = service("public", td, "FARGATE", assign_public_ip="ENABLED")
    private = [service(n, td, "FARGATE", assign_public_ip="DISABLED") for n in ("a", "b")]
    return td, public, private


def _control(result, framework, control):
    return next(c for c in result.controls() if (c["framework"], c["control"]) == (framework, control))


def test_every_rule_declares_what_it_checks_and_known_controls():
    for code, r in load_rules().items():
        assert r.subjects in SUBJECTS, code
        for c in r.controls:
            assert c.title and c.version, (code, c)


def test_ecs2_names_the_services_checked_passed_and_failed():
    td, public, private = _services()
    result = audit(inventory(tds=[td], services=[public, *private]))
    ecs2 = _control(result, "aws-fsbp", "ECS.2")
    assert ecs2["rules"] == ["N101"] and ecs2["status"] == "fail"
    assert (ecs2["checked"], ecs2["passed"], ecs2["failed"]) == (3, 2, 1)
    assert ecs2["failed_arns"] == [public.arn]
    assert ecs2["passed_arns"] == sorted(s.arn for s in private)
    finding = next(f for f in result.findings if f.rule_id == "N101")
    assert [c.to_dict() for c in finding.compliance] == [
        {"framework": "aws-fsbp", "version": "1.0.0", "control": "ECS.2"}]


def test_a_muted_finding_is_muted_not_failed():
    td, public, private = _services()
    mute = [MuteEntry("N101", public.arn, "bastion by design", None, 1)]
    result = audit(inventory(tds=[td], services=[public, *private]), mutelist=mute)
    ecs2 = _control(result, "aws-fsbp", "ECS.2")
    assert (ecs2["failed"], ecs2["muted"], ecs2["passed"], ecs2["status"]) == (0, 1, 2, "pass")


def test_a_coverage_gap_makes_resources_not_checked_never_passed():
    td, public, private = _services()
    gap = Gap("ecs", "us-east-1", "DescribeServices", "AccessDenied")
    result = audit(inventory(tds=[td], services=[public, *private], gaps=(gap,)))
    ecs2 = _control(result, "aws-fsbp", "ECS.2")
    assert ecs2["passed"] == 0 and ecs2["not_checked"] == 2 and ecs2["failed"] == 1
    assert ecs2["status"] == "fail"
    other_region = Gap("ecs", "eu-west-1", "DescribeServices", "AccessDenied")
    result = audit(inventory(tds=[td], services=[public, *private], gaps=(other_region,)))
    assert _control(result, "aws-fsbp", "ECS.2")["passed"] == 2


def test_a_rule_checks_only_its_own_scope():
    """ECS.10 (latest Fargate platform) judges Fargate services: an EC2 service is not a PASS."""
    td = task_def("app", compat=("EC2", "FARGATE"))
    ec2 = service("on-ec2", td, "EC2")
    fargate = service("on-fargate", td, "FARGATE", platform_version="LATEST")
    ecs10 = _control(audit(inventory(tds=[td], services=[ec2, fargate])), "aws-fsbp", "ECS.10")
    assert ecs10["passed_arns"] == [fargate.arn] and ecs10["checked"] == 1


def test_pass_rows_in_the_findings_table():
    td, public, private = _services()
    result = audit(inventory(tds=[td], services=[public, *private]))
    frame = result.findings_frame(("fail", "pass"))
    n101 = frame[frame["rule_id"] == "N101"]
    assert sorted(n101["status"]) == ["FAIL", "PASS", "PASS"]
    assert set(n101[n101["status"] == "PASS"]["resource_arn"]) == {s.arn for s in private}
    assert set(n101["compliance"]) == {"aws-fsbp:ECS.2"}
    assert set(result.findings_frame()["status"]) == {"FAIL"}
