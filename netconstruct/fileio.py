"""Writing files so that nothing is lost and nothing is clobbered (as coreutils' tools write).

:func:`atomic_writer` yields a binary file object.  What it writes to depends on what ``path`` is:

* **a regular file, or nothing yet**: a temporary file in the target's folder; on success the data are flushed
  and fsynced and the temporary file replaces the target in one ``os.replace`` (atomic on POSIX within one file
  system), then the folder is fsynced.  On any failure — an exception, Ctrl-C, SIGTERM (the CLI turns it into
  an exception), a full disk — the temporary file is removed and the target is untouched; after ``kill -9`` at
  most a stray ``.<name>.*.tmp`` file remains beside it.  An existing file keeps its permission bits (and, where
  allowed, its owner); a new one gets ``0666 & ~umask``, as ``open()`` would give it;
* **a symbolic link**: the link is followed (to its final target, which is written as above) and stays a link;
* **a FIFO or a character device** (``/dev/null``, ``/dev/stdout``, a pipe from ``>(…)``): written directly,
  never replaced; a FIFO that nobody reads is refused at once instead of waiting;
* **a block device, a socket, a folder**: refused (one line, exit 1).

:func:`ensure_writable` checks all this *before* the work starts — and that the folder can really be written
(a probe file is created and removed) — and refuses an output that is one of the command's own inputs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .errors import NetconstructError, UsageError

#: test hook: seconds to wait after the data are written and before they replace the target
#: (lets the test suite interrupt a write at its most delicate moment)
DELAY_VARIABLE = "NETCONSTRUCT_TEST_WRITE_DELAY"


def _resolved(path: str | Path) -> Path:
    """``path`` with every symbolic link followed (a dangling link gives the path it points to)."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def _kind(p: Path) -> str | None:
    """'regular', 'stream' (FIFO, character device), 'refused: …', or None when nothing is there."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise NetconstructError(f"cannot write {p}: {exc.strerror or exc}") from None
    if stat.S_ISREG(st.st_mode):
        return "regular"
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return "stream"
    if stat.S_ISDIR(st.st_mode):
        return "refused: it is a directory"
    if stat.S_ISBLK(st.st_mode):
        return "refused: it is a block device"
    return "refused: it is not a regular file, a FIFO or a character device"


def _folder(p: Path) -> Path:
    return p.parent if str(p.parent) else Path(".")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _target(shown: Path) -> tuple[Path, str | None]:
    """(what ``shown`` resolves to through its links, its kind: None, "regular" or "stream"), or a one-line error
    for a folder, a block device, a socket, or a file in a folder that does not exist."""
    target = _resolved(shown)
    kind = _kind(target)
    if kind is not None and kind.startswith("refused"):
        raise NetconstructError(f"cannot write {shown}: {kind.removeprefix('refused: ')}")
    if kind != "stream" and not _folder(target).is_dir():
        raise NetconstructError(f"cannot write {shown}: the folder {_folder(target)} does not exist")
    return target, kind


def ensure_writable(path: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Fail early (before any long computation) when ``path`` cannot be written: a folder, a block device, a
    file in a folder that does not exist or cannot be written, or one of the command's ``inputs``
    (a :class:`UsageError`: the command would overwrite what it reads)."""
    p = Path(path)
    for source in inputs:
        if source is not None and Path(source).exists() and _same_file(p, Path(source)):
            raise UsageError(f"--out {p} is the command's own input {source}: choose another output file")
    target, kind = _target(p)
    if kind == "stream":
        return p
    try:  # the one sure test that the folder takes a new file (permissions, a read-only file system, quotas)
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=_folder(target))
    except OSError as exc:
        raise NetconstructError(f"cannot write {p}: {exc.strerror or exc}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return p


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else set and restored."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _stream_writer(p: Path, shown: Path) -> Iterator[BinaryIO]:
    """Write into a FIFO or character device (never replaced — a pipe cannot be renamed over, and replacing
    /dev/null would break the system): the data go to an unnamed, seekable temporary file first (zip archives seek)
    and only once complete are copied into the stream in one pass; a FIFO nobody reads is refused at once, and the
    opened descriptor is checked to be a FIFO or device (a regular file is only ever written atomically)."""
    import shutil

    try:
        fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO with no reader
            raise NetconstructError(f"cannot write {shown}: it is a FIFO that no process is reading") from None
        raise NetconstructError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        # what was opened, not what the path was a moment ago: only a FIFO or a character device is written
        # directly — a regular file that took the path's place meanwhile is never written in place
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            raise NetconstructError(f"cannot write {shown}: it is no longer a FIFO or a device; nothing was written")
        os.set_blocking(fd, True)
        with tempfile.TemporaryFile() as buf:
            yield buf
            buf.seek(0)
            # into the stream itself (a FIFO or device, checked above — never a regular file): it cannot be renamed
            # over, so it gets the complete data, already written and checked in the temporary file, in one pass
            with os.fdopen(fd, "wb", closefd=False) as out:
                shutil.copyfileobj(buf, out)
    except OSError as exc:
        raise NetconstructError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only when the ``with`` block completes (see the module docstring)."""
    shown = Path(path)
    p, kind = _target(shown)  # its own temporary file below is the folder's test: no probe file here
    if kind == "stream":
        with _stream_writer(p, shown) as fh:
            yield fh
        return
    folder = _folder(p)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise NetconstructError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:  # atomic: the temporary file, replaced below
            yield fh
            fh.flush()
            try:
                old = os.stat(p)
            except FileNotFoundError:
                old = None
            if old is None:
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
            else:  # keep what the replaced file had: its mode and (where allowed) its owner
                with contextlib.suppress(OSError):
                    os.fchown(fh.fileno(), old.st_uid, old.st_gid)
                os.fchmod(fh.fileno(), stat.S_IMODE(old.st_mode))
            os.fsync(fh.fileno())
        if os.environ.get(DELAY_VARIABLE):
            import time

            time.sleep(float(os.environ[DELAY_VARIABLE]))
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise NetconstructError(f"cannot write {shown}: {exc.strerror or exc}") from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_writer(path) as fh:
        fh.write(data)


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
