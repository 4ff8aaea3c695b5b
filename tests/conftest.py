"""Shared fixtures: one moto server with the demo account, collected once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from auditor.demo.server import FAKE_CREDS, moto_server
from auditor.model import load_snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _hash_key() -> None:
    # Keyed hashes need a key; never the developer's own one in tests.
    os.environ.setdefault("ECS_AUDITOR_HASH_KEY", "test-key")


def aws_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=FAKE_CREDS["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=FAKE_CREDS["aws_secret_access_key"],
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 300):
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


_SERVE = """
import sys
from auditor.demo.server import moto_server
with moto_server(managed_policies=sys.argv[1] == "managed") as url:
    print(url, flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@contextmanager
def separate_moto_server(managed_policies: bool = True):
    """A moto server in a process of its own. moto keeps accounts in its process's memory, so a
    second server in the test process would share, and its reset would wipe, the session's
    demo account; a test that changes an account or starts from an empty one uses this."""
    kind = "managed" if managed_policies else "bare"
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, kind], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://"), "the moto server did not start"
        yield url
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def demo_server():
    """A moto server on loopback with the demo account seeded; yields (endpoint, seeded)."""
    from auditor.demo.workloads import seed_demo

    with moto_server() as endpoint:
        yield endpoint, seed_demo(endpoint)


@pytest.fixture(scope="session")
def demo_snapshot(demo_server, tmp_path_factory):
    """The demo account collected by the real CLI over HTTP: (path, inventory, seeded)."""
    endpoint, seeded = demo_server
    path = tmp_path_factory.mktemp("snap") / "snapshot.json.gz"
    proc = run_cli("collect", "--endpoint-url", endpoint, "--regions", "us-east-1",
                   "--output", str(path), env=aws_env(endpoint))
    assert proc.returncode == 0, proc.stderr
    return path, load_snapshot(path), seeded


@pytest.fixture(autouse=True)
def _aws_isolation(monkeypatch):
    # No test may reach a real account: fake credentials and no profile files.
    for k in list(os.environ):
        if k.startswith("AWS_") and k not in ("AWS_ENDPOINT_URL",):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
