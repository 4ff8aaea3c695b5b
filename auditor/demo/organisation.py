"""An AWS Organization on a moto server, through boto3: the management account, OUs, member
accounts with small ECS workloads, SCPs and an RCP, a cross-account trust from one member's
task role into another member's admin role, and a role trusting an outside account.

moto creates each member's OrganizationAccountAccessRole and hands out credentials for it
that address the member (it enforces neither trust policies nor SCPs: the auditor's engine
does that, offline)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import boto3
from botocore.config import Config

from auditor.demo.server import FAKE_CREDS

MEMBER_ROLE = "OrganizationAccountAccessRole"
OUTSIDE = "999988887777"  # a vendor's account, not in the organisation
REGION = "us-east-1"
ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
DENY_USERS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "NoIamUsers",
            "Effect": "Deny",
            "Action": ["iam:CreateUser", "iam:CreateAccessKey"],
            "Resource": "*",
        }
    ],
}
US_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideUsEast1",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
        }
    ],
}


@dataclass
class DemoOrg:
    endpoint: str
    management: str = ""
    org_id: str = ""
    ous: dict[str, str] = field(default_factory=dict)  # name -> id
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id
    roles: dict[str, str] = field(default_factory=dict)  # what the tests look for


def _client(session, service: str, endpoint: str):
    return session.client(
        service, region_name=REGION, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1})
    )


def member(endpoint: str, account: str) -> boto3.session.Session:
    sts = _client(boto3.session.Session(**FAKE_CREDS), "sts", endpoint)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}", RoleSessionName="seed")[
        "Credentials"
    ]
    return boto3.session.Session(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
        region_name=REGION,
    )


def _workload(
    session, endpoint: str, name: str, task_role_policy: dict | None = None, trust: dict = ECS_TRUST
) -> str:
    iam = _client(session, "iam", endpoint)
    role = iam.create_role(RoleName=f"{name}-task", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if task_role_policy:
        iam.put_role_policy(
            RoleName=f"{name}-task", PolicyName="app", PolicyDocument=json.dumps(task_role_policy)
        )
    ecs = _client(session, "ecs", endpoint)
    ecs.create_cluster(clusterName=name)
    td = ecs.register_task_definition(
        family=name,
        taskRoleArn=role,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    ec2 = _client(session, "ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{name}-tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ecs.create_service(
        cluster=name,
        serviceName=name,
        taskDefinition=td,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )
    return role


def _admin_role(iam, name: str, trusted_account: str) -> str:
    """A role with Allow * on *, which every principal of `trusted_account` may assume (if its
    own policies let it)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="admin",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    return arn


def build_organisation(endpoint: str, members: int = 12, team_workloads: bool = False) -> DemoOrg:
    """`members` accounts (at least 4) in three OUs: Workloads (with a nested Sandbox),
    Platform and Security; with `team_workloads` every team account runs a service too."""
    mgmt = boto3.session.Session(**FAKE_CREDS, region_name=REGION)
    orgs = _client(mgmt, "organizations", endpoint)
    out = DemoOrg(endpoint)
    info = orgs.create_organization(FeatureSet="ALL")["Organization"]
    out.org_id, out.management = info["Id"], info["MasterAccountId"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    for kind in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        try:
            orgs.enable_policy_type(RootId=root, PolicyType=kind)
        except orgs.exceptions.ClientError:
            pass  # enabled already
    for name, parent in (("Workloads", root), ("Platform", root), ("Security", root)):
        out.ous[name] = orgs.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"][
            "Id"
        ]
    out.ous["Sandbox"] = orgs.create_organizational_unit(ParentId=out.ous["Workloads"], Name="Sandbox")[
        "OrganizationalUnit"
    ]["Id"]
    homes = ["Workloads", "Platform", "Security", "Sandbox"]
    names = ["tooling", "prod", "audit", "sandbox"] + [f"team-{i}" for i in range(max(0, members - 4))]
    for i, name in enumerate(names):
        status = orgs.create_account(
            AccountName=name,
            Email=f"{name}@example.com",
            Tags=[{"Key": "env", "Value": "prod" if name == "prod" else "dev"}],
        )
        account = status["CreateAccountStatus"]["AccountId"]
        out.accounts[name] = account
        orgs.move_account(AccountId=account, SourceParentId=root, DestinationParentId=out.ous[homes[i % 4]])

    def scp(name: str, doc: dict, target: str, kind: str = "SERVICE_CONTROL_POLICY") -> None:
        pid = orgs.create_policy(Name=name, Description=name, Type=kind, Content=json.dumps(doc))["Policy"][
            "PolicySummary"
        ]["Id"]
        orgs.attach_policy(PolicyId=pid, TargetId=target)

    scp("deny-iam-users", DENY_USERS, out.ous["Workloads"])
    scp("us-east-1-only", US_ONLY, out.ous["Sandbox"])
    scp(
        "org-perimeter",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OnlyOrgPrincipals",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["s3:*", "sts:AssumeRole"],
                    "Resource": "*",
                    "Condition": {
                        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": out.org_id},
                        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                    },
                }
            ],
        },
        out.ous["Security"],
        "RESOURCE_CONTROL_POLICY",
    )

    tooling, prod = out.accounts["tooling"], out.accounts["prod"]
    deployer = f"arn:aws:iam::{prod}:role/deployer"
    # tooling: a CI runner's task role that may assume prod's deployer
    out.roles["ci-runner"] = _workload(
        member(endpoint, tooling),
        endpoint,
        "ci-runner",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": deployer}],
        },
    )
    # tooling: its operators' admin role (the Workloads OU's SCP still forbids IAM users)
    out.roles["ops"] = _admin_role(_client(member(endpoint, tooling), "iam", endpoint), "ops", tooling)
    # prod: the deployer is admin and trusts the whole tooling account
    p = member(endpoint, prod)
    _admin_role(_client(p, "iam", endpoint), "deployer", tooling)
    out.roles["deployer"] = deployer
    out.roles["web"] = _workload(
        p,
        endpoint,
        "web",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-assets/*"}
            ],
        },
    )
    # audit: a task role a vendor's account may assume, with no external id
    out.roles["vendor-scanner"] = _workload(
        member(endpoint, out.accounts["audit"]),
        endpoint,
        "vendor-scanner",
        None,
        {
            "Version": "2012-10-17",
            "Statement": [
                ECS_TRUST["Statement"][0],
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"},
                    "Action": "sts:AssumeRole",
                },
            ],
        },
    )
    out.roles["sandbox"] = _workload(member(endpoint, out.accounts["sandbox"]), endpoint, "sandbox")
    for name, account in out.accounts.items() if team_workloads else ():
        if name.startswith("team-"):
            _workload(
                member(endpoint, account),
                endpoint,
                name,
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}
                    ],
                },
            )
    return out
