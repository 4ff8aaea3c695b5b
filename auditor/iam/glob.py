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
        segments = [s for i, s in enumerate(segments) if s or i in (0, len(segments) - 1)]
        self.starred = len(segments) > 1
        self.lengths = [len(s) for s in segments]
        self.parts = [re.compile("".join(s), re.DOTALL) for s in segments]
        # With at most two stars one regex is quick (backtracking is at worst quadratic in an
        # ARN's length); more stars take the segment walk, which is linear.
        self.whole = re.compile(".*".join("".join(s) for s in segments), re.DOTALL) \
            if len(segments) <= 3 else None

    def fullmatch(self, text: str) -> bool:
        if self.whole is not None:
            return self.whole.fullmatch(text) is not None
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
def resource_glob(pattern: str, variables: bool = True) -> Glob:
    """A resource pattern: ${*}, ${?} and ${$} are IAM's escapes for those characters; another
    policy variable stands for an unknown value, matched as a wildcard here (callers substitute
    known values first). With `variables` off (a policy without Version 2012-10-17) the text is
    literal."""
    tokens, i = [], 0
    while i < len(pattern):
        if variables and pattern.startswith("${", i) and "}" in pattern[i:]:
            end = pattern.index("}", i)
            var = pattern[i + 2:end]
            tokens.append(re.escape(var) if var in ("*", "?", "$") else STAR)
            i = end + 1
            continue
        c = pattern[i]
        tokens.append(STAR if c == "*" else _one(c))
        i += 1
    return Glob(tokens)


VARIABLE = re.compile(r"\$\{([^}]*)\}")
ESCAPES = {"*", "?", "$"}


def variables_in(pattern: str) -> list[tuple[str, str, str | None]]:
    """(text, key lower-case, default) of each policy variable of a pattern, escapes excluded."""
    out = []
    for m in VARIABLE.finditer(pattern):
        body = m.group(1)
        if body in ESCAPES:
            continue
        key, _, default = body.partition(",")
        default = default.strip()
        out.append((m.group(0), key.strip().lower(),
                    default[1:-1] if len(default) >= 2 and default[0] == default[-1] == "'" else None))
    return out


def _literal(value: str) -> str:
    """A request value put in a pattern: its wildcard characters are not wildcards."""
    return "".join("${" + c + "}" if c in ESCAPES else c for c in value)


def substitutions(pattern: str, context: dict) -> tuple[list[str], bool]:
    """The pattern with each variable replaced by its request value(s) (or its default), and
    whether some variable's value is unknown (left in place, matched as a wildcard).

    A variable whose key the request does not have (an empty value list) and no default makes
    the pattern match nothing: no patterns come back."""
    patterns, unknown = [pattern], False
    for text, key, default in variables_in(pattern):
        values = context.get(key)
        if values is None and default is not None:
            values = (default,)
        if values is None:
            unknown = True
            continue
        if not values:
            if default is None:
                return [], False
            values = (default,)
        patterns = [p.replace(text, _literal(v), 1) for p in patterns for v in values[:16]]
    return patterns, unknown


def globs_intersect(a: str, b: str) -> bool:
    """Is there a string that both patterns match (`*`, `?` wildcards; a policy variable counts
    as `*`, as its value is unknown)?"""
    return glob_witness(a, b) is not None


def glob_witness(a: str, b: str) -> str | None:
    """A string both patterns match, or None. A table over the two patterns' positions
    (O(len a x len b), no backtracking), then one walk back through it."""
    p = re.sub(r"\$\{[^}]*\}", "*", a)
    q = re.sub(r"\$\{[^}]*\}", "*", b)
    n, m = len(p), len(q)
    # can[i][j]: the suffixes p[i:] and q[j:] share a string; filled from the ends.
    can = [[False] * (m + 1) for _ in range(n + 1)]
    can[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            if i < n and p[i] == "*":
                can[i][j] = can[i + 1][j] or (j < m and can[i][j + 1])
            elif j < m and q[j] == "*":
                can[i][j] = can[i][j + 1] or (i < n and can[i + 1][j])
            elif i < n and j < m:
                can[i][j] = (p[i] == q[j] or "?" in (p[i], q[j])) and can[i + 1][j + 1]
    if not can[0][0]:
        return None
    out, i, j = [], 0, 0
    while (i, j) != (n, m):
        if i < n and p[i] == "*":
            if can[i + 1][j]:
                i += 1
            else:  # the star takes q's next character
                out.append("x" if q[j] in "*?" else q[j])
                j += 1
        elif j < m and q[j] == "*":
            if can[i][j + 1]:
                j += 1
            else:
                out.append("x" if p[i] in "*?" else p[i])
                i += 1
        else:
            out.append(p[i] if p[i] != "?" else (q[j] if q[j] != "?" else "x"))
            i, j = i + 1, j + 1
    return "".join(out)


def _tokens(pattern: str) -> tuple[str, ...]:
    """A pattern's characters, a policy variable read as "*" (its value unknown)."""
    return tuple(re.sub(r"\$\{[^}]*\}", "*", pattern))


def _closed(t: tuple[str, ...], positions) -> frozenset[int]:
    """Positions reached once the stars that follow them match nothing."""
    out = set(positions)
    for i in sorted(out):
        while i < len(t) and t[i] == "*":
            i += 1
            out.add(i)
    return frozenset(out)


def _step(t: tuple[str, ...], positions: frozenset[int], c: str) -> frozenset[int]:
    nxt = [i if t[i] == "*" else i + 1 for i in positions
           if i < len(t) and (t[i] in ("*", "?") or t[i] == c)]
    return _closed(t, nxt)


def overlap_exists(groups: list[tuple[str, ...]], minus: tuple[str, ...] = (),
                   limit: int = 20000) -> bool:
    """Is there a string that some pattern of every group matches and no pattern of `minus`?
    (Identity Allow *, a Deny sparing only b/*, a boundary allowing c/*: none.) Every pattern
    runs side by side over one string, as sets of positions, and the search goes through the
    characters the patterns name plus one they do not: no backtracking, each combined state
    once. Past `limit` states it answers yes (a table may then keep an action too many, never
    lose one)."""
    pats = [_tokens(p) for g in groups for p in g] + [_tokens(p) for p in minus]
    if sum(map(len, pats)) > 2048:
        return True  # a policy written to slow the search: "yes" keeps every action it might
    bounds, k = [], 0
    for g in groups:
        bounds.append((k, k + len(g)))
        k += len(g)
    alphabet = {c for t in pats for c in t if c not in "*?"} | {"\uffff"}

    def alive(state) -> bool:
        return all(any(state[i] for i in range(a, b)) for a, b in bounds)

    def accepts(state) -> bool:
        return all(any(len(pats[i]) in state[i] for i in range(a, b)) for a, b in bounds) and \
            not any(len(pats[i]) in state[i] for i in range(k, len(pats)))

    start = tuple(_closed(t, (0,)) for t in pats)
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        if accepts(state):
            return True
        if len(seen) > limit:
            return True
        for c in alphabet:
            nxt = tuple(_step(t, s, c) for t, s in zip(pats, state, strict=True))
            if nxt not in seen and alive(nxt):
                seen.add(nxt)
                todo.append(nxt)
    return False
