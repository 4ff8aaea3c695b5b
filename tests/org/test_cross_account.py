"""Cross-account edges and paths on hand-built accounts (moto enforces no trust policy).

IAM User Guide, "Cross-account policy evaluation logic": a request from account A to a role
of account B is allowed only if A's identity policy (and boundary, and A's SCPs) allow it and
B's trust policy admits the principal; a trust naming A's root admits any principal of A whose
own policies allow the call, one naming a role admits that role only. AWS Organizations User
Guide, "Resource control policies": an RCP on B governs sts:AssumeRole on B's roles."""

from __future__ import annotations

from dataclasses import replace

from auditor.audit import audit
from auditor.graph import AccessModel
from auditor.model import RCP, SCP, OrgAccount, Organisation, OrgPolicy, OrgUnit, Role
from auditor.org.cross import build_view
from auditor.org.facts import account_facts
from tests.builders import ECS_TRUST, allow, inventory, policy, service, task_def

A, B, C, OUT = "111111111111", "222222222222", "333333333333", "999999999999"
FULL = policy(allow("*"))


def arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def mk_role(account: str, name: str, *statements, trust=ECS_TRUST) -> Role:
    from auditor.model import InlinePolicy

    inline = (InlinePolicy("p", policy(*statements)),) if statements else ()
    return Role(arn=arn(account, name), name=name, trust_policy=trust, inline_policies=inline)


def trust_in(principal: str, **condition) -> dict:
    st = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def org(*extra: OrgPolicy) -> Organisation:
    full = OrgPolicy("p-full", "FullAWSAccess", SCP, FULL, ("r-1", A, B, C), True)
    rfull = OrgPolicy(
        "p-rfull",
        "RCPFullAWSAccess",
        RCP,
        policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
        ("r-1", A, B, C),
        True,
    )
    return Organisation(
        "o-1",
        "000000000000",
        "r-1",
        (OrgUnit("r-1", "Root"),),
        tuple(OrgAccount(x, x, parent_id="r-1") for x in (A, B, C)),
        (full, rfull, *extra),
    )


def accounts(
    organisation: Organisation, roles: dict[str, list[Role]], workloads: dict[str, Role] | None = None
):
    invs = {}
    for account, rs in roles.items():
        tds, svcs = [], []
        if workloads and account in workloads:
            td = replace(
                task_def("app", task_role=workloads[account], compat=("FARGATE",)),
                arn=f"arn:aws:ecs:us-east-1:{account}:task-definition/app:1",
            )
            tds, svcs = (
                [td],
                [
                    replace(
                        service("app", td, "FARGATE"), arn=f"arn:aws:ecs:us-east-1:{account}:service/c/app"
                    )
                ],
            )
        invs[account] = inventory(
            roles=rs, tds=tds, services=svcs, account_id=account, organisation=organisation.controls(account)
        )
    facts = {a: account_facts(audit(inv)) for a, inv in invs.items()}
    return build_view(organisation, facts, lambda a: AccessModel(invs[a]))


def starts(view) -> set[tuple[str, str]]:
    return {(p["start"], p["target"]) for p in view.paths}


ADMIN_B_ROOT = mk_role(B, "deploy", allow("*"), trust=trust_in(f"arn:aws:iam::{A}:root"))


def test_a_task_role_allowed_by_both_sides_reaches_the_other_accounts_admin():
    app = mk_role(A, "app", allow("sts:AssumeRole", arn(B, "deploy")))
    view = accounts(org(), {A: [app], B: [ADMIN_B_ROOT]}, {A: app})
    assert starts(view) == {(app.arn, ADMIN_B_ROOT.arn)}
    [p] = view.paths
    assert not p["conditional"] and p["steps"][0]["action"] == "sts:AssumeRole"
    assert any(":service/c/app" in c for c in p["carried_by"])


