"""``orthogonal``, ``ball`` and ``feature-learning``: the seed studies beside the radial constructions."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .app import app, bar, emit_json, handled, stages, stdout
from .options import Json, OutFile, PlotFile, Seed, csv, int_list, writable
from .render import columns, table


@app.command()
def orthogonal(
    d: Annotated[int, typer.Option("--d", help="Input dimension n.")] = 16,
    k: Annotated[int, typer.Option("--k", help="Subset size k (members have 2^k hidden units).")] = 4,
    activation: Annotated[str, typer.Option("--activation", help="relu (non-zero for even k) or sigmoid (odd k).")] = "relu",
    laws: Annotated[str, typer.Option("--laws", help="Spherically symmetric laws to check.")] = "gaussian,sphere,ball,student-t",
    samples: Annotated[int, typer.Option("--samples", help="Monte Carlo samples per law.")] = 200_000,
    seed: Seed = 0,
    subset: Annotated[Optional[str], typer.Option("--member", help="Export the member for this subset, e.g. '0,3,5,7'.")] = None,
    out: OutFile = None,
    json_out: Json = False,
) -> None:
    """The family of one-layer networks exactly orthogonal under every spherically symmetric law (Goel et al. 2020).

    Inner products are computed exactly (integer cancellation, valid for every such law), norms to 50
    digits (ReLU, closed form) or by quadrature (sigmoid), and checked against Monte Carlo.

    Example:  netconstruct orthogonal --d 16 --k 4 --member 0,1,2,3 --out f.json
    """
    with handled():
        writable(out)
        from ..constructions.orthogonal import family_report
        from ..jsonio import save

        S = None if subset is None else tuple(int(t) for t in csv(subset, "--member") if t.lstrip("-").isdigit())
        with stages(True) as progress:
            rep = family_report(d, k, activation, csv(laws, "--laws"), samples, seed, S, progress)
        net = rep.artifacts["network"]
        if out is not None:
            save(net, out)
        if json_out:
            emit_json(rep.to_json())
        else:
            data = rep.data
            con = stdout()
            con.print(table(
                f"orthogonal family: n={d}, k={k}, {activation}",
                [("family size C(n,k)", f"{data['family_size']:,}"),
                 ("member", f"depth 2, {data['member']['hidden_units']} hidden units"),
                 ("largest |weight|", f"first layer {float(net.layers[0].weight.abs_max()):.6g} (1/√k), outputs ±1"),
                 ("members non-zero", "yes" if data["nonzero_members"] else "NO: σ has no part of parity (−1)^k")],
            ))
            rows = []
            for law, e in data["laws"].items():
                m = e["monte_carlo"]
                rows.append((law, e["norm2"][:18], f"{e['max_abs_inner_product']:.1e}",
                             f"{m['norm2']['mean']:.5f} ± {m['norm2']['half_width']:.5f}",
                             f"{m[f'overlap_{k - 1}']['mean']:+.5f} ± {m[f'overlap_{k - 1}']['half_width']:.5f}",
                             f"{m['overlap_0']['mean']:+.5f} ± {m['overlap_0']['half_width']:.5f}"))
            con.print(columns(r"E\[f_S f_T] by law (inner products exact; |S ∩ T| < k)",
                              ("law", r"E\[f_S²]", r"max |E\[f_S f_T]|", r"MC E\[f_S²] ± 99.9%", "MC overlap k−1",
                               "MC overlap 0"), rows))
            for name, ok in rep.checks.items():
                con.print(("✔ " if ok else "✘ ") + name, highlight=False)
            if out:
                con.print(f"wrote {out}", highlight=False)
        if not rep.ok:
            raise typer.Exit(1)


@app.command()
def ball(
    d: Annotated[int, typer.Option("--d", help="Input dimension.")] = 20,
    radius: Annotated[float, typer.Option("--radius", help="Radius r of the ball to learn.")] = 1.0,
    width: Annotated[int, typer.Option("--width", help="Sigmoids per coordinate and sign (hidden units = 2·d·width).")] = 8,
    hidden: Annotated[str, typer.Option(
        "--hidden", help="coordinate (sum of univariate pieces) or random (random features).")] = "coordinate",
    train_steps: Annotated[int, typer.Option("--train-steps", help="Gradient-descent steps.")] = 1000,
    dist: Annotated[str, typer.Option("--dist", help="uniform-radius, gaussian-shell or heavy-tailed.")] = "uniform-radius",
    samples: Annotated[int, typer.Option("--samples", help="Training samples (the test set has half as many).")] = 6000,
    lr: Annotated[float, typer.Option("--lr", help="Step size of GD on the output layer.")] = 2.0,
    baseline_lrs: Annotated[str, typer.Option(
        "--baseline-lrs", help="Step sizes tried for the baseline (best reported).")] = "0.1,0.5",
    seed: Seed = 0,
    plot_file: PlotFile = None,
    out: OutFile = None,
    json_out: Json = False,
) -> None:
    """Learn the ball indicator 1{‖x‖ ≤ r} by GD on the output layer of a two-sigmoid-layer network
    (Safran & Lee 2022), beside a one-hidden-layer network trained end to end by standard GD.

    Example:  netconstruct ball --d 20 --train-steps 1000 --plot ball.png
    """
    with handled():
        writable(out)
        writable(plot_file)
        from ..experiments.ball_indicator import study
        from ..jsonio import save

        lrs = tuple(float(t) for t in csv(baseline_lrs, "--baseline-lrs"))
        with bar("GD on the output layer") as tick:
            rep = study(d, radius, width, hidden, train_steps, dist, samples, lr, lrs, seed, tick)
        data = rep.data
        if plot_file is not None:
            from ..plot import plot_lines

            plot_lines(rep.artifacts["curves"], plot_file, "GD step", "test 0-1 error", f"ball indicator, d={d}, {dist}")
        if out is not None:
            save(rep.artifacts["network"], out)
        if json_out:
            emit_json(rep.to_json())
            return
        setup, final = data["setup"], data["final"]
        rows = [("hidden layer", f"{hidden}, {setup['hidden_units']:,} sigmoids (fixed)"), ("distribution", dist),
                ("test inside fraction", f"{setup['inside_fraction_test']:.3f}")]
        if data["fixed_layer"]:
            rows.append(("sup |ψ(s) − s²| on [−B, B]",
                         f"{data['fixed_layer']['sup_abs_psi_minus_s2_on_[-B,B]']:.4g} (B = {data['fixed_layer']['B']:g})"))
        rows += [("test error: two sigmoid layers, GD on output", f"{final['two_sigmoid_layers_test_error']:.4f}"),
                 (f"test error: one non-linear layer, GD (best lr {data['one_layer_baseline']['lr']})",
                  f"{final['baseline_test_error']:.4f}"),
                 ("test error: best constant", f"{final['constant_predictor_test_error']:.4f}")]
        stdout().print(table(f"ball indicator, d = {d}, r = {radius}", rows))
        if out:
            stdout().print(f"wrote {out}", highlight=False)


@app.command("feature-learning")
def feature_learning(
    d: Annotated[int, typer.Option("--d", help="Input dimension.")] = 16,
    n: Annotated[str, typer.Option("--n", help="Sample sizes (comma-separated).")] = "1000,4000,16000,32000",
    target: Annotated[str, typer.Option(
        "--target", help="quadratic: ReLU(xᵀAx/√2); single-index: ReLU(⟨w,x⟩).")] = "quadratic",
    m1: Annotated[Optional[int], typer.Option("--m1", help="First-layer width (default min(4d², 4096)).")] = None,
    m2: Annotated[int, typer.Option("--m2", help="Second-layer width.")] = 512,
    test: Annotated[int, typer.Option("--test", help="Test samples.")] = 4000,
    seed: Seed = 0,
    plot_file: PlotFile = None,
    json_out: Json = False,
) -> None:
    """Three-layer feature learning (one GD step on the middle layer, then ridge) vs a two-layer network
    on the same samples (Nichani, Damian & Lee 2023): normalised test error vs number of samples.

    Example:  netconstruct feature-learning --d 16 --n 1000,4000,16000 --plot fl.png
    """
    with handled():
        writable(plot_file)
        from ..experiments.feature_learning import study

        ns = int_list(n, "--n", minimum=20)
        with stages(True) as progress:
            rep = study(d, ns, target, m1, m2, test, seed, progress=lambda k: progress(f"n = {k:,}"))
        res = rep.data
        if plot_file is not None:
            from ..plot import plot_lines

            xs = [r["n"] for r in res["rows"]]
            plot_lines({"three layers (one GD step + ridge)": (xs, [r["three_layer"] for r in res["rows"]]),
                        "two layers (random features + ridge)": (xs, [r["two_layer"] for r in res["rows"]])},
                       plot_file, "samples n", "normalised test MSE", f"{target} target, d = {d}", logx=True)
        if json_out:
            emit_json(rep.to_json())
            return
        rows = [(f"{r['n']:,}", f"{r['three_layer']:.4f}", f"{r['two_layer']:.4f}",
                 f"{r['feature_correlation']:.3f}" if "feature_correlation" in r else "—") for r in res["rows"]]
        stdout().print(columns(
            f"{target} target, d = {d}, m1 = {res['m1']}, m2 = {m2}: normalised test MSE (1 = predicting the mean)",
            ("n", "three layers", "two layers", "corr(learned feature, xᵀAx)"), rows))
