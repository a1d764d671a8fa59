"""``separation``: exact sizes of every radial construction over a (d, ε) grid."""

from __future__ import annotations

from typing import Annotated

import typer

from . import options as opt
from .app import app, emit_json, handled, stages, stdout
from .options import (GExpr, Json, PlotFile, Scheduler, TargetName, Workers, csv, int_list, positive, target,
                      writable)
from .render import columns


@app.command()
def separation(
    d: Annotated[str, typer.Option("--d", help="Comma-separated dimensions.")] = "2,5,10,50,200",
    eps: Annotated[str, typer.Option("--eps", help="Comma-separated accuracies.")] = "0.3,0.2,0.1,0.05",
    target_name: TargetName = None,
    g: GExpr = None,
    build_max: Annotated[int, typer.Option(
        "--build-max", help="Build and certify every network with at most this many neurons (0: none).")] = 20_000,
    trained: Annotated[bool, typer.Option(
        "--trained", help="Also train ReLU networks of depth 2 and 3 per cell and report the smallest width whose "
                          "certified sup error is ≤ ε (as `netconstruct train`, 1 seed, minutes per cell; extra [torch]).")] = False,
    plot_file: PlotFile = None,
    json_out: Json = False,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """The depth-2 vs depth-3 trade-off: exact neuron counts of each construction over a (d, ε) grid.

    Depth 3 is polynomial in d and 1/ε; depth 2 is polynomial in d (regime 'dimension') or in 1/ε
    (regime 'accuracy'), not both.  '≥' marks a count too large to enumerate (2 × exact directions).

    Example:  netconstruct separation --d 2,5,10,50 --eps 0.3,0.2,0.1 --plot sep.png
    """
    with handled():
        from ..plot import check_image_file

        check_image_file(plot_file)
        writable(plot_file)
        from ..constructions import CONSTRUCTIONS
        from ..separation import neurons_of, plot_series, size_table

        dims = [opt.dimension(v) for v in int_list(d, "--d")]
        epss = [positive(t, "eps") for t in csv(eps, "--eps")]
        tgt = target(target_name, g, "1", None)
        workers, scheduler = opt.parallel(workers, scheduler)  # last: its note comes only when the command goes on
        if trained:
            from ..experiments.trained_vs_constructed import Recipe, check_arguments, study
            from ..export import require

            require("torch", "torch")
            check_arguments(max(dims), (2, 3), 1, 2, 128, None, Recipe(), 300.0, 30.0 * len(dims) * len(epss))
        with stages(True) as progress:
            rows = size_table(dims, epss, tgt, build_max=build_max, progress=progress, workers=workers,
                              scheduler=scheduler)
            if trained:
                exact = {float(e): e for e in epss}  # rows carry ε as a float
                for r in rows:
                    rep = study(r["d"], [exact[r["eps"]]], tgt, (2, 3), Recipe(), seeds=1,
                                max_width=128, certify_seconds=300.0, progress=progress)
                    r["trained"] = {str(x["depth"]): x["smallest_certified_neurons"] for x in rep.data["rows"]}
        if plot_file is not None:
            from ..plot import plot_lines

            series, styles = plot_series(rows, epss)
            plot_lines(series, plot_file, "d", "neurons (≥ where not enumerable)", f"sizes for g = {tgt.expression}",
                       logx=True, logy=True, styles=styles)
        if json_out:
            emit_json({"target": tgt.expression, "rows": rows})
            return

        def fmt(row, key):
            n, exact = neurons_of(row, key)
            if n is None:
                return "—"
            return ("" if exact else "≥ ") + (f"{n:,}" if n < 10**9 else f"{float(n):.2e}")

        def short(key):  # depth3 → 3, depth2_dimension → 2d
            c = CONSTRUCTIONS[key]
            return f"{c.depth}{(c.regime or '')[:1]}"

        keys = list(CONSTRUCTIONS)
        out = []
        for r in rows:
            built = ", ".join(f"{short(k)}: {float(v['certified']):.4f}" for k, v in (r.get("built") or {}).items())
            degree = r["depth2_dimension"]["degree"] if "depth2_dimension" in r else None
            extra = ()
            if trained:
                t = r["trained"]
                extra = (" / ".join(f"{t[k]:,}" if t[k] else "—" for k in ("2", "3")),)
            out.append((f"{r['eps']:g}", str(r["d"]), *(fmt(r, k) for k in keys), *extra, str(degree), built))
        names = ("ε", "d", *(CONSTRUCTIONS[k].label for k in keys), *(("trained, certified (2 / 3)",) if trained else ()),
                 "K", f"certified ({' / '.join(map(short, keys))}) where built")
        stdout().print(columns(f"neurons needed for sup error ≤ ε, g(r) = {tgt.expression}", names, out))
        if plot_file is not None:
            stdout().print(f"wrote {plot_file}", highlight=False)
