"""The two shapes most findings take: one on a task definition, one on a service."""

from __future__ import annotations

from typing import Any

from auditor.model import Service, TaskDefinition
from auditor.rules.engine import Hit


def td_hit(ctx: Any, td: TaskDefinition, w: Any, message: str, evidence: dict | None = None,
           key: str = "", part: tuple[str, str] | None = None, **kw: Any) -> Hit:
    """A finding on a task definition, related to the services that run it. `part` names the
    container or volume it is about: first in the evidence, and what tells two hits apart."""
    if part:
        evidence = {part[0]: part[1], **(evidence or {})}
        key = key or part[1]
    return Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
               message=message, evidence=evidence or {}, related_arns=ctx.related(w), key=key, **kw)


def service_hit(s: Service, message: str, evidence: dict | None = None, key: str = "",
                related: tuple[str, ...] | None = None, **kw: Any) -> Hit:
    """A finding on a service, related to its task definition unless told otherwise."""
    return Hit(resource_arn=s.arn, resource_type="ecs-service", region=s.region, message=message,
               evidence=evidence or {}, key=key,
               related_arns=(s.task_definition_arn,) if related is None else related, **kw)
