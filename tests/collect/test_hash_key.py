"""The key of the keyed hash that stands for a redacted value: never a public constant, never a
crash (an unusable key file means a per-run key and a warning), and no first-run race."""

from __future__ import annotations

import threading

import pytest

from auditor.collect import secrets


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.delenv("ECS_AUDITOR_HASH_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(secrets, "_key", None)
    return tmp_path / "config" / "ecs-auditor" / "hash.key"


def test_first_run_creates_a_private_key_and_later_runs_reuse_it(fresh):
    key = secrets.hash_key()
    assert len(key) >= 32 and fresh.read_bytes() == key
    assert fresh.stat().st_mode & 0o777 == 0o600
    secrets._key = None
    assert secrets.hash_key() == key


@pytest.mark.parametrize("spoil", ["empty", "directory", "group-readable", "unwritable-home"])
def test_an_unusable_key_file_gives_a_per_run_key_and_a_warning(fresh, capsys, monkeypatch, spoil):
    fresh.parent.mkdir(parents=True)
    if spoil == "unwritable-home":  # even root cannot make a folder inside a file
        (fresh.parent / "file").write_text("")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(fresh.parent / "file"))
    elif spoil == "empty":
        fresh.write_bytes(b"")
        fresh.chmod(0o600)
    elif spoil == "directory":
        fresh.mkdir()
    elif spoil == "group-readable":
        fresh.write_bytes(b"k" * 64)
        fresh.chmod(0o644)
    first = secrets.hash_key()
    secrets._key = None
    second = secrets.hash_key()
    assert first != second  # random per run: a hash cannot be tested against guesses offline
    assert first not in (b"", b"k" * 64) and len(first) == 32
    assert capsys.readouterr().err.count("warning: cannot use the hash key") == 2


def test_concurrent_first_runs_agree_on_one_key(fresh):
    keys = []

    def run():
        keys.append(secrets._load_key())
    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1 and keys[0] == fresh.read_bytes()
