"""SCPs and RCPs as layers of the one engine, on hand-built inventories (moto enforces neither).

Semantics from the AWS Organizations User Guide: "SCP evaluation" (every level root → OU →
account must allow, a deny anywhere wins), "SCP effects on permissions" (the management account
and service-linked roles are not affected), "Resource control policies (RCPs)" and
"Example SCPs" / "Example RCPs" (the policies below are those examples' shapes)."""

from __future__ import annotations

from dataclasses import replace

from auditor.audit import audit
from auditor.model import RCP, SCP, OrgAccount, Organisation, OrgPolicy, OrgUnit, Role
from tests.builders import ACCT, allow, inventory, policy, role

FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RCP_FULL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}
MGMT = "999900001111"


def organisation(ou_policies=(), account_policies=(), rcps=(), account=ACCT) -> Organisation:
    """root r-1 → ou-1 (Workloads) → the account; FullAWSAccess on every level as AWS attaches it."""
    pols = [
        OrgPolicy("p-FullAWSAccess", "FullAWSAccess", SCP, FULL, ("r-1", "ou-1", account), True),
        OrgPolicy("p-RCPFull", "RCPFullAWSAccess", RCP, RCP_FULL, ("r-1", "ou-1", account), True),
    ]
    pols += [OrgPolicy(f"p-ou{i}", f"ou-scp-{i}", SCP, d, ("ou-1",)) for i, d in enumerate(ou_policies)]
    pols += [
        OrgPolicy(f"p-a{i}", f"acct-scp-{i}", SCP, d, (account,)) for i, d in enumerate(account_policies)
    ]
    pols += [OrgPolicy(f"p-r{i}", f"rcp-{i}", RCP, d, ("ou-1",)) for i, d in enumerate(rcps)]
    return Organisation(
        "o-abc",
        MGMT,
        "r-1",
        (OrgUnit("r-1", "Root"), OrgUnit("ou-1", "Workloads", "r-1")),
        (OrgAccount(account, "app", parent_id="ou-1"), OrgAccount(MGMT, "mgmt", parent_id="r-1")),
        tuple(pols),
    )


ADMIN = role("admin", allow("*"))
DENY_IAM_USERS = policy(
    {"Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey"], "Resource": "*"}
)


def run(org: Organisation | None, *roles: Role, account=ACCT, regions=("us-east-1",)):
    inv = inventory(
        roles=roles or (ADMIN,), regions=regions, organisation=org.controls(account) if org else None
    )
    return audit(inv, principals="all")


def test_a_deny_in_an_ou_scp_removes_the_action_from_every_answer():
    res = run(organisation(ou_policies=[DENY_IAM_USERS]))
    sim = res.simulate(ADMIN.arn, "iam:CreateUser", f"arn:aws:iam::{ACCT}:user/x")
    assert sim["decision"] == "denied"
    assert any(
        d["layer"] == "scp" and d["effect"] == "deny" and "ou-scp-0" in d["policy"] for d in sim["decided_by"]
    )
    assert ADMIN.arn not in {p.arn for p in res.who_can("iam:CreateUser").principals}
    assert "iam:createuser" not in {p.action for p in res.what_can(ADMIN.arn).permissions}
    # what the SCP leaves is still there
    assert res.simulate(ADMIN.arn, "iam:CreateRole", f"arn:aws:iam::{ACCT}:role/x")["decision"] == "allowed"
    assert ADMIN.arn in {p.arn for p in res.who_can("iam:CreateRole").principals}


def test_every_level_must_allow_an_allow_list_at_the_ou_limits_the_admin():
    only_s3 = policy(allow(["s3:*", "ec2:Describe*"]))
    org = organisation()
    pols = [p for p in org.policies if not (p.name == "FullAWSAccess")]
    pols.append(OrgPolicy("p-FullAWSAccess", "FullAWSAccess", SCP, FULL, ("r-1", ACCT), True))
    pols.append(OrgPolicy("p-only", "only-s3", SCP, only_s3, ("ou-1",)))
    res = run(replace(org, policies=tuple(pols)))
    assert res.simulate(ADMIN.arn, "s3:GetObject", "arn:aws:s3:::b/k")["decision"] == "allowed"
    sim = res.simulate(ADMIN.arn, "iam:PassRole", f"arn:aws:iam::{ACCT}:role/x")
    assert sim["decision"] == "denied"
    assert {"layer": "scp", "effect": "none"}.items() <= next(
        d for d in sim["decided_by"] if d["layer"] == "scp" and d["effect"] == "none"
    ).items()
    actions = {p.action.split(":")[0] for p in res.what_can(ADMIN.arn).permissions}
    assert actions <= {"s3", "ec2"}
    assert not res.who_can("iam:PassRole").principals
    # the admin rule judges effective permissions: an s3/ec2-only role is not admin
    assert not [f for f in res.findings if f.rule_id == "I101"]
    assert [f for f in run(None).findings if f.rule_id == "I101"]


def test_the_management_account_and_service_linked_roles_are_not_limited():
    org = organisation(ou_policies=[DENY_IAM_USERS], account_policies=[DENY_IAM_USERS])
    res = run(org, account=MGMT)  # the same policies, but the account is the management account
    assert res.simulate(ADMIN.arn, "iam:CreateUser", "arn:aws:iam::x:user/u")["decision"] == "allowed"
    linked = Role(
        arn=f"arn:aws:iam::{ACCT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        name="AWSServiceRoleForECS",
        path="/aws-service-role/ecs.amazonaws.com/",
        inline_policies=ADMIN.inline_policies,
    )
    res = run(org, ADMIN, linked)
    assert res.simulate(linked.arn, "iam:CreateUser", "arn:aws:iam::x:user/u")["decision"] == "allowed"
    assert res.simulate(ADMIN.arn, "iam:CreateUser", "arn:aws:iam::x:user/u")["decision"] == "denied"


