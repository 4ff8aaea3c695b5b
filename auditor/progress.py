"""A one-line progress display on a terminal; silent otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()

    def say(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K[{time.monotonic() - self.start:5.1f}s] {text}…")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K[{time.monotonic() - self.start:5.1f}s] done\n")
