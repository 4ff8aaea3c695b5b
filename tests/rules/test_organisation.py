"""auditor.rules.organisation: I305 and I306 as findings, from the organisation view on
hand-built accounts, and quiet in a single account's audit (which has no organisation view)."""

from __future__ import annotations

from auditor.audit import audit
from auditor.org.merge import organisation_findings
from tests.org.test_cross_account import (
    ADMIN_B_ROOT,
    ECS_TRUST,
    OUT,
    A,
    B,
    accounts,
    allow,
    arn,
    inventory,
    mk_role,
    org,
    trust_in,
)


def test_i305_is_critical_when_certain_high_when_conditional_and_belongs_to_the_start_account():
    app = mk_role(A, "app", allow("sts:AssumeRole", arn(B, "deploy")))
    [f] = organisation_findings("000000000000", accounts(org(), {A: [app], B: [ADMIN_B_ROOT]}, {A: app}))
    assert (f.rule_id, f.severity, f.account_id, f.resource_arn) == ("I305", "critical", A, app.arn)
    assert f.evidence["target_account"] == B and ADMIN_B_ROOT.arn in f.related_arns
    named = mk_role(
        B, "deploy", allow("*"), trust=trust_in(app.arn, Bool={"aws:MultiFactorAuthPresent": "true"})
    )
    [f] = organisation_findings("000000000000", accounts(org(), {A: [app], B: [named]}, {A: app}))
    assert f.severity == "high" and "conditional" in f.message


def test_i306_names_the_outside_account():
    vendor = mk_role(
        A,
        "app",
        trust={
            "Version": "2012-10-17",
            "Statement": [ECS_TRUST["Statement"][0], trust_in(f"arn:aws:iam::{OUT}:root")["Statement"][0]],
        },
    )
    [f] = organisation_findings("000000000000", accounts(org(), {A: [vendor]}, {A: vendor}))
    assert (f.rule_id, f.account_id, f.resource_arn) == ("I306", A, vendor.arn)
    assert OUT in f.message and f.evidence["why"] == "used by ECS"


def test_a_single_account_audit_never_reports_them():
    app = mk_role(A, "app", allow("sts:AssumeRole", "*"), trust=trust_in(f"arn:aws:iam::{OUT}:root"))
    codes = {f.rule_id for f in audit(inventory(roles=[app], account_id=A)).findings}
    assert not codes & {"I305", "I306"}
