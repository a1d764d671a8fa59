"""The ``netconstruct`` command line: a thin shell over the library.

One module per group of commands; each command parses its options, makes one library call and
renders the report.  Importing this package registers every command on :data:`app`.
"""

from __future__ import annotations

from . import bound_weights, inspect, io, radial, seeds, separation  # noqa: F401  (register the commands)
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
