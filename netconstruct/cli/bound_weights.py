"""``bound-weights``: depth k → 3k+3 with polynomially bounded weights, checked exactly on the grid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import NetconstructError, UsageError
from . import options as opt
from .app import app, emit_json, handled, stages, stdout
from .options import Json, MaxMemory, OutFile, Scheduler, Workers, csv, memory, positive, writable
from .render import fmt_number, table


@app.command("bound-weights")
def bound_weights_cmd(
    model: Annotated[Path, typer.Argument(help="A ReLU network: JSON, .onnx, .pt/.pth or .npz.", readable=False)],
    bits: Annotated[int, typer.Option("--bits", "-B", help="Bits per input coordinate (grid 2^B per axis).")] = 8,
    eps: Annotated[str, typer.Option(
        "--eps", help="Output precision: digits below ε are dropped (error ≤ ε/2 on the grid); 0 = exact.")] = "0",
    band_bits: Annotated[int, typer.Option(
        "--band-bits", help="Read-in bands have width δ/2^β (β = this); their measure is reported.")] = 10,
    output_range: Annotated[str, typer.Option(
        "--range", help="A bound M ≥ |N| on the grid; 'auto' = the grid maximum (exact) or a certified interval bound.")
    ] = "auto",
    low: Annotated[Optional[str], typer.Option(
        "--low", help="Domain box lower corner, comma-separated (default: metadata.domain or 0); negative values as --low=-1.")
    ] = None,
    high: Annotated[Optional[str], typer.Option(
        "--high", help="Domain box upper corner, comma-separated (default: metadata.domain or 1).")] = None,
    out: OutFile = None,
    check_limit: Annotated[int, typer.Option(
        "--check-limit", help="Check every grid point when there are at most this many.")] = 1_000_000,
    samples: Annotated[int, typer.Option(
        "--samples", help="Random grid points (beyond the limit) and random box points checked.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampled points.")] = 0,
    max_neurons: Annotated[int, typer.Option(
        "--max-neurons", help="Refuse to build a larger network (about 45,000 neurons a second).")] = 1_000_000,
    json_out: Json = False,
    max_memory: MaxMemory = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Depth k → depth 3k+3 with polynomially bounded weights (Vardi & Shamir 2020), checked exactly.

    The input is read to B bits, every ReLU layer becomes three layers of small-weight threshold
    gates (ReLU pairs) and a read-out turns the output digits back into a number.  The new network
    is compared with the original exactly on the grid of B-bit inputs; exit 1 if any check fails.

    Example:  netconstruct bound-weights examples/large_weights_k2.json --bits 8 --out bounded.json
    """
    with handled():
        writable(out, model)
        from ..exact import parse_exact
        from ..export import load_any
        from ..jsonio import save
        from ..transforms.study import bound_weights

        if not 1 <= bits <= 24:
            raise UsageError(f"--bits must be between 1 and 24, got {bits}")
        if not 0 <= band_bits <= 60:
            raise UsageError(f"--band-bits must be between 0 and 60, got {band_bits}")
        try:
            eps_q = parse_exact(eps, "--eps")
        except NetconstructError as exc:
            raise UsageError(str(exc)) from None
        if eps_q < 0:
            raise UsageError(f"--eps must be ≥ 0, got {eps}")
        if samples < 0 or check_limit < 1:
            raise UsageError("--samples must be ≥ 0 and --check-limit ≥ 1")
        given = None if output_range == "auto" else positive(output_range, "range")
        corners = [None if t is None else csv(t, f"--{n}") for t, n in ((low, "low"), (high, "high"))]
        net = load_any(model, memory(max_memory))
        opt.seed(seed)
        workers, scheduler = opt.parallel(workers, scheduler)  # last: its note comes only when the command goes on
        with stages(not json_out) as progress:
            rep = bound_weights(net, bits, eps_q, band_bits, given, *corners, check_limit=check_limit,
                                samples=samples, seed=seed, max_neurons=max_neurons, progress=progress,
                                workers=workers, scheduler=scheduler)
        if out:
            save(rep.artifacts["network"], out)
        if json_out:
            emit_json(rep.to_json() | {"out": str(out) if out else None})
        else:
            _render(model, rep.data, out)
        if not rep.ok:
            raise typer.Exit(1)


def _render(model, rep: dict, out) -> None:
    from rich.table import Table

    con = stdout()
    b, a = rep["before"], rep["after"]
    t = Table(title=f"bound-weights {model}", title_justify="left")
    for col in ("", "original", "transformed", "bound"):
        t.add_column(col)
    t.add_row("depth", str(b["depth"]), str(a["depth"]), f"3k+3 = {rep['depth']['expected']}")
    t.add_row("widths", " → ".join(map(str, b["widths"])), " → ".join(map(str, a["widths"])), "")
    t.add_row("neurons", f"{b['neurons']:,}", f"{a['neurons']:,}", "")
    t.add_row("parameters (non-zero)", f"{b['parameters_nonzero']:,}", f"{a['parameters_nonzero']:,}", "")
    t.add_row("max |weight|", fmt_number(b["max_abs_weight"]), fmt_number(a["max_abs_weight"]), fmt_number(rep["bound"]["max_abs_weight"]))
    t.add_row("max |bias|", fmt_number(b["max_abs_bias"]), fmt_number(a["max_abs_bias"]), fmt_number(rep["bound"]["max_abs_bias"]))
    con.print(t)
    g, bx = rep["grid"], rep["box"]
    rows = [
        ("grid checked (exact)", g["points"]),
        ("max |N' − N| on the grid", f"{fmt_number(g['max_abs_difference'])} (allowed ε/2 = {fmt_number(g['tolerance'])})"),
        ("grid points with |N| > M", f"{g['range_violations']} (M = {fmt_number(rep['output_range']['M'])}: {rep['output_range']['source']})"),
        ("float64 vs exact on the grid", fmt_number(g["float64_max_abs_difference"])),
        ("box: sup |N' − N| off bands (float64)", fmt_number(bx["float64_sup_error_off_bands"])),
        ("box: fraction off bands with error > ε", fmt_number(bx["fraction_above_eps_off_bands"])),
        ("box: read-in band measure (exact)", f"{float(bx['band_measure']):.3e}"),
        ("weights within the bound", "✔" if rep["weights_within_bound"] else "✘"),
        ("depth is 3k+3", "✔" if rep["depth"]["ok"] else "✘"),
        ("all checks", "✔" if rep["ok"] else "✘"),
    ]
    if "mpmath_error_at_worst" in bx:
        rows.insert(5, ("box: worst point in mpmath", fmt_number(bx["mpmath_error_at_worst"])))
    con.print(table("checks", rows))
    if out:
        con.print(f"wrote {out}", highlight=False)
