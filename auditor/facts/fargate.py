"""Fargate facts: valid task sizes, what Fargate does not support, platform versions
(aws-facts.md sections 1.1 and 3.1, from the ECS Developer Guide and the RegisterTaskDefinition
API reference)."""

from __future__ import annotations

import re

from auditor.model import TaskDefinition

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


LATEST_LINUX_PLATFORM = (1, 4, 0)
LATEST_WINDOWS_PLATFORM = (1, 0, 0)


def platform_tuple(version: str | None, windows: bool = False) -> tuple[int, ...]:
    """'1.3.0' -> (1, 3, 0); LATEST or unset -> the latest known."""
    latest = LATEST_WINDOWS_PLATFORM if windows else LATEST_LINUX_PLATFORM
    if not version or version.upper() == "LATEST":
        return latest
    try:
        return tuple(int(x) for x in version.split("."))
    except ValueError:
        return latest


def reservation(td: TaskDefinition) -> tuple[int, int]:
    """(cpu units, MiB) a task reserves on an instance."""
    cpu = parse_cpu(td.cpu) or sum(c.cpu for c in td.containers)
    mem = parse_memory(td.memory) or sum(c.memory or c.memory_reservation or 0
                                         for c in td.containers)
    return cpu, mem


def fargate_blockers(td: TaskDefinition) -> list[dict]:
    """Every parameter Fargate does not support (aws-facts.md 3.1), with its container."""
    out: list[dict] = []

    def add(param: str, container: str | None = None, value=None) -> None:
        out.append({"parameter": param, "container": container, "value": value})

    if td.effective_network_mode != "awsvpc":
        add("networkMode", value=td.effective_network_mode)
    if td.ipc_mode:
        add("ipcMode", value=td.ipc_mode)
    if td.pid_mode == "host":
        add("pidMode", value="host")
    if td.placement_constraints:
        add("placementConstraints")
    if td.inference_accelerators:
        add("inferenceAccelerators")
    for v in td.volumes:
        if v.docker_volume_configuration:
            add("dockerVolumeConfiguration", value=v.name)
        if v.host_source_path:
            add("host.sourcePath", value=v.name)
    for c in td.containers:
        lp = c.linux_parameters or {}
        if c.privileged:
            add("privileged", c.name)
        if c.links:
            add("links", c.name)
        for r in c.resource_requirements:
            if r.get("type") in ("GPU", "InferenceAccelerator"):
                add(f"resourceRequirements {r['type']}", c.name)
        for key in ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness"):
            if lp.get(key) not in (None, [], ""):
                add(f"linuxParameters.{key}", c.name)
        added = [cap for cap in (lp.get("capabilities") or {}).get("add", []) or []
                 if cap != "SYS_PTRACE"]
        if added:
            add("linuxParameters.capabilities.add", c.name, added)
        if c.disable_networking:
            add("disableNetworking", c.name)
        for key, val in (("dnsServers", c.dns_servers), ("dnsSearchDomains", c.dns_search_domains),
                         ("dockerSecurityOptions", c.docker_security_options),
                         ("extraHosts", c.extra_hosts)):
            if val:
                add(key, c.name)
    return out