def test_near_misses_stay_quiet():
    # the caller's own policy does not allow the call (a root trust needs it)
    idle = mk_role(A, "app", allow("s3:GetObject"))
    assert not accounts(org(), {A: [idle], B: [ADMIN_B_ROOT]}, {A: idle}).paths
    # the trust names another role of A, not this one
    app = mk_role(A, "app", allow("sts:AssumeRole", "*"))
    other = mk_role(B, "deploy", allow("*"), trust=trust_in(arn(A, "someone-else")))
    assert not accounts(org(), {A: [app], B: [other]}, {A: app}).paths
    # the target is not admin
    weak = mk_role(B, "deploy", allow("s3:GetObject"), trust=trust_in(f"arn:aws:iam::{A}:root"))
    assert not accounts(org(), {A: [app], B: [weak]}, {A: app}).paths
    # an SCP on A denies sts:AssumeRole into B
    deny = OrgPolicy(
        "p-d",
        "no-b",
        SCP,
        policy({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{B}:role/*"}),
        (A,),
    )
    assert not accounts(org(deny), {A: [app], B: [ADMIN_B_ROOT]}, {A: app}).paths
    # an RCP on B lets only its own OU's principals in
    perimeter = OrgPolicy(
        "p-r",
        "own-only",
        RCP,
        policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalAccount": B}},
            }
        ),
        (B,),
    )
    assert not accounts(org(perimeter), {A: [app], B: [ADMIN_B_ROOT]}, {A: app}).paths


def test_a_trust_naming_the_role_and_a_condition_make_a_conditional_path():
    app = mk_role(A, "app", allow("sts:AssumeRole", "*"))
    named = mk_role(
        B, "deploy", allow("*"), trust=trust_in(app.arn, StringEquals={"aws:PrincipalTag/team": "x"})
    )
    view = accounts(org(), {A: [app], B: [named]}, {A: app})
    [p] = view.paths
    assert p["conditional"] and p["steps"][0]["decision"] == "conditional"


def test_paths_of_any_length_across_three_accounts():
    """A's task role -> B's hop role (not admin) -> C's admin, which trusts only B's hop."""
    app = mk_role(A, "app", allow("sts:AssumeRole", arn(B, "hop")))
    hop = mk_role(B, "hop", allow("sts:AssumeRole", arn(C, "admin")), trust=trust_in(app.arn))
    admin = mk_role(C, "admin", allow("*"), trust=trust_in(hop.arn))
    view = accounts(org(), {A: [app], B: [hop], C: [admin]}, {A: app})
    path = next(p for p in view.paths if p["start"] == app.arn)
    assert path["target"] == admin.arn
    assert [s["to"] for s in path["steps"]] == [hop.arn, admin.arn]
    assert (hop.arn, admin.arn) in starts(view)  # B's hop makes a cross-account step itself


def test_trust_outside_the_organisation_without_external_id():
    vendor = mk_role(
        A,
        "app",
        allow("s3:GetObject"),
        trust={
            "Version": "2012-10-17",
            "Statement": [ECS_TRUST["Statement"][0], trust_in(f"arn:aws:iam::{OUT}:root")["Statement"][0]],
        },
    )
    view = accounts(org(), {A: [vendor]}, {A: vendor})
    assert [(t["role"], t["account"]) for t in view.outside_trusts] == [(vendor.arn, OUT)]
    guarded = replace(
        vendor,
        trust_policy={
            "Version": "2012-10-17",
            "Statement": [
                ECS_TRUST["Statement"][0],
                trust_in(f"arn:aws:iam::{OUT}:root", StringEquals={"sts:ExternalId": "abc"})["Statement"][0],
            ],
        },
    )
    assert not accounts(org(), {A: [guarded]}, {A: guarded}).outside_trusts
    # a member account is inside the organisation; a role ECS does not use is not judged
    member = replace(vendor, trust_policy=trust_in(f"arn:aws:iam::{B}:root"))
    assert not accounts(org(), {A: [member]}, {A: member}).outside_trusts
    unused = mk_role(A, "other", trust=trust_in(f"arn:aws:iam::{OUT}:root"))
    assert not accounts(org(), {A: [unused]}).outside_trusts
