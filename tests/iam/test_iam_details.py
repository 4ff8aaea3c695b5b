"""`audit --iam-details`: what `aws iam get-account-authorization-details --output json` prints is
the IAM part of an audit; with no snapshot it is an IAM-only audit of every role and user."""

from __future__ import annotations

import json

from tests.conftest import run_cli

ACCT = "210987654321"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}


def role(name, *statements):
    return {"RoleName": name, "RoleId": "AROA" + name.upper(), "Path": "/",
            "Arn": f"arn:aws:iam::{ACCT}:role/{name}", "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": TRUST, "InstanceProfileList": [], "AttachedManagedPolicies": [],
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": list(statements)}}], "Tags": []}


def details():
    user = {"UserName": "deployer", "UserId": "AIDADEPLOYER", "Path": "/",
            "Arn": f"arn:aws:iam::{ACCT}:user/deployer", "CreateDate": "2026-01-01T00:00:00Z",
            "GroupList": [], "AttachedManagedPolicies": [], "Tags": [],
            "UserPolicyList": [{"PolicyName": "deploy", "PolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"],
                               "Resource": "*"}]}}]}
    return {"UserDetailList": [user], "GroupDetailList": [], "Policies": [],
            "RoleDetailList": [role("star-star", {"Effect": "Allow", "Action": "*:*", "Resource": "*"}),
                               role("reader", {"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": "arn:aws:s3:::b/*"})]}


def findings_of(tmp_path, *files):
    proc = run_cli("audit", "--iam-details", *map(str, files), "--output", str(tmp_path / "o"),
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp_path / "o" / "findings.json").read_text())


def test_an_iam_only_audit_judges_every_role_and_user(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps(details()))
    doc = findings_of(tmp_path, tmp_path / "d.json")
    assert doc["account_id"] == ACCT
    got = {(f["rule_id"], f["resource_arn"].rsplit("/", 1)[1]) for f in doc["findings"]}
    # A literal "*:*" is admin (IAM User Guide: "*" in the service prefix matches every service).
    assert ("I101", "star-star") in got
    assert ("I103", "deployer") in got  # PassRole + RunInstances, a user
    assert not any(name == "reader" and code[:2] == "I1" for code, name in got)
    f = next(f for f in doc["findings"] if f["rule_id"] == "I101")
    assert f["evidence"]["ecs_uses"] is False and "not used by ECS" in f["message"]


def test_paged_files_give_the_same_audit(tmp_path):
    d = details()
    page1 = {**d, "RoleDetailList": d["RoleDetailList"][:1], "IsTruncated": True, "Marker": "m"}
    page2 = {**d, "RoleDetailList": d["RoleDetailList"][1:], "UserDetailList": [], "IsTruncated": False}
    (tmp_path / "p1.json").write_text(json.dumps(page1))
    (tmp_path / "p2.json").write_text(json.dumps(page2))
    (tmp_path / "d.json").write_text(json.dumps(d))
    paged = findings_of(tmp_path, tmp_path / "p1.json", tmp_path / "p2.json")["findings"]
    whole = findings_of(tmp_path, tmp_path / "d.json")["findings"]
    assert sorted(f["fingerprint"] for f in paged) == sorted(f["fingerprint"] for f in whole)


def test_a_file_that_is_not_authorization_details_is_one_line(tmp_path):
    (tmp_path / "x.json").write_text('{"Roles": []}')
    proc = run_cli("audit", "--iam-details", str(tmp_path / "x.json"), "--output", str(tmp_path / "o"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "not an authorization-details document" in proc.stderr


def test_an_offline_audit_loads_no_aws_client(tmp_path):
    """An audit of a file makes no AWS call, so it does not pay for loading boto3 (a tenth of a
    large IAM-only audit's time); `auditor.collect` still gives the collector when asked."""
    import subprocess
    import sys

    (tmp_path / "d.json").write_text(json.dumps(details()))
    code = ("import sys; from auditor.cli import main\n"
            f"code = main(['audit', '--iam-details', {str(tmp_path / 'd.json')!r}, '--output', "
            f"{str(tmp_path / 'o')!r}, '--format', 'json', '--quiet'])\n"
            "print(code, sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
            "import auditor.collect; print(auditor.collect.CollectOptions.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["0 []", "CollectOptions"], out.stdout + out.stderr
