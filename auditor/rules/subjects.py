"""What each rule checks: the resources in its scope, so a control can show PASS as well as FAIL.

A rule declares `subjects=` one of the kinds below. Every resource of that kind was checked by
the rule; those it did not fire on passed (unless a coverage gap says they could not be judged).
A kind is as narrow as the rule's own scope: L104 judges Fargate services only, so an EC2
service is not counted as passing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Subjects = Iterator[tuple[str, str]]  # (ARN, region)


def _task_definitions(ctx: Any) -> Subjects:
    for td, _ in ctx.task_definitions():
        yield td.arn, td.region


def _linux_task_definitions(ctx: Any) -> Subjects:
    for td, _ in ctx.task_definitions():
        if not (td.os_family or "LINUX").upper().startswith("WINDOWS"):
            yield td.arn, td.region


def _efs_task_definitions(ctx: Any) -> Subjects:
    for td, _ in ctx.task_definitions():
        if any(v.efs for v in td.volumes):
            yield td.arn, td.region


def _fargate_task_definitions(ctx: Any) -> Subjects:
    for td, w in ctx.task_definitions():
        if ctx.runs_on_fargate(td, w):
            yield td.arn, td.region


def _services(ctx: Any) -> Subjects:
    for s in ctx.inv.services:
        yield s.arn, s.region


def _services_on(fargate: bool) -> Callable[[Any], Subjects]:
    def subjects(ctx: Any) -> Subjects:
        for s in ctx.inv.services:
            if s.uses_fargate == fargate:
                yield s.arn, s.region
    return subjects


def _balanced_services(ctx: Any) -> Subjects:
    for s in ctx.inv.services:
        if s.load_balancers:
            yield s.arn, s.region


def _efs_services(ctx: Any) -> Subjects:
    for s in ctx.inv.services:
        td = ctx.ix.task_definition.get(s.task_definition_arn)
        if td and any(v.efs for v in td.volumes):
            yield s.arn, s.region


def _clusters(ctx: Any) -> Subjects:
    for c in ctx.inv.clusters:
        yield c.arn, c.region


def _ec2_clusters(ctx: Any) -> Subjects:
    clusters = {ci.cluster_arn for ci in ctx.inv.container_instances}
    for c in ctx.inv.clusters:
        if c.arn in clusters:
            yield c.arn, c.region


def _fronting_load_balancers(ctx: Any) -> Subjects:
    seen = {lb.arn: lb.region for s in ctx.inv.services for lb in ctx.load_balancers_of(s)}
    yield from sorted(seen.items())


def _mounted_file_systems(ctx: Any) -> Subjects:
    seen = {}
    for td, _ in ctx.task_definitions():
        for v in td.volumes:
            fs = v.efs and ctx.ix.file_system.get((td.region, v.efs.file_system_id))
            if fs:
                seen[fs.arn] = fs.region
    yield from sorted(seen.items())


def _judged_principals(ctx: Any) -> Subjects:
    for arn in dict.fromkeys(arn for arn, _, _ in ctx.judged_principals()):
        yield arn, "global"


def _ecs_roles(ctx: Any) -> Subjects:
    for arn in dict.fromkeys(arn for arn, _, _ in ctx.role_kinds()):
        yield arn, "global"


def _all_principals(ctx: Any) -> Subjects:
    for arn in sorted(ctx.model.principals):
        yield arn, "global"


def _used(service_filter) -> Callable[[Any], Subjects]:
    def subjects(ctx: Any) -> Subjects:
        for arn, use in sorted(ctx.used_resources.items()):
            if service_filter(use, ctx):
                yield arn, use.region
    return subjects


def _customer_key(use: Any, ctx: Any) -> bool:
    key = ctx.ix.kms_key.get(use.arn)
    return bool(key and key.manager == "CUSTOMER")


SUBJECTS: dict[str, Callable[[Any], Subjects]] = {
    "task-definition": _task_definitions,
    "linux-task-definition": _linux_task_definitions,
    "efs-task-definition": _efs_task_definitions,
    "fargate-task-definition": _fargate_task_definitions,
    "service": _services,
    "fargate-service": _services_on(True),
    "ec2-service": _services_on(False),
    "balanced-service": _balanced_services,
    "efs-service": _efs_services,
    "cluster": _clusters,
    "ec2-cluster": _ec2_clusters,
    "load-balancer": _fronting_load_balancers,
    "file-system": _mounted_file_systems,
    "principal": _judged_principals,  # the roles and users the I1xx rules judge
    "ecs-role": _ecs_roles,  # task, execution and instance roles
    "any-principal": _all_principals,
    # resources with their own policies that workloads use (rules/resource_use.py)
    "shared-resource": _used(lambda use, ctx: use.service != "ecr"),
    "image-repository": _used(lambda use, ctx: use.service == "ecr"),
    "workload-key": _used(_customer_key),
    # organisation rules (org merge): the principals and roles the cross-account view judged;
    # a single account's audit has no such view and checks none
    "org-principal": lambda ctx: iter(getattr(ctx, "org_view", None) and ctx.org_view.principal_subjects
                                      or ()),
    "org-role": lambda ctx: iter(getattr(ctx, "org_view", None) and ctx.org_view.role_subjects or ()),
}
