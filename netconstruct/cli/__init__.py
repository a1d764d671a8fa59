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
    app()


__all__ = ["app", "main"]
