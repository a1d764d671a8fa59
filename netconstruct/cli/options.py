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
NetworkFile = Annotated[Path, typer.Argument(help="A network JSON file.")]
OutFile = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the result here.")]
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
General = Annotated[str, typer.Option(
    "--general", help="General box certificate: auto (where no structural one applies, and for d ≤ 3 beside it), "
                      "always, or never.")]
PlotFile = Annotated[Optional[Path], typer.Option("--plot", help="Also draw the curves (PNG).")]


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
    for t in csv(text, kind):
        if not t.isdigit() or int(t) < minimum:
            raise UsageError(f"{kind}: {t!r} must be an integer ≥ {minimum}")
        out.append(int(t))
    return out


def target(name: Optional[str], g: Optional[str], radius: str, lipschitz: Optional[str]):
    from ..targets import make_target

    positive(radius, "radius")
    return make_target(name, g, radius, lipschitz)


def budget(seconds: float, max_regions: int, general: str = "auto"):
    """The general certificate's :class:`~netconstruct.certificates.Budget`, or a one-line UsageError."""
    from ..certificates import Budget

    if not seconds > 0 or max_regions < 1:
        raise UsageError(f"--time must be > 0 and --max-regions ≥ 1, got {seconds:g} and {max_regions}")
    if general not in ("auto", "always", "never"):
        raise UsageError(f"--general must be auto, always or never, got {general!r}")
    return Budget(max_regions=max_regions, seconds=seconds, general=general)


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
