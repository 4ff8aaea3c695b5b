"""Decide, when a task definition is read, which of its values look like secrets, and redact them.

Secret shapes come from `detect-secrets` (its keyword, AWS, Azure, Slack, JWT, private-key and
token plugins; not its entropy plugins, which flag every image digest and git SHA), plus the
shapes it misses that task definitions are full of (a password in a URL without a user, in a
`-D...Password=` flag, after `--password`). The collector keeps only the verdict, a redacted
preview and a keyed hash; the value itself never leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets as _secrets
import stat
import sys
import threading
from pathlib import Path

# Shapes detect-secrets 1.5 does not report in these forms (each seen in real task definitions).
_EXTRA_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("URL with embedded credentials", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:@/]*:[^\s@]+@[^\s@]")),
    ("password in a -D option", re.compile(r"(?i)-D[\w.-]*(?:password|secret|token)[\w.-]*=\S{3,}")),
    ("password in a connection string", re.compile(r"(?i)\b(?:password|pwd|accountkey)=[^;\s&]{3,}")),
    ("password after a command-line flag",
     re.compile(r"(?i)--?[\w-]*(?:password|passwd|secret|token|api-?key)[\w-]*[ =]+(?!-)\S{3,}")),
    ("AWS secret access key shape", re.compile(r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*\d)"
                                               r"(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
                                               r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")),
)
# Public prefixes that are safe to show and tell the kind of credential.
_SHOWN_PREFIX = re.compile(r"^(AKIA|ASIA|ABIA|ACCA|ghp_|gho_|ghs_|xox[abposr]-|sk_live_|"
                           r"-----BEGIN|eyJ|AIza)")

_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|pass$|_pass_|passphrase|\bpwd\b|_pwd$|^pwd_|secret|token|api_?key|"
    r"private_?key|access_?key|credential|auth_?key|signing_?key|client_?secret|session_?key|"
    r"license_?key|encryption_?key|master_?key|dsn$)")
# Names that refer to a secret without holding it, or that configure around it.
_REFERENCE_NAME = re.compile(
    r"(?i)(_(file|path|arn|name|id|ref|uri_ref|location|dir|enabled|disabled|length|len|"
    r"min|max|ttl|expiry|expires|timeout|header|type|mode|policy|rotation|version|endpoint)$|"
    r"allow_empty_password|random_root_password)")
_TRIVIAL_VALUES = {"", "yes", "no", "true", "false", "on", "off", "0", "1", "none", "null", "nil",
                   "enabled", "disabled", "changeme-not-set", "-"}
_REFERENCE_VALUE = re.compile(r"^(arn:|/|\$\{|\{\{|ssm:|secretsmanager:|file:|s3://|https?://[^@]*$)")

# detect-secrets plugins that look for a credential's shape (or a keyword next to a value).
_PLUGINS_SKIPPED = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}


@functools.cache
def _plugins() -> tuple:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import default_settings

    with default_settings():
        return tuple(cls() for cls in get_mapping_from_secret_type_to_class().values()
                     if cls.__name__ not in _PLUGINS_SKIPPED)


_scan_lock = threading.Lock()  # detect-secrets keeps settings in module state


def secret_shape(text: str, name: str = "") -> str | None:
    """Why `text` (the value of `name`, if it has one) holds a secret, or None."""
    if not text or len(text) > 100_000:
        return None if not text else "value too long to judge (kept out of the snapshot)"
    for reason, pattern in _EXTRA_SHAPES:
        if pattern.search(text):
            return reason
    line = f'{name}="{text}"' if name else text
    from detect_secrets.settings import default_settings

    with _scan_lock, default_settings():
        for plugin in _plugins():
            found = plugin.analyze_line(filename="task-definition", line=line, line_number=1)
            kinds = sorted({s.type for s in found})
            if kinds and kinds != ["Secret Keyword"]:
                return f"{kinds[0]} (detect-secrets)"
            if kinds and not name:
                return "keyword and value (detect-secrets)"
    return None


def classify_env(name: str, value: str) -> tuple[str, str]:
    """Return ("secret", reason) or ("clean", "") for an environment variable (or any option
    with a name and a value: log options, driver options, labels)."""
    shape = secret_shape(value)
    if shape:
        return "secret", shape
    if _REFERENCE_NAME.search(name) or value.strip().lower() in _TRIVIAL_VALUES \
            or _REFERENCE_VALUE.match(value.strip()):
        return "clean", ""
    if _SECRET_NAME.search(name) and len(value) >= 4:
        return "secret", f"name '{name}' says it holds a secret"
    if secret_shape(value, name):  # a keyword detect-secrets knows (and we did not)
        return "secret", f"name '{name}' says it holds a secret (detect-secrets)"
    return "clean", ""


def redacted_preview(value: str) -> str:
    """Enough to recognise the kind of secret, never enough to use it."""
    m = _SHOWN_PREFIX.match(value)
    return f"{m.group(0)}…[{len(value)} chars]" if m else f"…[{len(value)} chars]"


# --- the keyed hash --------------------------------------------------------------------------
# A redacted value is kept as an HMAC so that `diff` sees a changed secret. The key lives outside
# every output; a public key would let anyone test guesses against a snapshot's hashes.

_key_lock = threading.Lock()
_key: bytes | None = None


def _key_path() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "ecs-auditor" / "hash.key"


def _read_key(path: Path) -> bytes:
    st = os.stat(path, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{path} is not a regular file")
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise OSError(f"{path} must be yours and readable by you alone (chmod 600)")
    key = path.read_bytes()
    if len(key) < 32:
        raise OSError(f"{path} holds fewer than 32 bytes")
    return key


def _load_key() -> bytes:
    env = os.environ.get("ECS_AUDITOR_HASH_KEY")
    if env:
        return env.encode()
    path = _key_path()
    try:
        try:
            return _read_key(path)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = _secrets.token_hex(32).encode()
            # Written whole under a private name, then linked into place: a run that starts at
            # the same moment either links first or reads a complete key, never half of one.
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(key)
                os.link(tmp, path)
            except FileExistsError:  # another run created it first: use that one
                return _read_key(path)
            finally:
                tmp.unlink(missing_ok=True)
            return key
    except OSError as e:
        print(f"ecs-auditor: warning: cannot use the hash key ({e}); using a key for this run "
              "only, so redacted values will not compare with other runs", file=sys.stderr)
        return _secrets.token_bytes(32)


def hash_key() -> bytes:
    """The key, resolved once per process (so every value of one run is hashed alike)."""
    global _key
    with _key_lock:
        if _key is None:
            _key = _load_key()
        return _key


def keyed_hash(value: str) -> str:
    return hmac.new(hash_key(), value.encode(), hashlib.sha256).hexdigest()[:24]
