"""The ``netconstruct`` command line: a thin shell over the library.

Results go to stdout (a rich table, or one JSON document with ``--json``); progress and errors go to
stderr.  Exit codes: 0 success/certified, 1 a check failed or a file/network problem, 2 bad
arguments, 3 internal error.  ``NO_COLOR`` is respected (rich does it).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer

from . import __version__
from .errors import NetconstructError, UsageError

app = typer.Typer(
    name="netconstruct",
    help=(
        "Explicit neural networks from the theory of depth separation, built exactly, verified in "
        "high precision, exported as documented JSON.\n\n"
        "Start with:  netconstruct radial --d 50 --eps 0.1 --out net.json"
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def _stdout():
    from rich.console import Console

    return Console()


def fail(message: str, code: int = 1) -> None:
    _stderr().print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


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
        fail("out of memory; try a larger --eps, a smaller --d, or a lower --max-neurons", 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # pragma: no cover - the last line of defence
        if os.environ.get("NETCONSTRUCT_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set NETCONSTRUCT_DEBUG=1 for a traceback)", 3)


@contextmanager
def stages(enabled: bool = True):
    """A transient spinner on stderr; yields ``progress(stage)``."""
    if not enabled:
        yield lambda stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = _stderr()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as prog:
        task = prog.add_task("starting", total=None)
        yield lambda stage: prog.update(task, description=stage)


def _table(title: str, rows: list[tuple[str, str]]):
    from rich.table import Table

    t = Table(title=title, show_header=False, title_justify="left")
    t.add_column("quantity", style="bold")
    t.add_column("value")
    for k, v in rows:
        t.add_row(k, v)
    return t


def _parse_positive(text: str, name: str):
    from .exact import parse_exact

    try:
        q = parse_exact(text, f"--{name}")
    except NetconstructError as exc:
        raise UsageError(str(exc)) from None
    if q <= 0:
        raise UsageError(f"--{name} must be > 0, got {text}")
    return q


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


TARGET_HELP = "Named radial profile g: norm, sine, tent, ramp, soft-ball, gauss (default: sine)."
G_HELP = "Profile g as an expression in r, e.g. 'sin(pi*r)/pi' or 'max(0, 1/4 - abs(r - 1/2))'."


def _target(target: Optional[str], g: Optional[str], radius: str, lipschitz: Optional[str]):
    from .targets import make_target

    _parse_positive(radius, "radius")
    return make_target(target, g, radius, lipschitz)


@app.command()
def radial(
    d: int = typer.Option(50, "--d", help="Input dimension d ≥ 1."),
    eps: str = typer.Option("0.1", "--eps", help="Target sup-norm accuracy ε > 0 over the ball (read exactly)."),
    depth: int = typer.Option(3, "--depth", help="Network depth (number of affine layers): 3, or 2."),
    regime: str = typer.Option(
        "dimension", "--regime",
        help="For --depth 2: 'dimension' (size poly(d) at fixed ε) or 'accuracy' (size poly(1/ε) at fixed d).",
    ),
    target: Optional[str] = typer.Option(None, "--target", help=TARGET_HELP),
    g: Optional[str] = typer.Option(None, "--g", help=G_HELP),
    radius: str = typer.Option("1", "--radius", help="Radius R of the ball the target lives on."),
    lipschitz: Optional[str] = typer.Option(None, "--lipschitz", help="Lipschitz constant of g (default: certified)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the network as JSON here."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as one JSON document."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampled verification points."),
    samples: int = typer.Option(10_000, "--samples", help="Number of random verification points."),
    digits: int = typer.Option(50, "--digits", help="mpmath digits for re-evaluating the worst points."),
    max_neurons: int = typer.Option(5_000_000, "--max-neurons", help="Refuse to build larger networks."),
    verify: bool = typer.Option(True, "--verify/--no-verify", help="Run the verification after building."),
    timings: bool = typer.Option(False, "--timings", help="Include timings in --json output (not reproducible)."),
) -> None:
    """Build an explicit network for a radial target f(x) = g(‖x‖) on the ball, and verify it.

    Depth 3 (default): the classical construction, size polynomial in d and 1/ε.
    Depth 2: --regime dimension (size poly(d) for fixed ε) or --regime accuracy (poly(1/ε) for fixed d).

    Example:  netconstruct radial --d 50 --eps 0.1 --target sine --out net.json
    Example:  netconstruct radial --depth 2 --regime accuracy --d 2 --eps 0.05
    """
    with handled():
        from .constructions import radial_depth3
        from .report import stats_rows, to_json, verification_rows
        from .verify import verify_radial

        if d <= 0:
            raise UsageError(f"--d must be a positive integer, got {d}")
        if samples <= 0 or digits < 15:
            raise UsageError("--samples must be ≥ 1 and --digits ≥ 15")
        eps_q = _parse_positive(eps, "eps")
        if depth not in (2, 3):
            raise UsageError(f"--depth must be 2 or 3, got {depth}")
        with stages(True) as progress:
            t0 = time.perf_counter()
            progress("certifying the Lipschitz constant of g")
            tgt = _target(target, g, radius, lipschitz)
            progress("building the network (exact arithmetic)")
            if depth == 3:
                net = radial_depth3.build(d, eps_q, tgt, max_neurons=max_neurons)
            else:
                from .constructions import radial_depth2

                net = radial_depth2.build(regime, d, eps_q, tgt, max_neurons=max_neurons)
            t_build = time.perf_counter() - t0
            rep = None
            if verify:
                rep = verify_radial(net, tgt, eps_q, samples=samples, seed=seed, dps=digits, progress=progress)
                net = net.with_metadata(verification=rep.to_json())
            if out is not None:
                progress(f"writing {out}")
                from .jsonio import save

                save(net, out)
        stats = net.stats()
        result = {
            "network": stats,
            "construction": net.metadata.get("construction"),
            "parameters": net.metadata.get("parameters"),
            "target": net.metadata.get("target"),
            "bounds": net.metadata.get("bounds"),
            "verification": rep.to_json() if rep else None,
            "out": str(out) if out else None,
        }
        tim = {"build_s": t_build, **(rep.timings if rep else {})}
        if json_out:
            if timings:
                result["timings"] = tim
            typer.echo(to_json(result))
        else:
            con = _stdout()
            con.print(_table(f"depth-{net.depth} network for g(r) = {tgt.expression} on the ball of radius {radius} in R^{d}", stats_rows(stats)))
            if rep:
                con.print(_table("verification", verification_rows(rep.to_json())))
            con.print("timings: " + ", ".join(f"{k[:-2]} {v:.2f}s" for k, v in tim.items()), highlight=False)
            if out:
                con.print(f"wrote {out}", highlight=False)
        if rep and not rep.ok:
            raise typer.Exit(1)


def _load(path: Path):
    from .jsonio import load

    return load(path)


def _target_from_metadata(net, target, g, radius, lipschitz):
    md = net.metadata.get("target") if isinstance(net.metadata, dict) else None
    if target or g:
        return _target(target, g, radius or (md or {}).get("radius", "1"), lipschitz)
    if not isinstance(md, dict) or "g" not in md:
        raise UsageError("the file names no target: give --target NAME or --g EXPR")
    return _target(None, md["g"], radius or md.get("radius", "1"), lipschitz or md.get("lipschitz"))


@app.command("verify")
def verify_cmd(
    network: Path = typer.Argument(..., help="A network JSON file."),
    eps: Optional[str] = typer.Option(None, "--eps", help="Claimed ε (default: the one stored in the file)."),
    target: Optional[str] = typer.Option(None, "--target", help=TARGET_HELP),
    g: Optional[str] = typer.Option(None, "--g", help=G_HELP),
    radius: Optional[str] = typer.Option(None, "--radius", help="Radius of the ball (default: from the file)."),
    lipschitz: Optional[str] = typer.Option(None, "--lipschitz", help="Lipschitz constant of g."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampled verification points."),
    samples: int = typer.Option(10_000, "--samples", help="Number of random verification points."),
    digits: int = typer.Option(50, "--digits", help="mpmath digits for the worst points."),
) -> None:
    """Re-verify a saved network against its target; exit 1 if the error exceeds ε.

    Example:  netconstruct verify net.json
    """
    with handled():
        from .report import to_json, verification_rows
        from .verify import verify_radial

        net = _load(network)
        if isinstance(net.metadata, dict) and net.metadata.get("construction") == "bound_weights":
            raise UsageError(
                "a bound-weights network is checked against its source network: run "
                "`netconstruct bound-weights SOURCE.json` (its stored report is under metadata.verification)"
            )
        tgt = _target_from_metadata(net, target, g, radius, lipschitz)
        if eps is None:
            stored = (net.metadata.get("parameters") or {}).get("eps") if isinstance(net.metadata, dict) else None
            eps_q = _parse_positive(str(stored), "eps") if stored is not None else None
        else:
            eps_q = _parse_positive(eps, "eps")
        with stages(True) as progress:
            rep = verify_radial(net, tgt, eps_q, samples=samples, seed=seed, dps=digits, progress=progress)
        if json_out:
            typer.echo(to_json(rep.to_json()))
        else:
            _stdout().print(_table(f"verification of {network}", verification_rows(rep.to_json())))
        if not rep.ok:
            raise typer.Exit(1)


@app.command()
def info(
    network: Path = typer.Argument(..., help="A network JSON file."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Structure and statistics of a network: depth, widths, neurons, parameters, largest weights.

    Example:  netconstruct info net.json --json
    """
    with handled():
        from .report import stats_rows, to_json

        net = _load(network)
        stats = net.stats()
        md = net.metadata if isinstance(net.metadata, dict) else {}
        if json_out:
            typer.echo(to_json({"network": stats, "construction": md.get("construction"), "target": md.get("target")}))
            return
        rows = stats_rows(stats)
        if md.get("construction"):
            rows.insert(0, ("construction", str(md["construction"])))
        _stdout().print(_table(str(network), rows))


