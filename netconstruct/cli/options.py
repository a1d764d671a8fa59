"""Options shared by several commands (``Annotated`` aliases) and the parsing of option text."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import NetconstructError, UsageError

TARGET_HELP = ("Named radial profile g: norm, sine, tent, ramp, soft-ball, gauss (default: sine); defined relative "
               "to the radius R (sine is R·sin(πr/R)/π).")
G_HELP = "Profile g as an expression in r, e.g. 'sin(pi*r)/pi' or 'max(0, 1/4 - abs(r - 1/2))'."

Json = Annotated[bool, typer.Option("--json", help="Print the report as one JSON document.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of every random choice (same seed, same bytes).")]
TargetName = Annotated[Optional[str], typer.Option("--target", help=TARGET_HELP)]
GExpr = Annotated[Optional[str], typer.Option("--g", help=G_HELP)]
Lipschitz = Annotated[Optional[str], typer.Option("--lipschitz", help="Lipschitz constant of g (default: certified).")]
Samples = Annotated[int, typer.Option("--samples", help="Number of random verification points.")]
Digits = Annotated[int, typer.Option("--digits", help="mpmath digits for re-evaluating the worst points.")]
NetworkFile = Annotated[Path, typer.Argument(help="A network JSON file.", readable=False)]
OutFile = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the result here.", readable=False)]
MaxMemory = Annotated[Optional[str], typer.Option(
    "--max-memory", help="Refuse work estimated above this much memory, e.g. 4G or 512M (default: half of RAM).")]
Workers = Annotated[Optional[int], typer.Option(
    "--workers", help="Local worker processes for the parallel parts (default: the machine's cores; 1 = none).")]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", help="Send the parallel parts to a running dask.distributed cluster, e.g. tcp://10.0.0.5:8786 "
                        "(extra [dask]; see docs/scaling.md).")]
BoxTime = Annotated[float, typer.Option(
    "--time", help="Seconds the general (box) certificate may spend; past it the bound stays valid, only looser.")]
MaxRegions = Annotated[int, typer.Option(
    "--max-regions", help="Boxes the general certificate may bound (a budget that keeps results reproducible).")]
Tol = Annotated[float, typer.Option(
    "--tol", help="The general certificate stops when upper ≤ lower·(1 + tol) + atol (relative gap; default 1e-3).")]
Atol = Annotated[float, typer.Option(
    "--atol", help="Absolute part of the stopping gap of the general certificate (default 0).")]
General = Annotated[str, typer.Option(
    "--general", help="General box certificate: auto (where no structural one applies, and for d ≤ 3 beside it), "
                      "always, or never.")]
PlotFile = Annotated[Optional[Path], typer.Option("--plot", help="Also draw the curves (PNG).", readable=False)]


def positive(text: str, name: str) -> Fraction:
    """``--name`` as an exact positive number, or a one-line UsageError."""
    from ..exact import parse_exact

    try:
        q = parse_exact(text, f"--{name}")
    except NetconstructError as exc:
        raise UsageError(str(exc)) from None
    if q <= 0:
        raise UsageError(f"--{name} must be > 0, got {text}")
    return q


def csv(text: str, kind: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise UsageError(f"{kind} must be a comma-separated list")
    return items


def int_list(text: str, kind: str, minimum: int = 1) -> list[int]:
    out = []
    for t in csv(text, kind):  # ASCII digits only ("١٢" is not 12 here), at most 18 of them
        if not (t.isascii() and t.isdigit() and len(t) <= 18) or int(t) < minimum:
            raise UsageError(f"{kind}: {t[:40]!r} must be an integer ≥ {minimum} (at most 18 digits)")
        out.append(int(t))
    return out


def target(name: Optional[str], g: Optional[str], radius: str, lipschitz: Optional[str]):
    from ..targets import make_target

    positive(radius, "radius")
    if lipschitz is not None:
        positive(lipschitz, "lipschitz")
    return make_target(name, g, radius, lipschitz)


def budget(seconds: float, max_regions: int, general: str = "auto", tol: float = 1e-3, atol: float = 0.0,
           max_memory: Optional[int] = None):
    """The general certificate's :class:`~netconstruct.certificates.Budget`, or a one-line UsageError."""
    from ..certificates import Budget

    if not (seconds > 0 and seconds < float("inf")) or max_regions < 1:
        raise UsageError(f"--time must be > 0 and --max-regions ≥ 1, got {seconds:g} and {max_regions}")
    if general not in ("auto", "always", "never"):
        raise UsageError(f"--general must be auto, always or never, got {general!r}")
    finite(tol, "--tol", 0.0, 1e6, open_low=False)
    finite(atol, "--atol", 0.0, 1e300, open_low=False)
    return Budget(max_regions=max_regions, seconds=seconds, general=general, tol=tol, atol=atol, max_memory=max_memory)


