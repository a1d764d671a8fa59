"""The ``netconstruct`` command line: a thin shell over the library.

One module per group of commands; each command parses its options, makes one library call and
renders the report.  Importing this package registers every command on :data:`app`.
"""

from __future__ import annotations

from . import bound_weights, inspect, io, radial, seeds, separation, train  # noqa: F401  (register the commands)
from .app import app


def _on_sigterm(signum, frame) -> None:
    """SIGTERM in the command's own process unwinds like Ctrl-C (an interrupted write leaves no temporary file);
    a worker process forked from it dies as it would have without the handler."""
    import os
    import signal

    from ..errors import Terminated

    if os.getpid() != _MAIN_PID:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise Terminated()


_MAIN_PID = 0


def main() -> None:
    import os
    import signal

    global _MAIN_PID
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code) -> None:
    """End the process with ``code`` without the interpreter's teardown, which would free every module's objects one
    by one (sympy's alone: about 0.1 s of the README's 1.8 s job) — after the command has finished: every file it wrote
    is already fsynced and renamed into place, and no worker pool or Dask client outlives its ``with`` block.  Standard
    output and error are flushed first; a reader that closed the pipe early makes it exit 1 (as Python itself does)."""
    import os
    import sys

    if code is None:
        code = 0
    elif not isinstance(code, int):  # SystemExit("message"): the message on stderr, exit 1
        sys.stderr.write(f"{code}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):  # a closed pipe, or a stream already closed
            code = code or 1
    os._exit(code)


__all__ = ["app", "main"]
