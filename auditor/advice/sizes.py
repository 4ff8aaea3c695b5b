"""Valid Fargate task sizes (aws-facts.md section 1.1, from the ECS Developer Guide and the
RegisterTaskDefinition API reference)."""

from __future__ import annotations

import re

# cpu units -> valid memory values in MiB
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),  # Linux platform 1.4.0+ only
    16384: tuple(range(32768, 122880 + 1, 8192)),  # Linux platform 1.4.0+ only
}
WINDOWS_CPUS = (1024, 2048, 4096)
MAX_FARGATE_CPU, MAX_FARGATE_MEMORY = 16384, 122880


def parse_cpu(value: str | None) -> int | None:
    """Task cpu as units: '1024', '1 vCPU', '0.25 vcpu'."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*([\d.]+)\s*(vcpu)?\s*", str(value), re.I)
    if not m:
        return None
    n = float(m.group(1))
    return int(round(n * 1024)) if m.group(2) else int(n)


def parse_memory(value: str | None) -> int | None:
    """Task memory in MiB: '2048', '2GB', '2 gb'."""
    if value is None:
        return None
    m = re.fullmatch(r"\s*([\d.]+)\s*(gb|mb|mib|gib)?\s*", str(value), re.I)
    if not m:
        return None
    n = float(m.group(1))
    return int(round(n * 1024)) if (m.group(2) or "").lower() in ("gb", "gib") else int(n)


def valid_fargate_size(cpu: int | None, memory: int | None, windows: bool = False) -> bool:
    if cpu is None or memory is None or cpu not in FARGATE_SIZES:
        return False
    if windows and cpu not in WINDOWS_CPUS:
        return False
    return memory in FARGATE_SIZES[cpu]


def all_fargate_sizes(windows: bool = False) -> list[tuple[int, int]]:
    return [(c, m) for c, ms in FARGATE_SIZES.items() for m in ms
            if not windows or c in WINDOWS_CPUS]
