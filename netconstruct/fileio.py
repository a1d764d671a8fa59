"""Writing files so that an existing file is never lost: temp file + flush + fsync + ``os.replace``.

:func:`atomic_writer` yields a binary file object on a temporary file in the target's directory; on
success the data are flushed and fsynced and the temporary file replaces the target in one
``os.replace`` (atomic on POSIX and Windows within one file system), then the directory is fsynced.
On any failure — an exception, Ctrl-C, a full disk — the temporary file is removed and the target is
untouched; after ``kill -9`` at most a stray ``.<name>.*.tmp`` file remains beside it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import NetconstructError


#: test hook: seconds to wait after the data are written and before they replace the target
#: (lets the test suite interrupt a write at its most delicate moment)
DELAY_VARIABLE = "NETCONSTRUCT_TEST_WRITE_DELAY"


def ensure_writable(path: str | Path) -> Path:
    """Fail early (before any long computation) when ``path`` cannot be written: a folder, or a file in
    a folder that does not exist."""
    return _target(path)


def _target(path: str | Path) -> Path:
    p = Path(path)
    if p.is_dir():
        raise NetconstructError(f"cannot write {p}: it is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise NetconstructError(f"cannot write {p}: the folder {parent} does not exist")
    return p


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only when the ``with`` block completes (see the module docstring)."""
    p = _target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent if str(p.parent) else ".")
    except OSError as exc:
        raise NetconstructError(f"cannot write {p}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:  # atomic: the temporary file, replaced below
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if os.environ.get(DELAY_VARIABLE):
            import time

            time.sleep(float(os.environ[DELAY_VARIABLE]))
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise NetconstructError(f"cannot write {p}: {exc.strerror or exc}") from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(p.parent if str(p.parent) else ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_writer(path) as fh:
        fh.write(data)


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
