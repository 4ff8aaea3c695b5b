"""Progress on stderr: one rewritten line on a terminal, plain timestamped lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool, stream=None) -> None:
        self.enabled = enabled
        # Progress draws on the terminal itself (\r, erase line): it writes past the CLI's
        # control-character filter, and says only counts, account ids and region names.
        self.stream = stream or getattr(sys.stderr, "unfiltered", sys.stderr)
        self.tty = self.stream.isatty()
        self.start = time.monotonic()

    def _stamp(self) -> str:
        return f"[{time.monotonic() - self.start:5.1f}s]"

    def say(self, text: str) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write(f"\r\033[K{self._stamp()} {text}…")
        else:
            self.stream.write(f"{self._stamp()} {text}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write(("\r\033[K" if self.tty else "") + f"{self._stamp()} done\n")
            self.stream.flush()
