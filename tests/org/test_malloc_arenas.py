"""The threads executor keeps glibc to two malloc arenas (org/executors.py): each arena keeps
the pages it once held, and one per thread made the scan's memory grow over its first waves
of accounts. glibc's malloc_stats() prints one "Arena N:" block per arena to stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from auditor.org.executors import ARENAS

PROGRAM = """
import ctypes, sys, time
from concurrent.futures import ThreadPoolExecutor
from auditor.org.executors import account_pool

def account(_):
    held = [bytearray(4096) for _ in range(2000)]  # above pymalloc's 512 bytes: glibc's own
    time.sleep(0.2)  # all eight threads hold memory at once
    return len(held)

with account_pool(8) if sys.argv[1] == "scan" else ThreadPoolExecutor(8) as pool:
    list(pool.map(account, range(8)))
ctypes.CDLL(None).malloc_stats()
"""


def arenas(pool: str) -> int:
    run = subprocess.run([sys.executable, "-c", PROGRAM, pool], capture_output=True, text=True,
                         timeout=60, check=True)
    return sum(line.startswith("Arena ") for line in run.stderr.splitlines())


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="malloc arenas are glibc's")
def test_eight_accounts_in_flight_share_two_arenas_where_a_plain_pool_takes_one_each():
    assert arenas("plain") > ARENAS  # the control: glibc's default, one arena per thread
    assert arenas("scan") <= ARENAS
