"""Command line: parses arguments and calls the library; nothing else lives here."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Sequence

from auditor.cli.commands import COMMANDS
from auditor.cli.inputs import SafeStream, UsageError
from auditor.cli.parser import build_parser
from auditor.fsutil import OutputError


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def entry() -> None:
    """The ecs-auditor command (and `python -m auditor`): main(), then leave at once. Every
    output is written and closed by then, and tearing down a large audit's heap (millions of
    objects) only costs time: a seventh of a second at 5,000 roles. With other threads still
    running (an organisation scan's Dask client), the normal exit waits for them."""
    code = main()
    if threading.active_count() == 1:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
                pass
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    streams = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args: argparse.Namespace) -> int:
    from auditor.collect import CollectError
    from auditor.diff import DiffError
    from auditor.model import SnapshotError

    # SIGTERM (a scheduler stopping us) unwinds like Ctrl-C: temporary files are removed and
    # the previous output folder stays as it was.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
        # Loading a snapshot or an authorization-details file makes millions of objects that
        # live to the end: the collector's default thresholds would walk them over and over
        # (audit() raises them for itself too; this covers reading and writing).
        gc.set_threshold(100_000, 50, 100)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SnapshotError, CollectError, DiffError, OutputError) as e:
        print(f"ecs-auditor: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Anything half-written was removed while the exception unwound; worker threads may
        # still wait on slow calls, so leave now rather than join them.
        print("ecs-auditor: interrupted; the previous output was left as it was", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except Exception as e:  # a bug: exit 3, so CI never mistakes it for findings (exit 1)
        if os.environ.get("ECS_AUDITOR_DEBUG"):
            raise
        print(f"ecs-auditor: internal error: {type(e).__name__}: {str(e)[:200]} "
              "(set ECS_AUDITOR_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3
