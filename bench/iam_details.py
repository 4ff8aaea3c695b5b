"""A GetAccountAuthorizationDetails file with N roles (1-3 inline and 1-2 managed policies each;
admin via "*" and "*:*", PassRole, secrets, service wildcards; ECS, EC2 and cross-account trust),
and the ground truth of what each role holds, for the side-by-side IAM-only benchmark."""

from __future__ import annotations

import json
import random
from pathlib import Path

from bench.synthetic import ACCT, ACTIONS, SERVICES, resource

TRUSTS = [{"Service": "ecs-tasks.amazonaws.com"}, {"Service": "ec2.amazonaws.com"},
          {"AWS": "arn:aws:iam::999988887777:root"}]


def statement(rnd: random.Random, truth: set[str]) -> dict:
    roll = rnd.random()
    if roll < 0.01:
        truth.add("admin")
        return {"Effect": "Allow", "Action": rnd.choice(["*", "*:*"]), "Resource": "*"}
    if roll < 0.04:
        truth.add("passrole")
        return {"Effect": "Allow", "Action": ["iam:PassRole", "ecs:RunTask"], "Resource": "*"}
    if roll < 0.08:
        truth.add("secrets")
        return {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    if roll < 0.16:
        truth.add("wildcard")
        return {"Effect": "Allow", "Action": f"{rnd.choice(SERVICES[:6])}:*", "Resource": "*"}
    svc = rnd.choice(SERVICES)
    return {"Effect": "Allow", "Action": [f"{svc}:{a}" for a in rnd.sample(ACTIONS[svc], 1)],
            "Resource": resource(svc, rnd)}


def doc(statements: list[dict]) -> dict:
    return {"Version": "2012-10-17", "Statement": statements}


def write_details(n_roles: int, path: Path, seed: int = 5) -> dict[str, set[str]]:
    """Write the file; return role name -> what it holds ("admin", "passrole", ...)."""
    rnd = random.Random(seed)
    n_policies = max(1, n_roles // 5)
    managed, managed_truth = [], []
    for i in range(n_policies):
        t: set[str] = set()
        d = doc([statement(rnd, t) for _ in range(rnd.randint(1, 3))])
        managed_truth.append(t)
        managed.append({"PolicyName": f"m{i}", "PolicyId": f"ANPA{i:016d}", "Path": "/",
                        "Arn": f"arn:aws:iam::{ACCT}:policy/m{i}", "DefaultVersionId": "v1",
                        "AttachmentCount": 1, "IsAttachable": True, "CreateDate": "2026-01-01T00:00:00Z",
                        "UpdateDate": "2026-01-01T00:00:00Z",
                        "PolicyVersionList": [{"Document": d, "VersionId": "v1", "IsDefaultVersion": True,
                                               "CreateDate": "2026-01-01T00:00:00Z"}]})
    roles, truth = [], {}
    for i in range(n_roles):
        t: set[str] = set()
        inline = [{"PolicyName": f"in{j}", "PolicyDocument": doc([statement(rnd, t)])}
                  for j in range(rnd.randint(1, 3))]
        attached = rnd.sample(range(n_policies), min(n_policies, rnd.randint(1, 2)))
        for k in attached:
            t |= managed_truth[k]
        truth[f"r{i}"] = t
        trust = doc([{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": rnd.choice(TRUSTS)}])
        roles.append({"RoleName": f"r{i}", "RoleId": f"AROA{i:016d}", "Path": "/",
                      "Arn": f"arn:aws:iam::{ACCT}:role/r{i}", "CreateDate": "2026-01-01T00:00:00Z",
                      "AssumeRolePolicyDocument": trust, "InstanceProfileList": [], "Tags": [],
                      "RolePolicyList": inline, "RoleLastUsed": {},
                      "AttachedManagedPolicies": [{"PolicyName": f"m{k}",
                                                   "PolicyArn": f"arn:aws:iam::{ACCT}:policy/m{k}"}
                                                  for k in attached]})
    path.write_text(json.dumps({"RoleDetailList": roles, "UserDetailList": [], "GroupDetailList": [],
                                "Policies": managed}))
    return truth


def missed(findings: list[dict], truth: dict[str, set[str]]) -> dict[str, int]:
    """False negatives of an ecs-auditor run against the ground truth, per kind."""
    by_role: dict[str, set[str]] = {}
    for f in findings:
        name = f["resource_arn"].rsplit("/", 1)[-1]
        got = by_role.setdefault(name, set())
        if f["rule_id"] == "I101":
            got |= {"admin", "passrole", "secrets", "wildcard"}  # admin implies the rest
        elif f["rule_id"] == "I104" and "secretsmanager:GetSecretValue" in f["evidence"].get("actions", []):
            got.add("secrets")
        elif f["rule_id"] == "I102":
            got.add("wildcard")
        elif f["rule_id"] == "I106" and "iam:PassRole" in f["evidence"].get("actions", []):
            got.add("passrole")
    out = {"admin": 0, "passrole": 0, "secrets": 0, "wildcard": 0}
    for name, held in truth.items():
        for kind in held - by_role.get(name, set()):
            out[kind] += 1
    return out
