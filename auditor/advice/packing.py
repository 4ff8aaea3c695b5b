"""First-fit-decreasing packing of tasks onto identical instances (two dimensions)."""

from __future__ import annotations

import math


def lower_bound(tasks: list[tuple[int, int]], capacity: tuple[int, int]) -> int:
    """No packing can use fewer instances than this."""
    if not tasks:
        return 0
    return max(math.ceil(sum(t[0] for t in tasks) / capacity[0]),
               math.ceil(sum(t[1] for t in tasks) / capacity[1]))


def pack(tasks: list[tuple[int, int]], capacity: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Bins of (cpu, memory) tasks, each within `capacity`; raises if one task cannot fit.

    Tasks are sorted by their larger share of an instance, largest first, and each goes into the
    first bin with room (first-fit decreasing).
    """
    cap_cpu, cap_mem = capacity
    for t in tasks:
        if t[0] > cap_cpu or t[1] > cap_mem:
            raise ValueError(f"a task of {t} does not fit an instance of {capacity}")
    order = sorted(tasks, key=lambda t: max(t[0] / cap_cpu, t[1] / cap_mem), reverse=True)
    bins: list[list[tuple[int, int]]] = []
    free: list[list[int]] = []
    for t in order:
        for i, room in enumerate(free):
            if t[0] <= room[0] and t[1] <= room[1]:
                bins[i].append(t)
                room[0] -= t[0]
                room[1] -= t[1]
                break
        else:
            bins.append([t])
            free.append([cap_cpu - t[0], cap_mem - t[1]])
    return bins