def memory(text: Optional[str]) -> Optional[int]:
    """``--max-memory`` in bytes (``4G``, ``512M``, ``100000``), or None for the default budget."""
    if text is None:
        return None
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = units.get(t[-1:], 1)
    digits = t[:-1] if t[-1:] in units else t
    try:
        value = float(digits)
    except ValueError:
        raise UsageError(f"--max-memory: {text!r} is not a size such as 4G or 512M") from None
    if not value > 0 or value * scale > 2**60:
        raise UsageError(f"--max-memory must be a positive size, got {text!r}")
    return int(value * scale)


def writable(path, *inputs):
    """``path`` if it can be written (checked before the work starts) and is none of the command's ``inputs``,
    else a one-line error."""
    if path is not None:
        from ..fileio import ensure_writable

        ensure_writable(path, inputs)
    return path


#: the documented ranges of the options every command shares (docs/reliability.md)
MAX_SEED = 2**63 - 1
MAX_SAMPLES = 10_000_000
MAX_DIGITS = 1000
MAX_DIMENSION = 10**6


def seed(value: int) -> int:
    if not 0 <= value <= MAX_SEED:
        raise UsageError(f"--seed must be between 0 and 2^63 - 1, got {value}")
    return value


def samples(value: int, name: str = "--samples", most: int = MAX_SAMPLES) -> int:
    if not 1 <= value <= most:
        raise UsageError(f"{name} must be between 1 and {most:,}, got {value:,}")
    return value


def digits(value: int) -> int:
    if not 15 <= value <= MAX_DIGITS:
        raise UsageError(f"--digits must be between 15 and {MAX_DIGITS}, got {value}")
    return value


def dimension(value: int, name: str = "--d") -> int:
    if not 1 <= value <= MAX_DIMENSION:
        raise UsageError(f"{name} must be between 1 and {MAX_DIMENSION:,}, got {value}")
    return value


def workers(value: Optional[int]) -> Optional[int]:
    """``--workers`` checked (≥ 1) and capped to the machine's cores, with a note on stderr."""
    if value is None:
        return None
    from ..parallel import default_workers

    if value < 1:
        raise UsageError(f"--workers must be ≥ 1, got {value}")
    cores = default_workers()
    if value > cores:
        from .app import stderr

        stderr().print(f"note: --workers {value} capped to {cores} (this machine's cores)", highlight=False,
                       soft_wrap=True)
        return cores
    return value


def scheduler(value: Optional[str]) -> Optional[str]:
    """``--scheduler`` checked to read tcp://HOST:PORT before any work (the connection is tried when it is used)."""
    if value is None:
        return None
    from ..parallel import check_scheduler

    return check_scheduler(value)


def parallel(workers_value: Optional[int], scheduler_value: Optional[str]) -> tuple[Optional[int], Optional[str]]:
    return workers(workers_value), scheduler(scheduler_value)


def finite(value: float, name: str, low: float = 0.0, high: float = float("inf"), open_low: bool = True) -> float:
    """A float option that must be finite and in (low, high] (or [low, high])."""
    finite_value = value == value and value not in (float("inf"), float("-inf"))  # not NaN, not ±inf
    ok = finite_value and (value > low if open_low else value >= low) and value <= high
    if not ok:
        side = "(" if open_low else "["
        raise UsageError(f"{name} must be a finite number in {side}{low:g}, {high:g}], got {value!r}")
    return value


def float_list(text: str, name: str, low: float = 0.0, high: float = float("inf")) -> tuple[float, ...]:
    out = []
    for t in csv(text, name):
        try:
            v = float(t)
        except ValueError:
            raise UsageError(f"{name}: {t!r} is not a number") from None
        out.append(finite(v, name, low, high))
    return tuple(out)
