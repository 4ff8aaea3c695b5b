"""Rules N101–N102: network exposure and visibility."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.reads import CLUSTERS, SERVICES


@rule("N101", "service-public-ip", "medium", "Service tasks get public IP addresses",
      reads=SERVICES, subjects="service", controls=("aws-fsbp:ECS.2",))
def public_ip(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds services whose awsvpcConfiguration.assignPublicIp is ENABLED, or
    that have a task set (EXTERNAL or CODE_DEPLOY deployment controller) whose own network
    configuration enables it.

    Why is this bad: Each task is reachable from the internet, limited only by its security group.

    Example: A Fargate service in public subnets with assignPublicIp ENABLED to pull images.

    Remediation: Run tasks in private subnets (NAT or VPC endpoints for pulls) behind a load
    balancer.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/networking-outbound.html
    """
    for s in ctx.inv.services:
        if s.assign_public_ip == "ENABLED":
            yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                      message=f"Service {s.name} assigns public IP addresses to its tasks.",
                      evidence={"subnets": list(s.subnets)}, related_arns=(s.task_definition_arn,))
        for t in s.task_sets:
            if t.assign_public_ip == "ENABLED":
                yield Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region,
                          message=f"Task set {t.arn.rsplit('/', 1)[-1]} of service {s.name} assigns public "
                                  "IP addresses to its tasks.",
                          evidence={"task_set": t.arn, "subnets": list(t.subnets), "status": t.status},
                          related_arns=(t.arn, t.task_definition_arn), key=t.arn)


@rule("N102", "cluster-container-insights-disabled", "low", "Container Insights is off",
      reads=CLUSTERS, subjects="cluster", controls=("aws-fsbp:ECS.12",))
def insights_disabled(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds clusters whose containerInsights setting is not enabled or enhanced.

    Why is this bad: No per-task metrics for capacity planning and incident response.

    Example: A cluster created without settings.

    Remediation: aws ecs update-cluster-settings --settings name=containerInsights,value=enabled.

    References:
    - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContainerInsights.html
    """
    for c in ctx.inv.clusters:
        value = c.settings.get("containerInsights", "disabled")
        if value not in ("enabled", "enhanced"):
            yield Hit(resource_arn=c.arn, resource_type="ecs-cluster", region=c.region,
                      message=f"Cluster {c.name} has Container Insights {value}.",
                      evidence={"containerInsights": value})
