"""Mutelist: accepted findings, each with a reason and an optional expiry (interfaces.md)."""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from auditor.fsutil import InputError, read_input
from auditor.rules.engine import Finding, lookup, with_mute


class MutelistError(ValueError):
    """A mutelist that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class MuteEntry:
    rule: str  # a rule code
    resource: str | None
    reason: str
    expires: dt.date | None
    line: int

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, f: Finding) -> bool:
        return f.rule_id == self.rule and (self.resource is None or
                                           fnmatch.fnmatchcase(f.resource_arn, self.resource))


def load_mutelist(path: str | Path) -> list[MuteEntry]:
    import yaml  # here: an audit without a mutelist does not load a YAML parser

    p = Path(path)
    try:
        text = read_input(p, limit=16 << 20).decode("utf-8")
    except InputError as e:
        raise MutelistError(str(e)) from None
    except UnicodeDecodeError:
        raise MutelistError(f"{p}: not UTF-8 text") from None
    try:
        root = yaml.compose(text)
    except RecursionError:
        raise MutelistError(f"{p}: nested too deeply to be a mutelist") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        raise MutelistError(f"{p}: invalid YAML at {where}: {getattr(e, 'problem', e)}") from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise MutelistError(f"{p}: expected a mapping with a 'mute' list")
    if not all(isinstance(k, yaml.ScalarNode) for k, _ in root.value):
        raise MutelistError(f"{p}: line {root.start_mark.line + 1}: keys must be plain names")
    mute = next((v for k, v in root.value if k.value == "mute"), None)
    if mute is None or not isinstance(mute, yaml.SequenceNode):
        raise MutelistError(f"{p}: line {root.start_mark.line + 1}: expected 'mute:' with a list")
    out = []
    for item in mute.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise MutelistError(f"{p}: line {line}: each entry must be a mapping")
        if not all(isinstance(k, yaml.ScalarNode) for k, _ in item.value):
            raise MutelistError(f"{p}: line {line}: keys must be plain names")
        fields = {k.value: v for k, v in item.value}
        unknown = set(fields) - {"rule", "resource", "reason", "expires"}
        if unknown:
            raise MutelistError(f"{p}: line {line}: unknown field(s) {', '.join(sorted(unknown))}")
        raw_rule = _scalar(fields.get("rule"))
        if not raw_rule:
            raise MutelistError(f"{p}: line {line}: 'rule' is required")
        found = lookup(raw_rule)
        if found is None:
            raise MutelistError(f"{p}: line {line}: unknown rule {raw_rule!r}")
        reason = _scalar(fields.get("reason"))
        if not reason:
            raise MutelistError(f"{p}: line {line}: 'reason' is required (say why it is accepted)")
        expires = None
        if "expires" in fields:
            try:
                expires = dt.date.fromisoformat(_scalar(fields["expires"]) or "")
            except ValueError:
                raise MutelistError(f"{p}: line {line}: 'expires' must be a date like 2027-06-30") from None
        out.append(MuteEntry(found.code, _scalar(fields.get("resource")), reason, expires, line))
    return out


def _scalar(node) -> str | None:
    import yaml

    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode):
        raise MutelistError(f"line {node.start_mark.line + 1}: expected a single value")
    return str(node.value).strip() or None


def apply_mutelist(findings: list[Finding], entries: list[MuteEntry],
                   today: dt.date | None = None) -> tuple[list[Finding], list[dict]]:
    """Mark muted findings; return them and the expired entries (which mute nothing)."""
    today = today or dt.date.today()
    live = [e for e in entries if not e.expired(today)]
    expired = [{"rule": e.rule, "resource": e.resource, "reason": e.reason,
                "expires": e.expires.isoformat(), "line": e.line}
               for e in entries if e.expired(today)]
    out = []
    for f in findings:
        entry = next((e for e in live if e.matches(f)), None)
        out.append(with_mute(f, entry.reason) if entry else f)
    return out, expired
