"""Reading an ARN's parts where several layers need them."""

from __future__ import annotations


def account_of(arn: str, default: str = "") -> str:
    """The account field of an ARN (`default` when it has none: an S3 bucket, a bare name)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else default


def in_cluster(cluster_arn: str, kind: str) -> str:
    """The ARN of a `kind` (task, container-instance) of the cluster not yet known, as a request
    for one names it: arn:aws:ecs:r:a:task/NAME/ID (ECS ids are 32 hex digits)."""
    prefix, name = cluster_arn.split(":cluster/", 1) if ":cluster/" in cluster_arn else (cluster_arn, "*")
    return f"{prefix}:{kind}/{name}/{'0' * 32}"
