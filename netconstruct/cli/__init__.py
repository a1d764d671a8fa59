"""The ``netconstruct`` command line: a thin shell over the library.

One module per group of commands; each command parses its options, makes one library call and
renders the report.  Importing this package registers every command on :data:`app`.
"""

from __future__ import annotations

from . import bound_weights, inspect, io, radial, seeds, separation  # noqa: F401  (register the commands)
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
    raise SystemExit(_run())


def _run() -> int:
    """The app, with click's argument errors as one line on stderr (exit 2) instead of a framed block."""
    import sys

    try:
        code = app(standalone_mode=False)
    except Exception as exc:  # click's exceptions (typer may carry its own copy of click): known by their shape
        if type(exc).__name__ == "Abort":
            sys.stderr.write("error: interrupted\n")
            return 130
        if not (hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)):
            raise
        ctx = getattr(exc, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else " (see 'netconstruct --help')"
        message = " ".join(exc.format_message().split())
        sys.stderr.write(f"error: {message}{where}\n")
        return exc.exit_code
    return code if isinstance(code, int) else 0


__all__ = ["app", "main"]
