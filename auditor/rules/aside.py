"""Some of the work on the machine's second core: a forked copy of the process does it and
sends back the result, while this process goes on with the rest.

An audit of thousands of principals spends most of its time on two independent jobs: judging
each principal's permissions (I101–I110) and searching for escalation through ECS (I304). A
fork starts with everything already loaded and parsed, so it costs milliseconds, not the
second a fresh interpreter would. The answer must be the same as working alone: if the copy
cannot start, fails or dies, `result()` says so (None) and the caller does the work itself.

Forking is only safe in a process with no other thread (a thread holding a lock at the fork
leaves the copy's lock held forever), and is used only on Linux: elsewhere, and in threaded
hosts (a notebook kernel, a Dask worker, the collector's pool), everything runs here.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any


def can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1 and _cores() > 1


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Aside:
    """`work()` run in a forked copy; `result()` waits for its pickled answer."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.pid: int | None = None
        read, write = os.pipe()
        # The copy's collector then never walks (and so never copies) our objects. A freeze
        # someone else made (a server that forks) serves as well, and must outlast ours.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        finally:
            if self.pid != 0 and freeze:
                gc.unfreeze()
        if self.pid == 0:
            os.close(read)
            _serve(work, write)  # never returns
        os.close(write)
        self._read = read

    def result(self) -> Any | None:
        """The copy's answer, or None when it gave none (it failed, was killed, never started)."""
        if self.pid is None:
            return None
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:  # a cut-off answer: the caller does the work instead
            return None

    def abandon(self) -> None:
        """Stop the copy (the caller gave up: an exception, Ctrl-C)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            os.close(self._read)
            self.pid = None


def _serve(work: Callable[[], Any], write: int) -> None:
    """In the copy: do the work, write the answer, leave at once (os._exit: no atexit handler,
    buffered output or temporary file of the parent's may run or be flushed twice)."""
    code = 1
    try:
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        code = 0
    except BaseException:  # whatever it was, the parent does the work itself and must not hang
        pass
    finally:
        os._exit(code)
