"""The access model's answers, typed: who can do an action, what a workload can do, what its
execution role lacks. `to_dict()` gives the JSON of interfaces.md through `model.serde`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.facts.role_needs import Need
from auditor.model.serde import to_jsonable


class Answer:
    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclass(frozen=True)
class Carrier(Answer):
    """A workload (task definition or service) whose containers hold a role."""

    arn: str
    via: str  # task-role | instance-role


@dataclass(frozen=True)
class Identity(Answer):
    """A role whose permissions a workload's containers hold, how and why."""

    role_arn: str
    via: str  # task-role | instance-role | execution-role | self
    reason: str
    instances: tuple[str, ...] = ()  # for an instance role: the instances that give it


@dataclass(frozen=True)
class Permission(Answer):
    action: str  # lower-case, concrete
    resource: str  # as written; "NOT x" for a NotResource statement
    decision: str  # allowed | conditional
    via_role: str
    source: str = "identity"  # or where a resource policy grants it ("bucket policy of b")


@dataclass(frozen=True)
class WhoCanEntry(Answer):
    arn: str
    decision: str  # allowed | conditional
    workloads: tuple[Carrier, ...]
    path: tuple[dict, ...] = ()  # the ECS escalation steps, when the principal gets there that way
    via_role: str | None = None  # the role it escalates to, then
    resources: tuple[str, ...] = ()  # asked "on some resource": the patterns it is allowed on
    # "" for a principal of the account; "external" (another account) or "public" (anyone)
    # when only the resource's own policy admits it
    reach: str = ""


@dataclass(frozen=True)
class WhoCan(Answer):
    action: str
    resource: str
    principals: tuple[WhoCanEntry, ...]
    notes: tuple[str, ...] = ()  # e.g. a resource policy that could not be read


@dataclass(frozen=True)
class WhatCan(Answer):
    arn: str
    principals: tuple[Identity, ...]
    permissions: tuple[Permission, ...]
    # Stronger roles the principal can obtain through ECS: {target, gains_actions, steps, kind}.
    escalations: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ExecPrincipal(Answer):
    """A principal that may open a shell in a service with ECS Exec."""

    arn: str
    decision: str


@dataclass(frozen=True)
class ExecutionNeeds(Answer):
    """What ECS needs from a task definition's execution role, and what of it is not allowed."""

    execution_role: str | None
    needs: tuple[Need, ...]
    missing: tuple[Need, ...]
