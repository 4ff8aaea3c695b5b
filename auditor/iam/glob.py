"""IAM wildcard matching in linear time: `*` any run of characters, `?` any one character.

A pattern is split at its stars into star-free segments (each a fixed-length regex with no
repetition, so no backtracking); the first must match at the start, the last at the end, and
each middle one at its leftmost place after the previous one, which is optimal for globs. A
policy written to hang a backtracking matcher (`ec2:*?*?*?…z`) therefore costs one pass."""

from __future__ import annotations

import functools
import re

STAR = object()  # a wildcard token; any other token is a regex fragment for one character


class Glob:
    def __init__(self, tokens: list) -> None:
        segments: list[list[str]] = [[]]
        for t in tokens:
            if t is STAR:
                segments.append([])
            else:
                segments[-1].append(t)
        self.starred = len(segments) > 1
        self.lengths = [len(s) for s in segments]
        self.parts = [re.compile("".join(s), re.DOTALL) for s in segments]

    def fullmatch(self, text: str) -> bool:
        if not self.starred:
            return self.lengths[0] == len(text) and bool(self.parts[0].fullmatch(text))
        first, last = self.parts[0], self.parts[-1]
        end = len(text) - self.lengths[-1]
        if end < self.lengths[0] or not first.match(text) or not last.fullmatch(text, end):
            return False
        pos = self.lengths[0]
        for part in self.parts[1:-1]:
            m = part.search(text, pos, end)
            if m is None:
                return False
            pos = m.end()
        return True


def _one(c: str) -> str:
    return "." if c == "?" else re.escape(c)


@functools.lru_cache(maxsize=65536)
def action_glob(pattern: str) -> Glob:
    """An action pattern (already normalised: stripped, lower-case)."""
    return Glob([STAR if c == "*" else _one(c) for c in pattern])


@functools.lru_cache(maxsize=65536)
def resource_glob(pattern: str) -> Glob:
    """A resource pattern: ${*}, ${?} and ${$} are IAM's escapes for those characters; another
    policy variable stands for an unknown value, matched as a wildcard here."""
    tokens, i = [], 0
    while i < len(pattern):
        if pattern.startswith("${", i) and "}" in pattern[i:]:
            end = pattern.index("}", i)
            var = pattern[i + 2:end]
            tokens.append(re.escape(var) if var in ("*", "?", "$") else STAR)
            i = end + 1
            continue
        c = pattern[i]
        tokens.append(STAR if c == "*" else _one(c))
        i += 1
    return Glob(tokens)
