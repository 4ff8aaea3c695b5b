"""Decide, when an environment variable is read, whether its value looks like a secret.

The collector calls `classify_env` and keeps only the verdict, a redacted preview and a keyed
hash of a secret; the value itself never leaves this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets as _secrets
from pathlib import Path

# Value shapes that are credentials whatever the variable is called.
_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    # (reason, pattern, characters of the match that are a public prefix and safe to show)
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), 4),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), 10),
    ("URL with embedded credentials", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]+@"), 0),
    ("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"), 3),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), 4),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), 5),
    ("Stripe secret key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}"), 8),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 4),
    ("password in a connection string", re.compile(r"(?i)\b(?:password|pwd)=[^;\s]{3,}"), 0),
)

# AWS secret access keys: 40 characters of base64 with at least one digit and a mixed case.
_AWS_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9/+]{40}$")

_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|\bpwd\b|_pwd$|^pwd_|secret|token|api_?key|private_?key|"
    r"access_?key|credential|auth_?key|signing_?key|client_?secret|session_?key|dsn$)"
)
# Names that refer to a secret without holding it, or that configure around it.
_REFERENCE_NAME = re.compile(
    r"(?i)(_(file|path|arn|name|id|ref|uri_ref|location|dir|enabled|disabled|length|len|"
    r"min|max|ttl|expiry|expires|timeout|header|type|mode|policy|rotation|version|endpoint)$|"
    r"allow_empty_password|random_root_password)"
)
_TRIVIAL_VALUES = {"", "yes", "no", "true", "false", "on", "off", "0", "1", "none", "null", "nil",
                   "enabled", "disabled", "changeme-not-set", "-"}
_REFERENCE_VALUE = re.compile(r"^(arn:|/|\$\{|\{\{|ssm:|secretsmanager:|file:|s3://|https?://[^@]*$)")


def classify_env(name: str, value: str) -> tuple[str, str]:
    """Return ("secret", reason) or ("clean", "")."""
    for reason, pattern, _ in _VALUE_PATTERNS:
        if pattern.search(value):
            return "secret", reason
    if _REFERENCE_NAME.search(name) or value.strip().lower() in _TRIVIAL_VALUES:
        return "clean", ""
    if _REFERENCE_VALUE.match(value.strip()):
        return "clean", ""
    if _AWS_SECRET_SHAPE.match(value) and re.search(r"\d", value) and re.search(r"[a-z]", value) \
            and re.search(r"[A-Z]", value):
        return "secret", "AWS secret access key shape"
    if _SECRET_NAME.search(name) and len(value) >= 4:
        return "secret", f"variable name '{name}' says it holds a secret"
    return "clean", ""


def redacted_preview(value: str) -> str:
    """Enough to recognise the kind of secret, never enough to use it."""
    for _, pattern, shown in _VALUE_PATTERNS:
        m = pattern.search(value)
        if m and shown:
            return f"{m.group(0)[:shown]}…[{len(value)} chars]"
    return f"…[{len(value)} chars]"


def _hash_key() -> bytes:
    env = os.environ.get("ECS_AUDITOR_HASH_KEY")
    if env:
        return env.encode()
    # A per-user key kept outside every output, so the hash cannot be brute-forced from a
    # snapshot alone, yet two scans by the same user compare (diff sees a changed secret).
    path = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "ecs-auditor" / "hash.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = _secrets.token_hex(32).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    except OSError:
        return b"ecs-auditor-unkeyed"


def keyed_hash(value: str) -> str:
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()[:24]
