"""The fewest API calls that can read an account, batching at each API's maximum; the collector's
call counts are compared with this (plus pagination) in the tests and the benchmark."""

from __future__ import annotations

import math
from collections import Counter

from auditor.model import Inventory


def lower_bound(inv: Inventory, metrics: bool = True, listing_gives_region: bool = False) -> Counter:
    by_cluster = Counter(s.cluster_arn for s in inv.services)
    ci_by_cluster = Counter(c.cluster_arn for c in inv.container_instances)
    tasks_by_cluster = Counter(t.cluster_arn for t in inv.tasks)
    n = len(inv.clusters)
    regions = max(1, len(inv.regions))
    elbv2 = [lb for lb in inv.load_balancers if lb.type != "classic"]
    fs = len(inv.file_systems)
    bound = Counter({
        "sts:GetCallerIdentity": 1,
        "iam:GetAccountAuthorizationDetails": 1,
        "ecs:ListClusters": regions,
        "ecs:DescribeClusters": math.ceil(n / 100),
        "ecs:ListServices": n,
        "ecs:DescribeServices": sum(math.ceil(v / 10) for v in by_cluster.values()),
        "ecs:ListContainerInstances": n,
        "ecs:DescribeContainerInstances": sum(math.ceil(v / 100) for v in ci_by_cluster.values()),
        "ecs:ListTasks": n,
        "ecs:DescribeTasks": sum(math.ceil(v / 100) for v in tasks_by_cluster.values()),
        "ecs:ListTaskDefinitions": regions,
        "ecs:DescribeTaskDefinition": len(inv.task_definitions),
        "ec2:DescribeInstances": math.ceil(len(inv.ec2_instances) / 200),
        "ec2:DescribeSubnets": math.ceil(len(inv.subnets) / 200),
        "ec2:DescribeSecurityGroups": math.ceil(len(inv.security_groups) / 200),
        "elbv2:DescribeTargetGroups": math.ceil(len(inv.target_groups) / 20),
        "elbv2:DescribeLoadBalancers": math.ceil(len(elbv2) / 20),
        "elbv2:DescribeListeners": len(elbv2),
        "elb:DescribeLoadBalancers": math.ceil(sum(lb.type == "classic" for lb in inv.load_balancers) / 20),
        "efs:DescribeFileSystems": fs,
        "efs:DescribeMountTargets": fs,
        "efs:DescribeAccessPoints": fs,
        "efs:DescribeFileSystemPolicy": fs,
        "efs:DescribeMountTargetSecurityGroups": sum(len(f.mount_targets) for f in inv.file_systems),
        "ecr:BatchGetImage": len(_fargate_x86_repositories(inv)),
        "cloudwatch:GetMetricData": math.ceil(len(inv.services) / 75) if metrics else 0,
    })
    bound.update(_resource_policy_bound(inv, regions, listing_gives_region))
    return +bound  # drop zero entries


def _resource_policy_bound(inv: Inventory, regions: int, listing_gives_region: bool) -> Counter:
    """Per bucket, secret, queue, topic and repository: one read of its policy (and, for a
    bucket, its Block Public Access and encryption); per KMS key named anywhere, one describe,
    and per key its policy and grants; parameters described 50 names a call."""
    from auditor.collect.ssm import parameter_name
    from auditor.facts.images import ecr_repository

    kind = Counter(r.service for r in inv.resource_policies)
    buckets = kind["s3"]
    names_by_region: dict[str, set] = {}
    repos_by_region: dict[str, set] = {}
    for td in inv.task_definitions:
        for c in td.containers:
            names_by_region.setdefault(td.region, set()).update(
                parameter_name(ref.value_from) for ref in c.secrets
                if ":secretsmanager:" not in ref.value_from)
            repo = ecr_repository(c.image)
            if repo and repo[0] == inv.account_id and repo[1] == td.region:
                repos_by_region.setdefault(td.region, set()).add(repo[2])
    refs = {(r.region, r.kms_key_id) for r in inv.resource_policies if r.kms_key_id}
    refs |= {(p.region, p.key_id) for p in inv.parameters if p.key_id}
    refs |= {(f.region, f.kms_key_id) for f in inv.file_systems if f.kms_key_id}
    refs |= {(g.region, g.kms_key_id) for g in inv.log_groups if g.kms_key_id}
    groups_by_region: dict[str, set] = {}
    for td in inv.task_definitions:
        for c in td.containers:
            opts = (c.log_configuration or {}).get("options") or {}
            if (c.log_configuration or {}).get("logDriver") == "awslogs" and opts.get("awslogs-group"):
                groups_by_region.setdefault(opts.get("awslogs-region") or td.region, set()).add(
                    opts["awslogs-group"])
    return Counter({
        "s3:ListBuckets": 1,
        # moto's listing does not give each bucket's region (AWS's does, since 2024)
        "s3:GetBucketLocation": 0 if listing_gives_region else buckets,
        "s3:GetBucketPolicy": buckets, "s3:GetPublicAccessBlock": buckets, "s3:GetBucketEncryption": buckets,
        "s3control:GetPublicAccessBlock": 1,
        "secretsmanager:ListSecrets": regions, "secretsmanager:GetResourcePolicy": kind["secretsmanager"],
        "sqs:ListQueues": regions, "sqs:GetQueueAttributes": kind["sqs"],
        "sns:ListTopics": regions, "sns:GetTopicAttributes": kind["sns"],
        "ssm:DescribeParameters": sum(math.ceil(len(n) / 50) for n in names_by_region.values()),
        "ecr:DescribeRepositories": sum(math.ceil(len(n) / 100) for n in repos_by_region.values()),
        "ecr:GetRepositoryPolicy": kind["ecr"],
        "logs:DescribeLogGroups": sum(math.ceil(len(n) / 50) for n in groups_by_region.values()),
        "kms:DescribeKey": len(refs), "kms:GetKeyPolicy": len(inv.kms_keys),
        "kms:ListGrants": len(inv.kms_keys),
    })


def _fargate_x86_repositories(inv: Inventory) -> set[tuple]:
    """ECR repositories (of this account, in their region) of x86 Linux Fargate services' images."""
    from auditor.facts.images import ecr_repository

    out = set()
    for s in inv.services:
        td = inv.index.task_definition.get(s.task_definition_arn)
        if not s.uses_fargate or td is None or td.is_windows or \
                (td.cpu_architecture or "X86_64") != "X86_64":
            continue
        for c in td.containers:
            repo = ecr_repository(c.image)
            if repo and repo[0] == inv.account_id and repo[1] == td.region:
                out.add(repo)
    return out
