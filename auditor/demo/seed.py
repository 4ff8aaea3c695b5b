"""Seed a realistic small company's ECS account into a moto server, through boto3.

Good and bad practice mixed as in life: most services are clean; a few carry the classic
mistakes the auditor exists to find. moto's gaps are worked around here, never in the collector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from auditor.demo.server import DEMO_ACCOUNT, DEMO_REGION, local_client, local_session

ACCT = DEMO_ACCOUNT
REGION = DEMO_REGION
PARTNER = "999988887777"  # another company's account that the demo shares with
ECR = f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com"
DIGEST = "@sha256:" + "ab" * 32
WEB_TAG = "1.4.2"

# Values planted in the demo so tests can prove they never reach an output file.
PLANTED_SECRETS = (
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",    # looks like an AWS secret access key
    "AKIAIOSFODNN7EXAMPLE",                         # looks like an AWS access key id
    "Sup3r-S3cret-Passw0rd!",                       # a database password
)

ECS_TRUST_GUARDED = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole",
    "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCT}:*"},
                  "StringEquals": {"aws:SourceAccount": ACCT}}}]}
ECS_TRUST_OPEN = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def allow(actions: list[str] | str, resources: list[str] | str = "*", **extra: Any) -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources, **extra}]}


@dataclass
class Seeded:
    """What was created, for tests and the demo summary."""

    endpoint: str
    vpc: str = ""
    subnets: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    task_definitions: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    target_groups: dict[str, str] = field(default_factory=dict)
    load_balancers: dict[str, str] = field(default_factory=dict)
    file_systems: dict[str, str] = field(default_factory=dict)
    access_points: dict[str, str] = field(default_factory=dict)


class Seeder:
    def __init__(self, endpoint: str) -> None:
        self.session = local_session(REGION)
        self.endpoint = endpoint
        self.s = Seeded(endpoint)

    def client(self, name: str) -> Any:
        return local_client(self.session, name, self.endpoint)

    # --- network ------------------------------------------------------------------------
    def network(self) -> None:
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # moto's run_task for awsvpc needs DNS hostnames on the VPC.
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.s.vpc = vpc
        for name, cidr, az in (("public-a", "10.0.0.0/24", "a"), ("public-b", "10.0.1.0/24", "b"),
                               ("private-a", "10.0.10.0/24", "a"),
                               ("private-b", "10.0.11.0/24", "b")):
            self.s.subnets[name] = ec2.create_subnet(
                VpcId=vpc, CidrBlock=cidr, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for name in ("alb", "tasks", "instances", "efs", "efs-closed"):
            self.s.groups[name] = ec2.create_security_group(
                GroupName=f"{name}-sg", Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=self.s.groups["efs"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [
                {"GroupId": self.s.groups["tasks"]}, {"GroupId": self.s.groups["instances"]}]}])
        ec2.authorize_security_group_ingress(GroupId=self.s.groups["efs-closed"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        ec2.authorize_security_group_ingress(GroupId=self.s.groups["alb"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    # --- IAM ------------------------------------------------------------------------------
    def role(self, name: str, trust: dict, inline: dict[str, dict] | None = None,
             managed: tuple[str, ...] = (), boundary: str | None = None) -> str:
        iam = self.client("iam")
        kwargs = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                              **kwargs)["Role"]["Arn"]
        for pname, doc in (inline or {}).items():
            iam.put_role_policy(RoleName=name, PolicyName=pname, PolicyDocument=json.dumps(doc))
        for m in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=m)
        self.s.roles[name] = arn
        return arn

    def iam(self) -> None:
        exec_policy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        secret = f"arn:aws:secretsmanager:{REGION}:{ACCT}:secret:prod/db-*"
        self.role("ecs-task-execution", ECS_TRUST_GUARDED, managed=(exec_policy,), inline={
            "read-app-secrets": allow("secretsmanager:GetSecretValue", secret)})
        self.role("legacy-execution", ECS_TRUST_OPEN, managed=(exec_policy,), inline={
            "artifacts": allow("s3:*", "*")})
        self.role("web-task", ECS_TRUST_GUARDED, inline={
            "assets": allow(["s3:GetObject", "s3:ListBucket"],
                            ["arn:aws:s3:::acme-web-assets", "arn:aws:s3:::acme-web-assets/*"])})
        self.role("api-task", ECS_TRUST_GUARDED, inline={
            "orders": allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                            f"arn:aws:dynamodb:{REGION}:{ACCT}:table/orders"),
            # "to trigger deploys": the API may become the CI helper, which can run any task
            # role on ECS. A path of two hops from an internet-facing service to admin.
            "deploy-hook": allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/ci-helper")})
        self.role("ci-helper", {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
            "Action": "sts:AssumeRole"}]}, inline={
            "deploy": allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"], "*")})
        self.role("admin-tool-task", ECS_TRUST_GUARDED,
                  managed=("arn:aws:iam::aws:policy/AdministratorAccess",))
        self.role("worker-task", ECS_TRUST_OPEN, inline={
            "queue": allow(["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                           f"arn:aws:sqs:{REGION}:{ACCT}:jobs"),
            "reports": allow("s3:GetObject", "*")})
        # A batch scheduler that may launch tasks with any role: an escalation path.
        self.role("batch-task", ECS_TRUST_GUARDED, inline={
            "schedule": allow(["ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:DescribeTasks"]),
            "pass": allow("iam:PassRole", "*")})
        self.role("files-task", ECS_TRUST_GUARDED, inline={
            "efs": allow(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                         f"arn:aws:elasticfilesystem:{REGION}:{ACCT}:file-system/*")})
        self.role("ecs-instance", EC2_TRUST, managed=(
            "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",),
            inline={"ops-shortcut": allow(["s3:*", "ec2:*"], "*")})
        iam = self.client("iam")
        iam.create_instance_profile(InstanceProfileName="ecs-instance-profile")
        iam.add_role_to_instance_profile(InstanceProfileName="ecs-instance-profile",
                                         RoleName="ecs-instance")
        # A CI user that deploys: it may pass any role to ECS and run tasks.
        iam.create_user(UserName="ci-deployer")
        iam.put_user_policy(UserName="ci-deployer", PolicyName="deploy", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["ecs:RegisterTaskDefinition", "ecs:RunTask",
                                               "ecs:UpdateService", "ecs:Describe*"],
                 "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}]}))

    # --- data services ----------------------------------------------------------------------
    def data(self) -> None:
        # The database password is encrypted with a customer managed key whose policy names
        # only a key administrator: it does not delegate to IAM, so the execution role's
        # identity policies cannot grant kms:Decrypt (I202). Its secret policy also lets a
        # partner account read it (I401).
        kms = self.client("kms")
        key = kms.create_key(Description="app secrets", BypassPolicyLockoutSafetyCheck=True,
                             Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "KeyAdministrators", "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/admin-tool-task"},
                "Action": "kms:*", "Resource": "*"}]}))["KeyMetadata"]
        kms.create_alias(AliasName="alias/app-secrets", TargetKeyId=key["KeyId"])
        sm = self.client("secretsmanager")
        secret = sm.create_secret(Name="prod/db-password", SecretString=PLANTED_SECRETS[2],
                                  KmsKeyId="alias/app-secrets")["ARN"]
        sm.put_resource_policy(SecretId=secret, ResourcePolicy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "PartnerReporting", "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
        # Web assets are public (I402), the jobs queue takes messages from anyone (I402).
        s3 = self.client("s3")
        s3.create_bucket(Bucket="acme-web-assets")
        s3.put_bucket_policy(Bucket="acme-web-assets", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::acme-web-assets/*"},
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::acme-web-assets", "arn:aws:s3:::acme-web-assets/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
        # Reports: the worker may write only because the bucket policy says so, and nobody may
        # delete a report, although legacy-execution's own policy allows s3:* (a deny wins).
        s3.create_bucket(Bucket="acme-reports")
        s3.put_bucket_policy(Bucket="acme-reports", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "WorkerWrites", "Effect": "Allow", "Action": "s3:PutObject",
                 "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/worker-task"},
                 "Resource": "arn:aws:s3:::acme-reports/*"},
                {"Sid": "KeepReports", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
                 "Resource": "arn:aws:s3:::acme-reports/*"}]}))
        sqs = self.client("sqs")
        sqs.create_queue(QueueName="jobs", Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "AnyoneMaySubmit", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                "Resource": f"arn:aws:sqs:{REGION}:{ACCT}:jobs"}]})})
        logs = self.client("logs")
        # The API's logs are encrypted with their own key (default key policy: IAM decides).
        logs_key = kms.create_key(Description="api logs")["KeyMetadata"]
        kms.create_alias(AliasName="alias/api-logs", TargetKeyId=logs_key["KeyId"])
        logs.create_log_group(logGroupName="/ecs/api", kmsKeyId=logs_key["Arn"])
        for name in ("web", "admin-tool", "worker", "reports", "ingest", "legacy-web",
                     "cache-proxy", "batch", "files", "metrics-agent", "staging-api"):
            logs.create_log_group(logGroupName=f"/ecs/{name}")
        ecr = self.client("ecr")
        for repo in ("web", "api", "admin-tool", "worker", "reports", "ingest", "batch", "files",
                     "cache-proxy", "metrics-agent", "staging-api", "staging-cron"):
            ecr.create_repository(repositoryName=repo)
        # A build partner may push to the worker's repository: image substitution (I403).
        ecr.set_repository_policy(repositoryName="worker", policyText=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "PartnerBuilds", "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                           "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"]}]}))
        # The web image is built for both architectures (an image index), so Graviton fits it.
        index = {"schemaVersion": 2,
                 "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
                 "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                                "digest": "sha256:" + c * 64, "size": 1000,
                                "platform": {"architecture": arch, "os": "linux"}}
                               for c, arch in (("1", "amd64"), ("2", "arm64"))]}
        ecr.put_image(repositoryName="web", imageManifest=json.dumps(index), imageTag=WEB_TAG,
                      imageManifestMediaType=index["mediaType"])

    def efs(self) -> None:
        efs = self.client("efs")
        shared = efs.create_file_system(CreationToken="shared", Encrypted=True,
                                        Tags=[{"Key": "Name", "Value": "shared"}])["FileSystemId"]
        legacy = efs.create_file_system(CreationToken="legacy-reports", Encrypted=False,
                                        Tags=[{"Key": "Name", "Value": "legacy-reports"}]
                                        )["FileSystemId"]
        for subnet in ("private-a", "private-b"):
            efs.create_mount_target(FileSystemId=shared, SubnetId=self.s.subnets[subnet],
                                    SecurityGroups=[self.s.groups["efs"]])
        # The legacy file system only has a mount target in one AZ, behind a closed group.
        efs.create_mount_target(FileSystemId=legacy, SubnetId=self.s.subnets["private-a"],
                                SecurityGroups=[self.s.groups["efs-closed"]])
        ap = efs.create_access_point(FileSystemId=shared, RootDirectory={"Path": "/files"},
                                     PosixUser={"Uid": 1000, "Gid": 1000})["AccessPointId"]
        efs.put_file_system_policy(FileSystemId=shared, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": self.s.roles["files-task"]},
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
        self.s.file_systems.update(shared=shared, legacy=legacy)
        self.s.access_points["files"] = ap

    # --- load balancers ---------------------------------------------------------------------
    def load_balancers(self) -> None:
        elb = self.client("elbv2")
        pub = [self.s.subnets["public-a"], self.s.subnets["public-b"]]
        alb = elb.create_load_balancer(Name="public-alb", Subnets=pub, Scheme="internet-facing",
                                       SecurityGroups=[self.s.groups["alb"]], Type="application"
                                       )["LoadBalancers"][0]["LoadBalancerArn"]
        internal = elb.create_load_balancer(
            Name="internal-alb", Subnets=[self.s.subnets["private-a"], self.s.subnets["private-b"]],
            Scheme="internal", SecurityGroups=[self.s.groups["alb"]], Type="application"
        )["LoadBalancers"][0]["LoadBalancerArn"]
        nlb = elb.create_load_balancer(Name="ingest-nlb", Subnets=pub, Scheme="internet-facing",
                                       Type="network")["LoadBalancers"][0]["LoadBalancerArn"]
        self.s.load_balancers.update(public=alb, internal=internal, nlb=nlb)
        specs = {  # name: (protocol, port, target type, load balancer)
            "web": ("HTTP", 8080, "ip", alb), "api": ("HTTP", 8080, "ip", alb),
            "admin": ("HTTP", 8080, "ip", alb), "ingest": ("TCP", 9000, "ip", nlb),
            "cache": ("HTTP", 80, "instance", internal), "staging-api": ("HTTP", 8080, "ip", internal),
        }
        cert = self.client("acm").request_certificate(DomainName="www.acme.example")[
            "CertificateArn"]
        for name, (proto, port, ttype, lb) in specs.items():
            tg = elb.create_target_group(Name=f"{name}-tg", Protocol=proto, Port=port,
                                         VpcId=self.s.vpc, TargetType=ttype
                                         )["TargetGroups"][0]["TargetGroupArn"]
            self.s.target_groups[name] = tg
            if lb == alb and name != "web":
                continue  # reached through path rules on the HTTPS listener below
            if lb == alb:
                elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443,
                                    Certificates=[{"CertificateArn": cert}],
                                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
            else:
                elb.create_listener(LoadBalancerArn=lb, Protocol=proto, Port=port,
                                    DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        elb.create_rule(ListenerArn=elb.describe_listeners(LoadBalancerArn=alb)["Listeners"][0][
            "ListenerArn"], Priority=10, Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": self.s.target_groups["api"]}])
        elb.create_rule(ListenerArn=elb.describe_listeners(LoadBalancerArn=alb)["Listeners"][0][
            "ListenerArn"], Priority=20, Conditions=[{"Field": "path-pattern", "Values": ["/admin/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": self.s.target_groups["admin"]}])
        # Plain HTTP that forwards instead of redirecting to HTTPS.
        elb.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[
            {"Type": "forward", "TargetGroupArn": self.s.target_groups["admin"]}])
        self.client("elb").create_load_balancer(
            LoadBalancerName="legacy-clb", Subnets=pub, Scheme="internet-facing",
            SecurityGroups=[self.s.groups["alb"]],
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}])
        self.s.load_balancers["classic"] = "legacy-clb"
