"""Pushing to a mutable tag that a stronger task pulls (HackTricks' ECS post-exploitation and
pathfinding.cloud's image-substitution paths): a principal that may push to the account's ECR
repository becomes the task role of every task definition pulling that repository by a mutable
tag, once a new task starts. Pushing takes the layer uploads and PutImage on the repository and
GetAuthorizationToken (ECR User Guide, "Pushing a Docker image"). Near misses stay quiet."""

from __future__ import annotations

from dataclasses import replace

from auditor.audit import audit
from auditor.model import ContainerDefinition, ResourcePolicy
from tests.builders import ACCT, R, allow, inventory, policy, role, service, task_def

REPO = f"arn:aws:ecr:{R}:{ACCT}:repository/app"
PUSH = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
]


def account(
    image=f"{ACCT}.dkr.ecr.{R}.amazonaws.com/app:latest", mutability="MUTABLE", push=PUSH, repo_policy=None
):
    admin = role("app-task", allow("*"))
    ci = role("ci", allow(push, "*"))
    td = task_def(
        "app",
        task_role=admin,
        compat=("FARGATE",),
        containers=(ContainerDefinition(name="app", image=image),),
    )
    repo = ResourcePolicy(
        REPO, "ecr", R, "app", repo_policy, "present" if repo_policy else "none", tag_mutability=mutability
    )
    return (
        inventory(
            roles=[admin, ci], tds=[td], services=[service("app", td, "FARGATE")], resource_policies=(repo,)
        ),
        ci,
        admin,
    )


def i304(inv, who):
    return [f for f in audit(inv).findings if f.rule_id == "I304" and f.resource_arn == who]


def test_a_pusher_becomes_the_task_role_of_what_pulls_a_mutable_tag():
    inv, ci, admin = account()
    [f] = i304(inv, ci.arn)
    [path] = f.evidence["paths"]
    assert path["target_role"] == admin.arn and path["steps"][0]["action"] == "ecr:PutImage"
    assert path["steps"][0]["decision"] == "conditional" and f.severity != "high"  # waits for a new task
    who = audit(inv).who_can("iam:CreateUser")
    entry = next(e for e in who.principals if e.arn == ci.arn)
    assert entry.via_role == admin.arn and entry.path[0]["resource"] == REPO


def test_near_misses():
    assert not i304(account(mutability="IMMUTABLE")[0], account()[1].arn)
    assert not i304(
        account(image=f"{ACCT}.dkr.ecr.{R}.amazonaws.com/app@sha256:" + "a" * 64)[0], account()[1].arn
    )
    assert not i304(account(push=[a for a in PUSH if a != "ecr:UploadLayerPart"])[0], account()[1].arn)
    deny = policy({"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage", "Resource": "*"})
    assert not i304(account(repo_policy=deny)[0], account()[1].arn)
    # another account's repository is not this account's to push to
    inv, ci, _ = account(image=f"999988887777.dkr.ecr.{R}.amazonaws.com/app:latest")
    assert not i304(inv, ci.arn)
    # an unknown mutability (the repository was not read) is not assumed mutable
    inv, ci, _ = account()
    assert not i304(replace(inv, resource_policies=()), ci.arn)
