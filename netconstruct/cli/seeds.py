"""``orthogonal``, ``ball`` and ``feature-learning``: the seed studies beside the radial constructions."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import options as opt
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
        opt.seed(seed)
        opt.samples(samples)
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

    Example:  netconstruct ball --d 8 --train-steps 100 --plot ball.png
    """
    with handled():
        writable(out)
        from ..plot import check_image_file

        check_image_file(plot_file)
        writable(plot_file)
        from ..experiments.ball_indicator import study
        from ..jsonio import save

        opt.seed(seed)
        lrs = opt.float_list(baseline_lrs, "--baseline-lrs")
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
    d: Annotated[str, typer.Option("--d", help="Input dimension, or several (8,12,16,24,32): then the sample-size "
                                               "exponents are fitted.")] = "16",
    n: Annotated[str, typer.Option("--n", help="Sample sizes (comma-separated).")] = "4000,16000,64000",
    target: Annotated[str, typer.Option(
        "--target", help="he2: g(z) = (z + c·He₂(z))/√(1+2c²), he3: (z + c·He₃(z))/√(1+6c²), z = xᵀAx/√2; "
                         "quadratic: ReLU(xᵀAx/√2); single-index: ReLU(⟨w,x⟩).")] = "he2",
    c: Annotated[Optional[float], typer.Option("--c", help="Weight c of the Hermite part (default 2 for he2, 0.5 for he3).")] = None,
    steps: Annotated[int, typer.Option("--steps", help="Most gradient steps on the middle layer (1 = the paper's one "
                                                       "step; the count used is chosen on a validation split).")] = 64,
    seeds: Annotated[int, typer.Option("--seeds", help="Independent repetitions (mean ± std).")] = 1,
    m1: Annotated[Optional[int], typer.Option("--m1", help="First-layer width, both architectures (default min(4d², 4096)).")] = None,
    m2: Annotated[int, typer.Option("--m2", help="Second-layer width.")] = 512,
    test: Annotated[int, typer.Option("--test", help="Test samples.")] = 4000,
    device: Annotated[str, typer.Option("--device", help="cpu (numpy), torch-cpu, or cuda[:k] (needs the torch extra).")] = "cpu",
    seed: Seed = 0,
    plot_file: PlotFile = None,
    json_out: Json = False,
) -> None:
    """Three-layer feature learning (gradient steps on the middle layer, then ridge) vs a two-layer network
    of the same width on the same samples (Nichani, Damian & Lee 2023): normalised test error vs n.

    Example:  netconstruct feature-learning --d 16 --n 2000,8000 --plot fl.png
    The paper's scale (minutes): --d 32 --n 8000,32000,128000,256000 --seeds 3; the sample-size exponents:
    --d 8,12,16,24,32 with a list of --n.
    """
    with handled():
        from ..plot import check_image_file

        check_image_file(plot_file)
        writable(plot_file)
        from ..experiments.feature_learning import study

        opt.seed(seed)
        dims = int_list(d, "--d", minimum=2)
        ns = int_list(n, "--n", minimum=20)
        with stages(True) as progress:
            rep = study(dims if len(dims) > 1 else dims[0], ns, target, m1, m2, test, seed, seeds, steps, c, device,
                        progress=progress)
        res = rep.data
        results = res.get("results", [res])
        if plot_file is not None:
            from ..plot import plot_lines

            series = {}
            for r in results:
                xs = [row["n"] for row in r["rows"]]
                tag = f", d = {r['d']}" if len(results) > 1 else ""
                series[f"three layers{tag}"] = (xs, [row["three_layer"] for row in r["rows"]],
                                                [row["three_layer_std"] for row in r["rows"]])
                series[f"two layers{tag}"] = (xs, [row["two_layer"] for row in r["rows"]],
                                              [row["two_layer_std"] for row in r["rows"]])
            plot_lines(series, plot_file, "samples n", "normalised test MSE", f"{target} target", logx=True)
        if json_out:
            emit_json(rep.to_json())
            return
        for r in results:
            rows = [(f"{row['n']:,}", f"{row['three_layer']:.4f} ± {row['three_layer_std']:.4f}",
                     f"{row['two_layer']:.4f} ± {row['two_layer_std']:.4f}", f"{row['feature_correlation']:.3f}",
                     f"{row['feature_correlation_one_step']:.3f}", ",".join(str(k) for k in row["steps"]))
                    for row in r["rows"]]
            stdout().print(columns(
                f"{target} target (c = {r['c']:g}), d = {r['d']}, m1 = {r['m1']}, m2 = {m2}, {r['seeds']} seed(s): "
                "normalised test MSE (1 = predicting the mean); corr = |corr(learned feature, xᵀAx)|",
                ("n", "3 layers", "2 layers", "corr", "corr, 1 step", "steps"), rows))
        if len(results) > 1:
            for key, name in (("three_layer", "three layers"), ("two_layer", "two layers")):
                e = res[f"exponent_{key}"]
                missing = res["not_reached"][key]
                text = f"{e:.2f}" if e is not None else "not fitted"
                if missing:
                    text += f" (NMSE ≤ {res['nmse_level']} never reached at d = {', '.join(map(str, missing))})"
                stdout().print(f"{name}: n(NMSE ≤ {res['nmse_level']}) grows like d^{text}", highlight=False)
