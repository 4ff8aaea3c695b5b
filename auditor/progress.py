"""Progress on stderr. On a terminal, `rich` draws a bar per AWS service and per region with its
calls, retries and gaps (rich is a well-kept library; we do not hand-write terminal drawing).
Without a terminal (CI, cron, a pipe), plain timestamped lines: each phase, and a count of calls
every few seconds, so a log shows that a long collection is moving."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

TICK_SECONDS = 5.0  # how often a line is written without a terminal while calls go on


class Progress:
    def __init__(self, enabled: bool, stream=None, tty: bool | None = None) -> None:
        self.enabled = enabled
        # Progress writes past the CLI's control-character filter (rich draws with escapes); it
        # shows only counts, service and region names, account ids and our own words.
        self.stream = stream or getattr(sys.stderr, "unfiltered", sys.stderr)
        self.tty = self.stream.isatty() if tty is None else tty
        self.start = time.monotonic()
        self.calls: Counter = Counter()  # service -> calls
        self.regions: Counter = Counter()  # region -> calls
        self.attempts: Counter = Counter()
        self.gaps: Counter = Counter()
        self._lock = threading.Lock()
        self._last_tick = self.start
        self._live = None
        self._tasks: dict[str, int] = {}

    def _stamp(self) -> str:
        return f"[{time.monotonic() - self.start:5.1f}s]"

    # --- words --------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if not self.enabled:
            return
        if self._live is not None:
            self._live.console.print(f"{self._stamp()} {text}", markup=False, highlight=False)
            return
        self.stream.write(f"{self._stamp()} {text}\n")
        self.stream.flush()

    # --- calls --------------------------------------------------------------------------------
    def observe(self, kind: str, service: str, region: str, operation: str) -> None:
        """A collector event (kind call | attempt | gap), from any worker thread."""
        if not self.enabled:
            return
        with self._lock:
            if kind == "call":
                self.calls[service] += 1
                self.regions[region or "global"] += 1
            elif kind == "attempt":
                self.attempts[service] += 1
            elif kind == "gap":
                self.gaps[service] += 1
            if self._live is not None:
                self._draw(service, region or "global")
                return
            now = time.monotonic()
            due = now - self._last_tick >= TICK_SECONDS
            if due:
                self._last_tick = now
        if due:
            self.say(self.counts())

    def counts(self) -> str:
        retries = sum(max(0, self.attempts[s] - self.calls[s]) for s in self.calls)
        by_service = ", ".join(f"{s} {n}" for s, n in self.calls.most_common())
        by_region = ", ".join(f"{r} {n}" for r, n in self.regions.most_common())
        return (f"{sum(self.calls.values())} calls ({by_service}; by region: {by_region}), "
                f"{retries} retries, {sum(self.gaps.values())} coverage gaps")

    # --- the terminal display -------------------------------------------------------------------
    def collecting(self) -> None:
        """Start the per-service and per-region bars (a terminal only)."""
        self._last_tick = time.monotonic()
        if not (self.enabled and self.tty):
            self.say("collecting")
            return
        from rich.console import Console
        from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        console = Console(file=self.stream, stderr=True)
        self._live = Bars(SpinnerColumn(), TextColumn("{task.description:<22}"), BarColumn(),
                          TextColumn("{task.completed:>5.0f} calls"), TextColumn("{task.fields[extra]}"),
                          TimeElapsedColumn(), console=console, transient=False)
        self._live.start()

    def _draw(self, service: str, region: str) -> None:
        for key, label in ((f"s:{service}", f"service {service}"), (f"r:{region}", f"region {region}")):
            if key not in self._tasks:
                self._tasks[key] = self._live.add_task(label, total=None, extra="")
            n = self.calls[service] if key[0] == "s" else self.regions[region]
            extra = ""
            if key[0] == "s":
                retries = max(0, self.attempts[service] - self.calls[service])
                gaps = self.gaps[service]
                extra = ", ".join(x for x in (f"{retries} retries" if retries else "",
                                               f"{gaps} gaps" if gaps else "") if x)
            self._live.update(self._tasks[key], completed=n, extra=extra)

    def collected(self, text: str) -> None:
        """Collection is over: stop the bars (so nothing runs into what follows) and say so."""
        if self._live is not None:
            for task in self._tasks.values():
                self._live.update(task, total=self._live.tasks[task].completed or 1)
            self._live.stop()
            self._live = None
        if self.enabled:
            self.say(f"{text}; {self.counts()}")

    def done(self) -> None:
        if self.enabled:
            self.say(f"done in {time.monotonic() - self.start:.1f}s")
