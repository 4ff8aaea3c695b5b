"""What rules look at: the inventory, the access model and a few shared questions."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from auditor.graph import AccessModel
from auditor.graph.workloads import Workload
from auditor.model import Inventory, LoadBalancer, Service, TaskDefinition


class AuditContext:
    def __init__(self, inv: Inventory, model: AccessModel | None = None,
                 principals: str | None = None) -> None:
        self.inv = inv
        self.ix = inv.index
        self.model = model or AccessModel(inv)
        # Which principals the I1xx rules judge: those ECS uses, or every role and user (the
        # default when there is no ECS in the inventory: an IAM-only audit).
        has_ecs = bool(inv.task_definitions or inv.services or inv.container_instances)
        self.principals_mode = principals or ("ecs" if has_ecs else "all")

    @cached_property
    def advice(self):
        from auditor.advice import advise
        return advise(self.inv, self.model)

    # --- gaps ------------------------------------------------------------------------------
    @cached_property
    def gap_resources(self) -> dict[str, set[str]]:
        """operation -> resources (or '*' for a whole operation) that could not be read."""
        out: dict[str, set[str]] = {}
        for g in self.inv.gaps:
            out.setdefault(g.operation, set()).add(g.resource or "*")
        return out

    def missing_data(self, operation: str, resource: str | None = None) -> bool:
        got = self.gap_resources.get(operation, set())
        return "*" in got or (resource is not None and resource in got)

    @property
    def iam_collected(self) -> bool:
        return not self.missing_data("GetAccountAuthorizationDetails")

    @cached_property
    def used_resources(self):
        """Buckets, secrets, keys, queues, topics and repositories workloads use (I401–I404)."""
        from auditor.rules.resource_use import used_resources
        return used_resources(self)

    # --- workloads -------------------------------------------------------------------------
    @property
    def workloads(self) -> list[Workload]:
        return list(self.model.workloads.values())

    def task_definitions(self) -> Iterator[tuple[TaskDefinition, Workload]]:
        for w in self.workloads:
            yield w.task_definition, w

    def related(self, w: Workload) -> tuple[str, ...]:
        return tuple(s.arn for s in w.services)

    def fargate_services(self, w: Workload) -> list[Service]:
        return [s for s in w.services if s.uses_fargate]

    def runs_on_fargate(self, td: TaskDefinition, w: Workload) -> bool:
        return "FARGATE" in td.requires_compatibilities or bool(self.fargate_services(w))

    # --- roles -------------------------------------------------------------------------------
    def role_kinds(self) -> Iterator[tuple[str, str, list[Workload]]]:
        """(role arn, kind, workloads) for every role used by ECS, once per kind."""
        for role_arn, kinds in sorted(self.model.role_usage.items()):
            for kind in ("task", "execution", "instance"):
                if kind in kinds:
                    yield role_arn, kind, kinds[kind]

    def judged_principals(self) -> Iterator[tuple[str, str, list[Workload]]]:
        """role_kinds(), and with --principals all every other role and user, kind "none"."""
        return iter(self._judged)

    @cached_property
    def _judged(self) -> list[tuple[str, str, list[Workload]]]:
        # Listed once: a dozen rules and the checks each walk thousands of principals.
        out = list(self.role_kinds())
        if self.principals_mode == "all":
            unused = set(self.model.principals) - set(self.model.role_usage)
            out += [(arn, "none", []) for arn in sorted(unused)]
        return out

    def workload_arns(self, workloads: list[Workload]) -> tuple[str, ...]:
        out = []
        for w in workloads:
            out.append(w.arn)
            out += [s.arn for s in w.services]
        return tuple(out)

    # --- exposure ------------------------------------------------------------------------------
    def load_balancers_of(self, s: Service) -> list[LoadBalancer]:
        return [lb for _, _, lbs in self.ix.fronts(s) for lb in lbs]

    def service_exposure(self, s: Service) -> str | None:
        for lb in self.load_balancers_of(s):
            if lb.internet_facing:
                return f"service {s.name} is behind internet-facing load balancer {lb.name}"
        if s.assign_public_ip == "ENABLED":
            return f"service {s.name} has a public IP"
        return None

    def exposure(self, arns: tuple[str, ...]) -> str | None:
        """Why one of these workloads or services is reachable from the internet, if it is."""
        for arn in arns:
            services = [self.ix.service[arn]] if arn in self.ix.service else \
                (self.model.workloads[arn].services if arn in self.model.workloads else [])
            for s in services:
                why = self.service_exposure(s)
                if why:
                    return why
        return None

    def role_name(self, arn: str) -> str:
        return arn.rsplit("/", 1)[-1]
