"""EC2 instance shapes for packing: vCPU and memory by family and size (AWS instance type docs)."""

from __future__ import annotations

import re

# GiB of memory per vCPU by family: general purpose 4, compute 2, memory 8, burstable 4.
_GIB_PER_VCPU = {"m": 4, "c": 2, "r": 8, "t": 4}
_VCPUS = {"medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}
# What the ECS agent can offer tasks: the OS and agent keep some memory (the ECS-optimised AMI
# registers about 94% of an m5.large's 8 GiB); CPU is registered whole.
ECS_MEMORY_SHARE = 0.94


def shape(instance_type: str) -> tuple[int, int] | None:
    """(CPU units, MiB registrable with ECS) of an instance type, if known."""
    family, _, size = instance_type.partition(".")
    if size not in _VCPUS or not family or family[0] not in _GIB_PER_VCPU:
        return None
    vcpu = _VCPUS[size]
    gib = 4 if instance_type in ("t3.medium", "t4g.medium") else vcpu * _GIB_PER_VCPU[family[0]]
    return vcpu * 1024, int(gib * 1024 * ECS_MEMORY_SHARE)


def is_arm(instance_type: str) -> bool:
    """Graviton families carry a "g" right after the generation: m6g, c7gn, t4g."""
    return bool(re.match(r"^[a-z]+\d+g", instance_type.partition(".")[0]))
