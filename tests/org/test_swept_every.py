"""The threads executor frees each wave of accounts' cyclic garbage during the scan
(org/executors.py, swept_every). botocore's sessions and clients refer to themselves, and
because accounts overlap their garbage is in the oldest generation by the time it is garbage,
which the raised thresholds of a long audit leave alone: without a sweep a scan's memory grew
with every account."""

from __future__ import annotations

import gc
import weakref

import pytest

from auditor.org.executors import swept_every


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def old_garbage(n: int) -> list[weakref.ref]:
    """Cycles that were alive through a collection (so they are old) and are now garbage."""
    nodes = [Node() for _ in range(n)]
    gc.collect()  # they survive it: into the oldest generation, like a finished account's clients
    return [weakref.ref(node) for node in nodes]


@pytest.fixture
def long_audit_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)  # what cli and audit() set
    yield
    gc.set_threshold(*before)


def test_old_cycles_are_freed_each_time_a_wave_of_accounts_has_ended(long_audit_thresholds):
    with swept_every(3) as account_done:
        account_done()  # the first account: what lives now is frozen
        assert gc.get_freeze_count() > 0
        garbage = old_garbage(3)
        account_done()
        assert all(ref() is not None for ref in garbage)  # nothing collects it by itself...
        account_done()  # ...until the third account (a wave of three) has ended
        assert all(ref() is None for ref in garbage)
    assert gc.get_freeze_count() == 0  # the scan's freeze ends with it


def test_a_freeze_made_before_the_scan_is_left_as_it_is(long_audit_thresholds):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        made_since = [Node() for _ in range(1000)]  # the scan's own: not to be frozen
        with swept_every(1) as account_done:
            account_done()
            account_done()
        # still frozen (less what refcounting freed meanwhile), and nothing of the scan's added
        assert frozen // 2 < gc.get_freeze_count() < frozen + len(made_since)
    finally:
        gc.unfreeze()


def test_a_scan_that_ends_before_any_account_leaves_nothing_frozen():
    with swept_every(8):
        pass
    assert gc.get_freeze_count() == 0