REGION_SCP = policy(
    {
        "Sid": "DenyAllOutsideEU",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
    }
)


def test_a_region_scp_denies_other_regions_and_spares_the_audited_one():
    res = run(organisation(ou_policies=[REGION_SCP]), regions=("eu-west-1", "us-east-1"))
    east = f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-1"
    west = f"arn:aws:ec2:eu-west-1:{ACCT}:instance/i-1"
    assert res.simulate(ADMIN.arn, "ec2:TerminateInstances", east)["decision"] == "denied"
    assert res.simulate(ADMIN.arn, "ec2:TerminateInstances", west)["decision"] == "allowed"
    # a region named in the context decides an ARN without one
    assert (
        res.simulate(ADMIN.arn, "s3:GetObject", "arn:aws:s3:::b/k", {"aws:RequestedRegion": "us-east-1"})[
            "decision"
        ]
        == "denied"
    )
    assert res.simulate(ADMIN.arn, "s3:GetObject", "arn:aws:s3:::b/k")["decision"] == "conditional"
    # on some resource (eu-west-1 is audited) the admin keeps ec2, unconditionally
    grant = res.model.principals[ADMIN.arn].grants["ec2:terminateinstances"]
    assert not grant.conditional and not grant.everywhere


def test_an_rcp_data_perimeter_applies_to_the_accounts_own_resources():
    perimeter = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            }
        ],
    }
    res = run(organisation(rcps=[perimeter]))
    # the account's own principal is in the organisation: the perimeter lets it through
    sim = res.simulate(ADMIN.arn, "s3:GetObject", "arn:aws:s3:::b/k")
    assert sim["decision"] == "allowed"
    assert any(d["layer"] == "rcp" for d in sim["decided_by"])
    # a request from outside the organisation is denied by the RCP
    outside = res.simulate(
        ADMIN.arn,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        {"aws:PrincipalOrgID": "o-other", "aws:PrincipalIsAWSService": "false"},
    )
    assert outside["decision"] == "denied"
    assert any(d["layer"] == "rcp" and d["effect"] == "deny" for d in outside["decided_by"])
    # services RCPs do not cover are not touched
    assert (
        res.simulate(
            ADMIN.arn,
            "ec2:RunInstances",
            f"arn:aws:ec2:us-east-1:{ACCT}:instance/*",
            {"aws:PrincipalOrgID": "o-other"},
        )["decision"]
        == "allowed"
    )


def test_without_an_organisation_nothing_changes():
    res = run(None)
    assert res.simulate(ADMIN.arn, "iam:CreateUser", "arn:aws:iam::x:user/u")["decision"] == "allowed"
    assert not any(
        d["layer"] in ("scp", "rcp")
        for d in res.simulate(ADMIN.arn, "iam:CreateUser", "arn:aws:iam::x:user/u")["decided_by"]
    )


def test_the_report_shows_what_the_scps_remove_from_a_role_ecs_uses(tmp_path):
    from auditor.report.html import render_report
    from tests.builders import service, task_def

    app = role("app", allow(["iam:*", "s3:GetObject"]))
    td = task_def("app", task_role=app, compat=("FARGATE",))
    org = organisation(ou_policies=[DENY_IAM_USERS])
    inv = inventory(roles=[app], tds=[td], services=[service("app", td, "FARGATE")],
                    organisation=org.controls(ACCT))
    res = audit(inv)
    [e] = res.organisation_effects()
    assert e["principal"] == app.arn and e["removed"] == 2
    assert set(e["removed_sample"]) == {"iam:createuser", "iam:createaccesskey"}
    assert e["iam_actions"] - e["effective_actions"] == 2
    html = render_report(res)
    assert 'id="org-effects"' in html and "iam:createaccesskey" in html and "Workloads" in html
    # without the deny the section says nothing was removed; with no organisation it is absent
    assert "remove nothing" in render_report(audit(replace(inv, organisation=organisation().controls(ACCT))))
    assert 'id="organisation"' not in render_report(audit(replace(inv, organisation=None)))


def test_policies_that_could_not_be_read_are_not_guessed_at():
    """A failed ListPolicies (or DescribePolicy) would leave levels with nothing allowing:
    every principal would lose everything. Nothing is applied instead, and the gap says why."""
    org = organisation(ou_policies=[DENY_IAM_USERS])
    unread = replace(org, gaps=({"operation": "list_policies", "error": "AccessDenied",
                                 "target": "SERVICE_CONTROL_POLICY"},))
    assert not unread.in_effect("SERVICE_CONTROL_POLICY") and unread.in_effect("RESOURCE_CONTROL_POLICY")
    res = run(unread)
    assert res.simulate(ADMIN.arn, "iam:CreateUser", f"arn:aws:iam::{ACCT}:user/x")["decision"] == "allowed"
    # SCPs disabled (nothing on the root): not applied either
    off = replace(org, policies=tuple(p for p in org.policies if p.kind != SCP))
    user = f"arn:aws:iam::{ACCT}:user/x"
    assert run(off).simulate(ADMIN.arn, "iam:CreateUser", user)["decision"] == "allowed"


def test_an_scp_that_cannot_be_parsed_is_a_coverage_gap():
    bad = OrgPolicy("p-bad", "broken", SCP, "{not json", ("ou-1",))
    org = organisation()
    res = run(replace(org, policies=(*org.policies, bad)))
    gaps = [g for g in res.coverage if g.service == "organizations"]
    assert [(g.operation, g.error, g.resource) for g in gaps] == [
        ("DescribePolicy", "MalformedPolicy", "ou-1")]
    assert "broken" in gaps[0].message and "I101" in gaps[0].affects
