"""Atomic file writes: a file is either the old one or the complete new one, never half."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

# mkstemp makes 0600 files; outputs should get the mode any new file would (0666 less umask).
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_writer(path: Path):
    """A binary file that appears at `path` whole, when the block ends without error (for
    outputs written piece by piece, never held as one string)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    with atomic_writer(path) as fh:
        fh.write(data)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


# --- output folders -------------------------------------------------------------------------
# The tool replaces only a folder it wrote itself, one run at a time, and the swap is safe under
# SIGKILL at any instant: the folder is always either the previous run's or this run's.

MARK = ".ecs-auditor-output"
# What an output folder of an earlier version (before the mark) held: such a folder is ours too.
KNOWN_OUTPUTS = {"snapshot.json.gz", "findings.json", "findings.csv", "permissions.csv",
                 "costs.csv", "report.html"}


class OutputError(ValueError):
    """An output folder the tool must not write to (one line for the user)."""


def check_output(path: str | Path) -> Path:
    """The folder `path` may be (re)written by this tool, or OutputError saying why not."""
    out = Path(path)
    if out.is_symlink():
        raise OutputError(f"--output {path}: is a symbolic link; name the folder itself")
    real = out.resolve()
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents or real == Path.home().resolve() or real == Path(real.anchor):
        raise OutputError(f"--output {path}: refusing to replace the current folder, one of its "
                          "parents, the home folder or the root; name a folder of its own")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--output {path}: is a file, not a folder")
    if out.is_dir() and not _ours(out):
        raise OutputError(f"--output {path}: exists, is not empty and was not written by "
                          "ecs-auditor; choose another folder or empty it")
    parent = _existing_ancestor(real.parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"--output {path}: cannot write in {parent}")
    return out


def _ours(folder: Path) -> bool:
    names = {p.name for p in folder.iterdir()}
    return not names or MARK in names or names <= KNOWN_OUTPUTS


def _existing_ancestor(p: Path) -> Path:
    while not p.exists():
        p = p.parent
    return p


class OutputFolder:
    """Holds the lock on an output folder for a run: `with OutputFolder(path) as f: f.replace(fill)`.

    A second run into the same folder is refused while this one holds it; what a killed run
    left behind (its temporary folder, or the previous folder it had moved aside) is tidied, or
    put back, when the next run takes the lock.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = check_output(path)
        self._lock: int | None = None

    def __enter__(self) -> OutputFolder:
        import fcntl

        out = self.path
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out.parent / f".{out.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputError(f"--output {out}: another ecs-auditor run is writing it") from None
        self._lock = fd
        self._recover()
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing releases the lock
            self._lock = None

    def _recover(self) -> None:
        out = self.path
        moved = sorted(out.parent.glob(f".{out.name}.old-*"))
        if moved and not out.exists():
            os.rename(moved.pop(), out)  # killed between moving the old folder aside and the swap
        for litter in [*moved, *out.parent.glob(f".{out.name}.tmp-*")]:
            shutil.rmtree(litter, ignore_errors=True)

    def replace(self, fill) -> Path:
        """fill(tmp) writes the new folder's files; then it takes the place of the old one."""
        out = self.path
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            fill(tmp)
            (tmp / MARK).write_text("written by ecs-auditor; it may replace this folder\n")
            os.chmod(tmp, 0o777 & ~_UMASK)
            if not out.exists():
                os.rename(tmp, out)
            elif _exchange(tmp, out):
                shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous run
            else:
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                os.rename(out, old)
                os.rename(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


# --- reading what the user gives us ---------------------------------------------------------

MAX_INPUT_BYTES = 1 << 30  # a file given to the tool (snapshot, findings, price table, mutelist)
MAX_UNPACKED_BYTES = 2 << 30  # a gzipped snapshot, decompressed


class InputError(ValueError):
    """A file the tool cannot read as input (one line for the user)."""


def read_input(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; a FIFO, a device or a folder is
    refused before it is opened (reading /dev/zero or a FIFO would never end)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{p}: not a regular file")
    if st.st_size > limit:
        raise InputError(f"{p}: {st.st_size} bytes is more than the {limit >> 20} MiB this input may be")
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    if len(data) > limit:
        raise InputError(f"{p}: more than the {limit >> 20} MiB this input may be")
    return data


def gunzip_bounded(blob: bytes, where: str, limit: int = MAX_UNPACKED_BYTES) -> bytes:
    """Decompress without ever holding more than `limit` bytes (a gzip bomb stops here)."""
    import zlib

    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(blob, limit + 1)
    except zlib.error:
        raise InputError(f"{where}: truncated or corrupt gzip file") from None
    if len(out) > limit or d.unconsumed_tail:
        raise InputError(f"{where}: decompresses to more than {limit >> 20} MiB")
    if not d.eof:
        raise InputError(f"{where}: truncated or corrupt gzip file")
    return out


def load_json(text: bytes | str, where: str) -> object:
    """json.loads with one-line errors, nesting too deep for Python included."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(f"{where}: nested too deeply to be an input of this tool") from None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise InputError(f"{where}: not JSON") from None
