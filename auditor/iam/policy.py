"""Policy documents normalised once, at the edge: every string-or-list becomes a tuple."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MAX_POLICY_BYTES = 1_000_000  # AWS's largest is a few KB; anything this big is not a policy


class PolicyError(ValueError):
    """A document that is not a valid policy; the message names where it came from."""


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] | None = None
    principals: dict[str, tuple[str, ...]] | None = None  # {"AWS": (...), "Service": (...), "*": ("*",)}
    not_principals: dict[str, tuple[str, ...]] | None = None
    # operator -> key (lower-case) -> values
    conditions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    sid: str | None = None
    source: str = ""  # "role/x inline:y" — where the statement was written
    # Policy variables (${aws:username}) are substituted only in a policy whose Version is
    # 2012-10-17; in an older or unversioned one the text is literal (IAM User Guide, "Policy
    # variables": "you must include the Version element and set it to 2012-10-17").
    variables: bool = True

    @property
    def action_patterns(self) -> tuple[str, ...]:
        return self.not_actions if self.not_actions is not None else self.actions

    @cached_property
    def memo(self) -> dict:
        """What the engine worked out about this statement (its actions, whether it applies
        anywhere): a managed policy's statements are shared by every principal it is attached
        to, and so is this."""
        return {}

    @cached_property
    def resource_variables(self) -> bool:
        """Is a policy variable substituted in one of its Resource or NotResource patterns?
        (Most statements have none, and the engine skips its variable handling for them.)"""
        return self.variables and any("${" in r for r in self.resources + (self.not_resources or ()))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready view for evidence."""
        out: dict[str, Any] = {"source": self.source, "effect": self.effect}
        if self.sid:
            out["sid"] = self.sid
        out["not_action" if self.not_actions is not None else "action"] = list(self.action_patterns)
        if self.not_resources is not None:
            out["not_resource"] = list(self.not_resources)
        else:
            out["resource"] = list(self.resources)
        if self.conditions:
            out["condition"] = {op: {k: list(v) for k, v in kv.items()}
                                for op, kv in self.conditions.items()}
        return out


@dataclass(frozen=True)
class Policy:
    source: str
    statements: tuple[Statement, ...]


def _strings(value: Any, what: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{source}: {what} must be a string or a list of strings")


def _principals(value: Any, source: str) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: Principal must be \"*\" or an object")
    return {str(k): _strings(v, f"Principal.{k}", source) for k, v in value.items()}


def _condition_values(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        elif isinstance(v, str | int | float):
            out.append(str(v))
        else:
            raise TypeError
    return tuple(out)


def _conditions(value: Any, source: str) -> dict[str, dict[str, tuple[str, ...]]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: Condition must be an object")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for op, kv in value.items():
        if not isinstance(kv, dict):
            raise PolicyError(f"{source}: Condition operator {op} must map keys to values")
        try:
            out[str(op)] = {str(k).lower(): _condition_values(v) for k, v in kv.items()}
        except TypeError:
            raise PolicyError(f"{source}: Condition {op} has a value that is not a string, "
                              "number or boolean") from None
    return out


def decode_document(text: str) -> str:
    """IAM returns policy documents URL-encoded (RFC 3986); boto3 usually decodes them, and a
    hand-made or exported file may not have."""
    text = text.strip()
    return urllib.parse.unquote(text) if text[:3].upper() == "%7B" else text


def load_document(doc: Any, source: str) -> dict:
    """A policy as a dict, from a dict, a JSON string or a URL-encoded JSON string."""
    if isinstance(doc, str):
        if len(doc) > MAX_POLICY_BYTES:
            raise PolicyError(f"{source}: policy document is {len(doc)} bytes, too large")
        text = decode_document(doc)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            raise PolicyError(f"{source}: policy document is not JSON") from None
    if not isinstance(doc, dict):
        raise PolicyError(f"{source}: policy document must be a JSON object")
    return doc


def parse_statement(raw: Any, source: str, kind: str, variables: bool = True) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: each Statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{source}: Effect must be \"Allow\" or \"Deny\", got {effect!r:.40}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{source}: a statement needs exactly one of Action or NotAction")
    actions = _strings(raw["Action"], "Action", source) if "Action" in raw else ()
    not_actions = _strings(raw["NotAction"], "NotAction", source) if "NotAction" in raw else None
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(f"{source}: a statement cannot have both Resource and NotResource")
    resources = _strings(raw["Resource"], "Resource", source) if "Resource" in raw else ()
    not_resources = (_strings(raw["NotResource"], "NotResource", source)
                     if "NotResource" in raw else None)
    if kind == "identity" and "Resource" not in raw and "NotResource" not in raw:
        raise PolicyError(f"{source}: an identity policy statement needs Resource or NotResource")
    if kind in ("trust", "resource") and not resources and not_resources is None:
        resources = ("*",)  # a role's trust, an ECR repository's policy: the resource itself
    principals = _principals(raw["Principal"], source) if "Principal" in raw else None
    not_principals = _principals(raw["NotPrincipal"], source) if "NotPrincipal" in raw else None
    sid = raw.get("Sid")
    return Statement(effect=effect, actions=actions, not_actions=not_actions, resources=resources,
                     not_resources=not_resources, principals=principals,
                     not_principals=not_principals, conditions=_conditions(raw.get("Condition"),
                                                                           source),
                     sid=str(sid) if sid is not None else None, source=source, variables=variables)


def parse_policy(doc: Any, source: str, kind: str = "identity") -> Policy:
    """Parse a policy (kind: identity, trust or resource); raise PolicyError naming `source`."""
    d = load_document(doc, source)
    if "Statement" not in d:
        raise PolicyError(f"{source}: policy has no Statement")
    raw = d["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    variables = d.get("Version") == "2012-10-17"
    return Policy(source, tuple(parse_statement(s, source, kind, variables) for s in items))
