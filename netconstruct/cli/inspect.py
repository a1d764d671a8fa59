"""``info``, ``eval`` and ``plot``: look at a saved network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from .app import app, emit_json, handled, stdout
from . import options as opt
from .options import GExpr, Json, MaxMemory, NetworkFile, Seed, TargetName, memory, writable
from .render import stats_rows, table


@app.command()
def info(network: NetworkFile, json_out: Json = False, max_memory: MaxMemory = None) -> None:
    """Structure and statistics of a network: depth, widths, neurons, parameters, largest weights.

    Example:  netconstruct info net.json --json
    """
    with handled():
        from ..jsonio import load

        net = load(network, memory(max_memory))
        stats = net.stats()
        md = net.metadata
        if json_out:
            emit_json({"network": stats, "construction": md.get("construction"), "target": md.get("target")})
            return
        rows = stats_rows(stats)
        if md.get("construction"):
            rows.insert(0, ("construction", str(md["construction"])))
        stdout().print(table(str(network), rows))


@app.command("eval")
def eval_cmd(
    network: NetworkFile,
    x: Annotated[str, typer.Option("--x", help="The point, comma-separated, e.g. '0.1,0.2,0' (read exactly).")],
    digits: Annotated[int, typer.Option("--digits", help="Digits for the mpmath evaluation.")] = 50,
    json_out: Json = False,
    max_memory: MaxMemory = None,
) -> None:
    """Evaluate a network at one point in float64, in mpmath, and exactly when it is piecewise linear.

    Example:  netconstruct radial --d 3 --eps 0.1 --out net3.json && netconstruct eval net3.json --x 0.1,0.2,0.3
    """
    with handled():
        from ..exact import parse_exact
        from ..jsonio import load

        net = load(network, memory(max_memory))
        parts = [p for p in x.replace(" ", "").split(",") if p != ""]
        point = [parse_exact(p, f"--x coordinate {i + 1}") for i, p in enumerate(parts)]
        if len(point) != net.input_dim:
            raise UsageError(f"--x has {len(point)} coordinates, the network takes {net.input_dim}")
        if digits < 15:
            raise UsageError("--digits must be ≥ 15")
        result = net.values_at(point, digits)
        if json_out:
            emit_json(result)
            return
        rows = [("float64", ", ".join(f"{v:.17g}" for v in result["float64"])),
                (f"mpmath ({digits} digits)", ", ".join(result["mpmath"]))]
        if "exact" in result:
            rows.append(("exact", ", ".join(result["exact"])))
        stdout().print(table(f"{network} at x", rows))


@app.command()
def plot(
    network: Annotated[Path, typer.Argument(
        help="A network JSON file with a radial target in its metadata.", readable=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.", readable=False)],
    rays: Annotated[int, typer.Option("--rays", help="Number of rays from the origin.")] = 6,
    seed: Seed = 0,
    target_name: TargetName = None,
    g: GExpr = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    max_memory: MaxMemory = None,
) -> None:
    """Plot the network against its target along rays from the origin, with the error and the certified band.

    Example:  netconstruct plot net.json --out fig.png
    """
    with handled():
        from ..plot import check_image_file

        check_image_file(out)
        writable(out, network)
        from ..jsonio import load
        from ..plot import plot_radial
        from ..targets import target_for

        if not 1 <= rays <= 1000:
            raise UsageError(f"--rays must be between 1 and 1,000, got {rays:,}")
        opt.seed(seed)
        net = load(network, memory(max_memory))
        tgt = target_for(net.metadata.get("target"), target_name, g)
        rep = plot_radial(net, tgt, out, rays=rays, seed=seed, certified=net.stored_certificate())
        if json_out:
            emit_json(rep)
        else:
            stdout().print(f"wrote {out}", highlight=False)
            band = rep.get("band")
            if band and band["contradicted_on_rays"]:
                from .app import stderr

                stderr().print(f"warning: the bound stored in {network} ({band['bound']:.4g}) is contradicted by an "
                               f"error of {rep['max_error_on_rays']:.4g} on the rays", highlight=False)
