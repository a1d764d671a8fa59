"""The Typer application, its error handling and its stderr progress: shared by every command module.

Results go to stdout (a rich table, or one JSON document with ``--json``); progress and errors go to
stderr.  Exit codes: 0 success/certified, 1 a check failed or a file/network problem, 2 bad
arguments, 3 internal error (a bug in netconstruct).  ``NO_COLOR`` is respected (rich does it).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import NetconstructError, Terminated

class _OneLineErrors(TyperGroup):
    """The command group, with the command line's own errors (an unknown option, a value of the wrong type) as one
    line on stderr and exit 2 — the same line whether the app runs from the console script or a test's runner."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        import sys

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as exc:  # click's exceptions (typer carries its own copy of click): known by their shape
            if type(exc).__name__ == "Abort":
                sys.stderr.write("error: interrupted\n")
                sys.exit(130)
            if not (hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)):
                raise
            ctx = getattr(exc, "ctx", None)
            where = f"see '{ctx.command_path} --help'" if ctx is not None else "see 'netconstruct --help'"
            sys.stderr.write(f"error: {' '.join(exc.format_message().split())} ({where})\n")
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    name="netconstruct",
    help=(
        "Explicit neural networks from the theory of depth separation, built exactly, verified in "
        "high precision, exported as documented JSON.\n\n"
        "Start with:  netconstruct radial --d 50 --eps 0.1 --out net.json"
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain text: "[lower, upper]" stays as written
)


def stderr():
    from rich.console import Console

    return Console(stderr=True)


def stdout():
    from rich.console import Console

    return Console()


def fail(message: str, code: int = 1) -> None:
    stderr().print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _quiet_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that flushing what is still buffered for a closed pipe does not fail."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:  # pragma: no cover - no /dev/null
        pass


@contextmanager
def handled() -> Iterator[None]:
    """Turn every failure into one line on stderr and a documented exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except NetconstructError as exc:
        fail(str(exc).replace("[", r"\["), exc.exit_code)
    except MemoryError:
        from ..limits import default_max_memory, gib

        fail(f"out of memory: an allocation failed although the job was estimated within the memory budget "
             f"({gib(default_max_memory())} by default, --max-memory); the machine has less free memory than that — "
             "make the job smaller (--eps, --d, --samples, --max-neurons)", 1)
    except Terminated:
        fail("terminated", 143)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:  # the reader of stdout went away (`| head`): not our bug — quietly exit 1, as Python advises
        _quiet_stdout()
        raise typer.Exit(1)
    except Exception as exc:  # pragma: no cover - the last line of defence
        if os.environ.get("NETCONSTRUCT_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set NETCONSTRUCT_DEBUG=1 for a traceback)", 3)


@contextmanager
def stages(enabled: bool = True):
    """A transient spinner on stderr; yields ``progress(stage)``."""
    console = stderr() if enabled else None
    if console is None or not console.is_terminal:  # nothing to show: rich.progress is not even imported
        yield lambda stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as prog:
        task = prog.add_task("starting", total=None)
        yield lambda stage: prog.update(task, description=stage)


@contextmanager
def bar(description: str):
    """A transient progress bar on stderr; yields ``tick(done, total, description)``."""
    console = stderr()
    if not console.is_terminal:  # nothing to show: rich.progress is not even imported
        yield lambda done, total, desc: None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as prog:
        task = prog.add_task(description, total=None)
        yield lambda done, total, desc: prog.update(task, completed=done, total=total, description=desc)


def emit_json(obj: Any) -> None:
    from ..reports import to_json_text

    typer.echo(to_json_text(obj))


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"netconstruct {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Explicit networks from depth-separation theory."""