@app.command("eval")
def eval_cmd(
    network: Path = typer.Argument(..., help="A network JSON file."),
    x: str = typer.Option(..., "--x", help="The point, comma-separated, e.g. '0.1,0.2,0' (read exactly)."),
    digits: int = typer.Option(50, "--digits", help="Digits for the mpmath evaluation."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Evaluate a network at one point in float64, in mpmath, and exactly when it is piecewise linear.

    Example:  netconstruct eval net.json --x 0.1,0.2,0.3
    """
    with handled():
        import numpy as np

        from .arith import MultiPrecision
        from .exact import format_exact, parse_exact
        from .network import PIECEWISE_LINEAR
        from .report import to_json

        net = _load(network)
        parts = [p for p in x.replace(" ", "").split(",") if p != ""]
        point = [parse_exact(p, f"--x coordinate {i + 1}") for i, p in enumerate(parts)]
        if len(point) != net.input_dim:
            raise UsageError(f"--x has {len(point)} coordinates, the network takes {net.input_dim}")
        if digits < 15:
            raise UsageError("--digits must be ≥ 15")
        f64 = net(np.array([float(v) for v in point]))
        mp = MultiPrecision(digits)
        mpv = net.evaluate_point(point, mp)
        result = {
            "float64": [float(v) for v in f64],
            "mpmath": [mp.ctx.nstr(v, digits) for v in mpv],
            "digits": digits,
        }
        if set(net.activations) <= PIECEWISE_LINEAR:
            result["exact"] = [format_exact(v) for v in net.evaluate_exact(point)]
        if json_out:
            typer.echo(to_json(result))
        else:
            rows = [("float64", ", ".join(f"{v:.17g}" for v in result["float64"])), (f"mpmath ({digits} digits)", ", ".join(result["mpmath"]))]
            if "exact" in result:
                rows.append(("exact", ", ".join(result["exact"])))
            _stdout().print(_table(f"{network} at x", rows))


@app.command("export")
def export_cmd(
    network: Path = typer.Argument(..., help="A network JSON file."),
    to: str = typer.Option(..., "--to", help="onnx, torch or npz."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (.onnx, .pt, .npz)."),
    dtype: str = typer.Option("float64", "--dtype", help="float64 (no precision lost) or float32."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Export a network to ONNX (opset 17), a PyTorch checkpoint, or a plain .npz.

    The exact JSON travels inside the file, so `netconstruct import` gives the same network back.
    float32 reports the largest change the cast makes to any weight.

    Example:  netconstruct export net.json --to onnx --out net.onnx
    """
    with handled():
        from .export import export
        from .report import to_json

        net = _load(network)
        rep = export(net, to, out, dtype)
        if dtype == "float32":
            import numpy as np

            from .export import linear_pieces

            rep["max_weight_cast_error"] = max(
                float(np.abs(W - W.astype(np.float32).astype(float)).max()) for W, _, _ in linear_pieces(net)
            )
        if json_out:
            typer.echo(to_json(rep))
        else:
            _stdout().print(f"wrote {out} ({rep['format']}, {rep['dtype']}, {rep['bytes']:,} bytes)", highlight=False)


@app.command("import")
def import_cmd(
    model: Path = typer.Argument(..., help="A .onnx, .pt/.pth (state_dict) or .npz model."),
    out: Path = typer.Option(..., "--out", "-o", help="Write the network JSON here."),
    activation: str = typer.Option("relu", "--activation", help="Hidden activation for a bare state_dict."),
    json_out: bool = typer.Option(False, "--json", help="Print the imported network's statistics as JSON."),
) -> None:
    """Import a trained network (ONNX or PyTorch state_dict) so that verify and info work on it.

    Float weights are taken at their exact binary value.

    Example:  netconstruct import model.onnx --out net.json
    """
    with handled():
        from .export import import_model
        from .jsonio import save
        from .report import stats_rows, to_json

        if activation not in ("relu", "sigmoid", "step"):
            raise UsageError(f"--activation must be relu, sigmoid or step, got {activation!r}")
        net = import_model(model, activation)
        save(net, out)
        if json_out:
            typer.echo(to_json({"network": net.stats(), "out": str(out)}))
        else:
            _stdout().print(_table(f"imported {model} → {out}", stats_rows(net.stats())))


@app.command()
def plot(
    network: Path = typer.Argument(..., help="A network JSON file with a radial target in its metadata."),
    out: Path = typer.Option(..., "--out", "-o", help="PNG file to write."),
    rays: int = typer.Option(6, "--rays", help="Number of rays from the origin."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random rays."),
    target: Optional[str] = typer.Option(None, "--target", help=TARGET_HELP),
    g: Optional[str] = typer.Option(None, "--g", help=G_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Plot the network against its target along rays from the origin, with the error and the certified band.

    Example:  netconstruct plot net.json --out fig.png
    """
    with handled():
        from .plot import plot_radial
        from .report import to_json

        if rays < 1:
            raise UsageError("--rays must be ≥ 1")
        net = _load(network)
        tgt = _target_from_metadata(net, target, g, None, None)
        ver = net.metadata.get("verification") if isinstance(net.metadata, dict) else None
        cert = None
        if isinstance(ver, dict) and (ver.get("certified") or {}).get("available"):
            cert = float(ver["certified"]["sup_error"])
        rep = plot_radial(net, tgt, out, rays=rays, seed=seed, certified=cert)
        if json_out:
            typer.echo(to_json(rep))
        else:
            _stdout().print(f"wrote {out}", highlight=False)


def _load_model(path: Path):
    """A network from JSON, or from ONNX / a torch state_dict / npz (via import)."""
    if path.suffix.lower() in (".onnx", ".pt", ".pth", ".npz"):
        from .export import import_model

        return import_model(path)
    return _load(path)


@app.command("bound-weights")
def bound_weights_cmd(
    model: Path = typer.Argument(..., help="A ReLU network: JSON, .onnx, .pt/.pth or .npz."),
    bits: int = typer.Option(8, "--bits", "-B", help="Bits per input coordinate (grid 2^B per axis)."),
    eps: str = typer.Option("0", "--eps", help="Output precision: digits below ε are dropped (error ≤ ε/2 on the grid); 0 = exact."),
    band_bits: int = typer.Option(10, "--band-bits", help="Read-in bands have width δ/2^β (β = this); their measure is reported."),
    output_range: str = typer.Option("auto", "--range", help="A bound M ≥ |N| on the grid; 'auto' = the grid maximum (exact) or a certified interval bound."),
    low: Optional[str] = typer.Option(None, "--low", help="Domain box lower corner, comma-separated (default: metadata.domain or 0); negative values as --low=-1."),
    high: Optional[str] = typer.Option(None, "--high", help="Domain box upper corner, comma-separated (default: metadata.domain or 1)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the transformed network (JSON) here."),
    check_limit: int = typer.Option(1_000_000, "--check-limit", help="Check every grid point when there are at most this many."),
    samples: int = typer.Option(20_000, "--samples", help="Random grid points (beyond the limit) and random box points checked."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampled points."),
    max_neurons: int = typer.Option(5_000_000, "--max-neurons", help="Refuse to build a larger network."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Depth k → depth 3k+3 with polynomially bounded weights (Vardi & Shamir 2020), checked exactly.

    The input is read to B bits, every ReLU layer becomes three layers of small-weight threshold
    gates (ReLU pairs) and a read-out turns the output digits back into a number.  The new network
    is compared with the original exactly on the grid of B-bit inputs; exit 1 if any check fails.

    Example:  netconstruct bound-weights examples/large_weights_k2.json --bits 8 --out bounded.json
    """
    with handled():
        from fractions import Fraction

        from .exact import parse_exact
        from .jsonio import save
        from .report import to_json
        from .transforms.bound_weights import Params, check_network, domain_box, transform
        from .transforms.checks import check, grid_values, range_bound

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
        net = _load_model(model)
        check_network(net)
        lo_hi = [None if t is None else _csv(t, f"--{n}") for t, n in ((low, "low"), (high, "high"))]
        lo, hi = domain_box(net, *lo_hi)
        timings = {}
        with stages(not json_out) as progress:
            t0 = time.perf_counter()
            progress("exact values of the original on the grid")
            grid = grid_values(net, lo, hi, bits, check_limit, samples, seed)
            if output_range == "auto":
                if 2 ** (bits * net.input_dim) <= check_limit:
                    M = max([abs(v) for row in grid[2] for v in row] + [Fraction(0)])
                    range_note = "the maximum of |N| over all grid points (exact)"
                else:
                    M = range_bound(net, lo, hi)
                    range_note = "a certified interval bound of |N| over the box"
                M = max(M, Fraction(1))
            else:
                M = _parse_positive(output_range, "range")
                range_note = "given with --range"
            params = Params(lo, hi, bits, band_bits, eps_q, M, max_neurons)
            timings["original_on_grid"] = time.perf_counter() - t0
            progress(f"building the depth-{3 * net.depth + 3} network")
            t1 = time.perf_counter()
            res = transform(net, params)
            timings["transform"] = time.perf_counter() - t1
            rep = check(net, res, grid=grid, box_samples=samples, seed=seed, progress=progress)
            rep["timings"] = {**timings, **rep["timings"]}
        rep["output_range"] = {"M": M, "source": range_note}
        rep["levels"] = res.levels
        rep["parameters"] = {"bits": bits, "band_bits": band_bits, "eps": eps_q, "low": lo, "high": hi}
        if out:
            save(res.network.with_metadata(verification={k: v for k, v in rep.items() if k not in ("timings", "before", "after", "levels")}), out)
        if json_out:
            typer.echo(to_json({k: v for k, v in rep.items() if k != "timings"} | {"out": str(out) if out else None}))
        else:
            _print_bound_weights(model, rep, out)
        if not rep["ok"]:
            raise typer.Exit(1)


def _print_bound_weights(model, rep: dict, out) -> None:
    from rich.table import Table

    from .report import fmt_number

    con = _stdout()
    b, a = rep["before"], rep["after"]
    t = Table(title=f"bound-weights {model}", title_justify="left")
    t.add_column("")
    t.add_column("original")
    t.add_column("transformed")
    t.add_column("bound")
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
    con.print(_table("checks", rows))
    if out:
        con.print(f"wrote {out}", highlight=False)


def _csv(text: str, kind: str) -> list:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise UsageError(f"{kind} must be a comma-separated list")
    return items


@app.command()
def separation(
    d: str = typer.Option("2,5,10,50,200", "--d", help="Comma-separated dimensions."),
    eps: str = typer.Option("0.3,0.2,0.1,0.05", "--eps", help="Comma-separated accuracies."),
    target: Optional[str] = typer.Option(None, "--target", help=TARGET_HELP),
    g: Optional[str] = typer.Option(None, "--g", help=G_HELP),
    build_max: int = typer.Option(20_000, "--build-max", help="Build and certify every network with at most this many neurons (0: none)."),
    plot_file: Optional[Path] = typer.Option(None, "--plot", help="Also draw neurons vs d (PNG)."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """The depth-2 vs depth-3 trade-off: exact neuron counts of each construction over a (d, ε) grid.

    Depth 3 is polynomial in d and 1/ε; depth 2 is polynomial in d (regime 'dimension') or in 1/ε
    (regime 'accuracy'), not both.  '≥' marks a count too large to enumerate (2 × exact directions).

    Example:  netconstruct separation --d 2,5,10,50 --eps 0.3,0.2,0.1 --plot sep.png
    """
    with handled():
        from .report import to_json
        from .separation import size_table

        dims = []
        for t in _csv(d, "--d"):
            if not t.isdigit() or int(t) <= 0:
                raise UsageError(f"--d: {t!r} is not a positive integer")
            dims.append(int(t))
        epss = [_parse_positive(t, "eps") for t in _csv(eps, "--eps")]
        tgt = _target(target, g, "1", None)
        with stages(True) as progress:
            rows = size_table(dims, epss, tgt, build_max=build_max, progress=progress)
        if plot_file is not None:
            from .plot import plot_lines

            series, styles = {}, {}
            colors = {"depth 3": "tab:blue", "depth 2 dimension": "tab:orange", "depth 2 accuracy": "tab:red"}
            dashes = ["-", "--", "-.", ":", (0, (1, 4)), (0, (5, 1))]
            for i, e in enumerate(epss):
                sub = [r for r in rows if r["eps"] == float(e)]
                cols = {"depth 3": [(r["d"], r["depth3"]) for r in sub]}
                for regime in ("dimension", "accuracy"):
                    cols[f"depth 2 {regime}"] = [(r["d"], r[f"depth2_{regime}"]["neurons"]) for r in sub if r[f"depth2_{regime}"]["neurons"]]
                for name, pts in cols.items():
                    key = f"{name}, eps={float(e):g}"
                    series[key] = ([p[0] for p in pts], [float(p[1]) for p in pts])
                    styles[key] = {"color": colors[name], "linestyle": dashes[i % len(dashes)]}
            plot_lines(series, plot_file, "d", "neurons (≥ where not enumerable)", f"sizes for g = {tgt.expression}",
                       logx=True, logy=True, styles=styles)
        if json_out:
            typer.echo(to_json({"target": tgt.expression, "rows": rows}))
            return
        from rich.table import Table

        t = Table(title=f"neurons needed for sup error ≤ ε, g(r) = {tgt.expression}")
        for col in ("ε", "d", "depth 3", "depth 2 (dimension)", "depth 2 (accuracy)", "K", "certified (3 / 2d / 2a) where built"):
            t.add_column(col, justify="right")

        def fmt(info):
            if info["neurons"] is None:
                return "—"
            return ("" if info["exact"] else "≥ ") + (f"{info['neurons']:,}" if info["neurons"] < 10**9 else f"{float(info['neurons']):.2e}")

        for r in rows:
            built = ", ".join(
                f"{k.replace('depth2_', '2').replace('dimension', 'd').replace('accuracy', 'a').replace('depth3', '3')}: {float(v['certified']):.4f}"
                for k, v in (r.get("built") or {}).items()
            )
            t.add_row(f"{r['eps']:g}", str(r["d"]), f"{r['depth3']:,}", fmt(r["depth2_dimension"]), fmt(r["depth2_accuracy"]),
                      str(r["depth2_dimension"]["degree"]), built)
        _stdout().print(t)
        if plot_file is not None:
            _stdout().print(f"wrote {plot_file}", highlight=False)


@app.command()
def orthogonal(
    d: int = typer.Option(16, "--d", help="Input dimension n."),
    k: int = typer.Option(4, "--k", help="Subset size k (members have 2^k hidden units)."),
    activation: str = typer.Option("relu", "--activation", help="relu (non-zero for even k) or sigmoid (odd k)."),
    laws: str = typer.Option("gaussian,sphere,ball,student-t", "--laws", help="Spherically symmetric laws to check."),
    samples: int = typer.Option(200_000, "--samples", help="Monte Carlo samples per law."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo check."),
    subset: Optional[str] = typer.Option(None, "--member", help="Export the member for this subset, e.g. '0,3,5,7'."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write that member's JSON here."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """The family of one-layer networks exactly orthogonal under every spherically symmetric law (Goel et al. 2020).

    Inner products are computed exactly (integer cancellation, valid for every such law), norms to 50
    digits (ReLU, closed form) or by quadrature (sigmoid), and checked against Monte Carlo.

    Example:  netconstruct orthogonal --d 16 --k 4 --member 0,1,2,3 --out f.json
    """
    with handled():
        from math import comb

        from .constructions import orthogonal as orth
        from .jsonio import save
        from .report import to_json

        if d <= 0 or k <= 0 or k > d:
            raise UsageError(f"need 1 ≤ k ≤ d, got d={d}, k={k}")
        if k > 10:
            raise UsageError("k > 10 would give members with more than 1024 hidden units; choose k ≤ 10")
        if samples < 100:
            raise UsageError("--samples must be ≥ 100")
        law_list = _csv(laws, "--laws")
        for law in law_list:
            if law not in orth.LAWS:
                raise UsageError(f"unknown law {law!r} (known: {', '.join(orth.LAWS)})")
        S = tuple(range(k))
        if subset is not None:
            S = tuple(int(t) for t in _csv(subset, "--member") if t.lstrip("-").isdigit())
            if len(S) != k:
                raise UsageError(f"--member must list {k} coordinates")
        net = orth.member(d, S, activation)
        with stages(True) as progress:
            progress("exact inner products")
            rep = orth.inner_products(d, k, activation, law_list)
            mc = {}
            for law in law_list:
                progress(f"Monte Carlo under {law}")
                mc[law] = orth.monte_carlo(d, k, activation, law, samples, seed)
        import mpmath

        checks = {}
        laws_out = {}
        for law in law_list:
            vals = rep["laws"][law]
            norm = vals[k]
            norm_f = float(norm)
            off = [vals[o] for o in range(k)]
            rel = max((abs(float(v)) for v in off), default=0.0) / abs(norm_f) if norm_f else 0.0
            laws_out[law] = {
                "norm2": mpmath.nstr(norm, 30) if not isinstance(norm, int) else str(norm),
                "max_abs_inner_product": max((abs(float(v)) for v in off), default=0.0),
                "relative": rel,
                "monte_carlo": mc[law],
            }
            m = mc[law]
            checks[f"{law}: inner products ≤ 1e-30·norm"] = all(v == 0 for v in off) or rel <= 1e-30
            checks[f"{law}: Monte Carlo within 99.9% CI"] = (
                abs(m["norm2"]["mean"] - norm_f) <= m["norm2"]["half_width"] + 1e-12
                and abs(m[f"overlap_{k - 1}"]["mean"]) <= m[f"overlap_{k - 1}"]["half_width"] + 1e-12
                and abs(m["overlap_0"]["mean"]) <= m["overlap_0"]["half_width"] + 1e-12
            )
        st = net.stats()
        result = {
            "family_size": comb(d, k),
            "member": {"subset": list(S), "depth": st["depth"], "hidden_units": st["neurons"],
                       "max_abs_weight": str(st["max_abs_weight"]), "max_abs_output_weight": "1"},
            "nonzero_members": any(abs(float(rep["laws"][law][k])) > 1e-30 for law in law_list),
            "overlap_classes": rep["by_overlap"],
            "laws": laws_out,
            "checks": checks,
            "ok": all(checks.values()),
        }
        if out is not None:
            save(net.with_metadata(orthogonality={k2: v for k2, v in result.items() if k2 != "member"}), out)
        if json_out:
            typer.echo(to_json(result))
        else:
            con = _stdout()
            con.print(_table(
                f"orthogonal family: n={d}, k={k}, {activation}",
                [("family size C(n,k)", f"{comb(d, k):,}"), ("member", f"depth 2, {st['neurons']} hidden units"),
                 ("largest |weight|", f"first layer {float(net.layers[0].weight.abs_max()):.6g} (1/√k), outputs ±1"),
                 ("members non-zero", "yes" if result["nonzero_members"] else "NO: σ has no part of parity (−1)^k")],
            ))
            from rich.table import Table

            t = Table(title=r"E\[f_S f_T] by law (inner products exact; |S ∩ T| < k)")
            for col in ("law", r"E\[f_S²]", r"max |E\[f_S f_T]|", r"MC E\[f_S²] ± 99.9%", "MC overlap k−1", "MC overlap 0"):
                t.add_column(col, justify="right")
            for law, e in laws_out.items():
                m = e["monte_carlo"]
                t.add_row(law, e["norm2"][:18], f"{e['max_abs_inner_product']:.1e}",
                          f"{m['norm2']['mean']:.5f} ± {m['norm2']['half_width']:.5f}",
                          f"{m[f'overlap_{k - 1}']['mean']:+.5f} ± {m[f'overlap_{k - 1}']['half_width']:.5f}",
                          f"{m['overlap_0']['mean']:+.5f} ± {m['overlap_0']['half_width']:.5f}")
            con.print(t)
            for name, ok in checks.items():
                con.print(("✔ " if ok else "✘ ") + name, highlight=False)
            if out:
                con.print(f"wrote {out}", highlight=False)
        if not result["ok"]:
            raise typer.Exit(1)


@app.command()
def ball(
    d: int = typer.Option(20, "--d", help="Input dimension."),
    radius: float = typer.Option(1.0, "--radius", help="Radius r of the ball to learn."),
    width: int = typer.Option(8, "--width", help="Sigmoids per coordinate and sign (hidden units = 2·d·width)."),
    hidden: str = typer.Option("coordinate", "--hidden", help="coordinate (sum of univariate pieces) or random (random features)."),
    train_steps: int = typer.Option(1000, "--train-steps", help="Gradient-descent steps."),
    dist: str = typer.Option("uniform-radius", "--dist", help="uniform-radius, gaussian-shell or heavy-tailed."),
    samples: int = typer.Option(6000, "--samples", help="Training samples (the test set has half as many)."),
    lr: float = typer.Option(2.0, "--lr", help="Step size of GD on the output layer."),
    baseline_lrs: str = typer.Option("0.1,0.5", "--baseline-lrs", help="Step sizes tried for the baseline (best reported)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
    plot_file: Optional[Path] = typer.Option(None, "--plot", help="Draw the test-error curves (PNG)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the trained two-sigmoid-layer network (JSON)."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Learn the ball indicator 1{‖x‖ ≤ r} by GD on the output layer of a two-sigmoid-layer network
    (Safran & Lee 2022), beside a one-hidden-layer network trained end to end by standard GD.

    Example:  netconstruct ball --d 20 --train-steps 1000 --plot ball.png
    """
    with handled():
        import numpy as np

        from .constructions import ball_indicator as bi
        from .report import to_json

        if d <= 0 or width <= 0 or train_steps <= 0 or samples < 100 or radius <= 0 or lr <= 0:
            raise UsageError("--d, --width, --train-steps, --radius, --lr must be positive and --samples ≥ 100")
        if dist not in bi.DISTRIBUTIONS:
            raise UsageError(f"unknown --dist {dist!r} ({', '.join(bi.DISTRIBUTIONS)})")
        if hidden not in ("coordinate", "random"):
            raise UsageError("--hidden must be coordinate or random")
        H = 2 * d * width
        if samples * H > 200_000_000:
            raise UsageError(f"{samples:,} samples × {H:,} hidden units would need more than 1.6 GB; lower --samples or --width")
        lrs = [float(t) for t in _csv(baseline_lrs, "--baseline-lrs")]
        rng = np.random.default_rng(seed)
        X = bi.sample(dist, d, samples, radius, rng)
        Xt = bi.sample(dist, d, samples // 2, radius, rng)
        y = (np.linalg.norm(X, axis=1) <= radius).astype(float)
        yt = (np.linalg.norm(Xt, axis=1) <= radius).astype(float)
        B = 2.0 * radius
        hid = bi.coordinate_hidden(d, width, B) if hidden == "coordinate" else bi.random_hidden(d, H, radius, rng)
        bound = bi.square_error_bound(width, B, 4.0) if hidden == "coordinate" else None
        log_every = max(1, train_steps // 40)
        from rich.progress import Progress

        console = _stderr()
        with Progress(console=console, transient=True, disable=not console.is_terminal) as prog:
            task = prog.add_task("GD on the output layer", total=train_steps * (1 + len(lrs)))
            done = [0]

            def tick(t):
                prog.update(task, completed=done[0] + t)

            F, Ft = hid.features(X), hid.features(Xt)
            u, u0, hist = bi.train_output_layer(F, y, train_steps, lr, Ft, yt, log_every, tick)
            done[0] += train_steps
            base = None
            for blr in lrs:
                prog.update(task, description=f"baseline GD, lr={blr}")
                hb = bi.train_one_layer(X, y, H, train_steps, blr, np.random.default_rng(seed + 1), Xt, yt, log_every, tick)
                done[0] += train_steps
                if base is None or hb[-1][4] < base[1][-1][4]:
                    base = (blr, hb)
        cols = ("step", "train_mse", "train_error", "test_mse", "test_error")
        result = {
            "setup": {"d": d, "radius": radius, "dist": dist, "hidden": hidden, "hidden_units": H, "train": samples,
                      "test": samples // 2, "steps": train_steps, "lr": lr, "seed": seed,
                      "inside_fraction_test": float(yt.mean())},
            "fixed_layer": ({"sup_abs_psi_minus_s2_on_[-B,B]": bound["sup_error"], "B": B,
                             "sum_error_bound_on_box": bound["sup_error"] * d} if bound else None),
            "two_sigmoid_layers": [dict(zip(cols, h)) for h in hist],
            "one_layer_baseline": {"lr": base[0], "curve": [dict(zip(cols, h)) for h in base[1]]},
            "final": {"two_sigmoid_layers_test_error": hist[-1][4], "baseline_test_error": base[1][-1][4],
                      "constant_predictor_test_error": float(min(yt.mean(), 1 - yt.mean()))},
        }
        if plot_file is not None:
            from .plot import plot_lines

            plot_lines({"two sigmoid layers (GD on output)": ([h[0] for h in hist], [h[4] for h in hist]),
                        f"one layer of non-linearities (GD, lr={base[0]})": ([h[0] for h in base[1]], [h[4] for h in base[1]])},
                       plot_file, "GD step", "test 0-1 error", f"ball indicator, d={d}, {dist}")
        if out is not None:
            from fractions import Fraction as Fr

            from .jsonio import save
            from .matrix import Coo
            from .network import Layer, Network

            rows, cols_ = np.nonzero(hid.W)
            W1 = Coo.from_triplets(hid.W.shape, rows.tolist(), cols_.tolist(), [Fr(float(v)) for v in hid.W[rows, cols_]])
            W2 = Coo.from_triplets((1, H), [0] * H, range(H), [Fr(float(v)) for v in u])
            net = Network((Layer(W1, tuple(Fr(float(v)) for v in hid.b), "sigmoid"), Layer(W2, (Fr(float(u0)),), "sigmoid")),
                          {"construction": "ball_indicator", "paper": "Safran & Lee, COLT 2022", "setup": result["setup"], "final": result["final"]})
            save(net, out)
        if json_out:
            typer.echo(to_json(result))
        else:
            rows_ = [("hidden layer", f"{hidden}, {H:,} sigmoids (fixed)"), ("distribution", dist),
                     ("test inside fraction", f"{yt.mean():.3f}")]
            if bound:
                rows_.append(("sup |ψ(s) − s²| on [−B, B]", f"{bound['sup_error']:.4g} (B = {B:g})"))
            rows_ += [("test error: two sigmoid layers, GD on output", f"{hist[-1][4]:.4f}"),
                      (f"test error: one non-linear layer, GD (best lr {base[0]})", f"{base[1][-1][4]:.4f}"),
                      ("test error: best constant", f"{result['final']['constant_predictor_test_error']:.4f}")]
            _stdout().print(_table(f"ball indicator, d = {d}, r = {radius}", rows_))
        if out and not json_out:
            _stdout().print(f"wrote {out}", highlight=False)


@app.command("feature-learning")
def feature_learning(
    d: int = typer.Option(16, "--d", help="Input dimension."),
    n: str = typer.Option("1000,4000,16000,32000", "--n", help="Sample sizes (comma-separated)."),
    target: str = typer.Option("quadratic", "--target", help="quadratic: ReLU(xᵀAx/√2); single-index: ReLU(⟨w,x⟩)."),
    m1: Optional[int] = typer.Option(None, "--m1", help="First-layer width (default min(4d², 4096))."),
    m2: int = typer.Option(512, "--m2", help="Second-layer width."),
    test: int = typer.Option(4000, "--test", help="Test samples."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
    plot_file: Optional[Path] = typer.Option(None, "--plot", help="Draw test error vs n (PNG)."),
    json_out: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """Three-layer feature learning (one GD step on the middle layer, then ridge) vs a two-layer network
    on the same samples (Nichani, Damian & Lee 2023): normalised test error vs number of samples.

    Example:  netconstruct feature-learning --d 16 --n 1000,4000,16000 --plot fl.png
    """
    with handled():
        from .constructions import feature_learning as fl
        from .report import to_json

        ns = []
        for t in _csv(n, "--n"):
            if not t.isdigit() or int(t) < 20:
                raise UsageError(f"--n: {t!r} must be an integer ≥ 20")
            ns.append(int(t))
        if d <= 1 or m2 <= 0 or test < 100 or (m1 is not None and m1 <= 0):
            raise UsageError("need --d ≥ 2, --m2 ≥ 1, --test ≥ 100")
        if target not in fl.TARGETS:
            raise UsageError(f"unknown --target {target!r} ({', '.join(fl.TARGETS)})")
        width = m1 or min(4 * d * d, 4096)
        if max(ns) * width > 300_000_000:
            raise UsageError(f"n = {max(ns):,} with m1 = {width:,} would need more than 2.4 GB; lower --n or --m1")
        with stages(True) as progress:
            res = fl.experiment(d, ns, target, m1, m2, test, seed, progress=lambda k: progress(f"n = {k:,}"))
        if plot_file is not None:
            from .plot import plot_lines

            xs = [r["n"] for r in res["rows"]]
            plot_lines({"three layers (one GD step + ridge)": (xs, [r["three_layer"] for r in res["rows"]]),
                        "two layers (random features + ridge)": (xs, [r["two_layer"] for r in res["rows"]])},
                       plot_file, "samples n", "normalised test MSE", f"{target} target, d = {d}", logx=True)
        if json_out:
            typer.echo(to_json(res))
            return
        from rich.table import Table

        t = Table(title=f"{target} target, d = {d}, m1 = {res['m1']}, m2 = {m2}: normalised test MSE (1 = predicting the mean)")
        for col in ("n", "three layers", "two layers", "corr(learned feature, xᵀAx)"):
            t.add_column(col, justify="right")
        for r in res["rows"]:
            t.add_row(f"{r['n']:,}", f"{r['three_layer']:.4f}", f"{r['two_layer']:.4f}",
                      f"{r['feature_correlation']:.3f}" if "feature_correlation" in r else "—")
        _stdout().print(t)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
