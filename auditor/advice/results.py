"""What the cost advisor answers: one cost row per service (or idle cluster), one fit per
workload. Serialised field by field through `model.serde`, so each column is declared once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FargateFit:
    fits: bool
    blockers: tuple[str, ...] = ()  # each parameter Fargate does not support, with its container


@dataclass(frozen=True)
class Ec2Fit:
    fits: bool
    instance_types: tuple[str, ...] = ()  # of the price table, large enough, cheapest first


@dataclass(frozen=True)
class Fit:
    """Can this task definition run on Fargate, and on which EC2 instance types?"""

    task_definition: str
    cpu: int  # units the task reserves
    memory: int  # MiB
    fargate: FargateFit
    ec2: Ec2Fit


@dataclass(frozen=True)
class CostRow:
    """A service's monthly cost and its best saving; an idle cluster's unreserved capacity."""

    service_arn: str
    service: str
    cluster: str
    launch_type: str
    size: str
    desired_count: int
    monthly_cost_usd: float | None
    recommendation: str
    monthly_saving_usd: float
    assumptions: str
    fits_fargate: str
    fits_ec2: str
    region: str = ""
    vcpu: float | None = None  # the task size as numbers, beside the `size` text
    memory_gb: float | None = None
