"""``train``: the smallest trained network that provably meets ε, beside the theorems' networks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import options as opt
from .app import app, emit_json, handled, stages, stderr, stdout
from .options import GExpr, Json, PlotFile, Seed, TargetName, csv, int_list, positive, target, writable
from .render import columns


@app.command()
def train(
    d: Annotated[int, typer.Option("--d", help="Input dimension.")] = 2,
    eps: Annotated[str, typer.Option("--eps", help="Comma-separated accuracies ε (sup norm over the unit ball).")] = "0.1",
    depth: Annotated[str, typer.Option("--depth", help="Depths to train: 2 (d → w → 1), 3 (d → w → w → 1), or 2,3.")] = "2,3",
    target_name: TargetName = None,
    g: GExpr = None,
    recipe: Annotated[str, typer.Option(
        "--recipe", help="minimax (L_p loss with growing p and mined hard points: aimed at the sup norm) or mse.")] = "minimax",
    steps: Annotated[int, typer.Option("--steps", help="Adam steps per network.")] = 3000,
    lr: Annotated[float, typer.Option("--lr", help="Adam learning rate (cosine schedule).")] = 3e-3,
    batch: Annotated[int, typer.Option("--batch", help="Points uniform in the ball per step.")] = 512,
    widths: Annotated[Optional[str], typer.Option(
        "--widths", help="Widths to try in order, e.g. 8,16,32 (default: doubling from --start-width, then bisection).")] = None,
    start_width: Annotated[int, typer.Option("--start-width", help="First width of the doubling search.")] = 2,
    max_width: Annotated[int, typer.Option("--max-width", help="Largest width tried.")] = 128,
    seeds: Annotated[int, typer.Option("--seeds", help="Networks trained per width (the best is kept).")] = 2,
    seed: Seed = 0,
    certify_boxes: Annotated[int, typer.Option(
        "--certify-boxes", help="Each network's certificate budget in boxes (a count: the same table on any machine). "
                                "A certificate stops sooner once it proves ≤ ε or finds an error > ε; 'not certified' "
                                "networks spend it all (d = 5: ≈ 20,000 boxes/s on two cores).")] = 2_000_000,
    certify_seconds: Annotated[float, typer.Option(
        "--certify-seconds", help="Safety cap on each network's certificate (a run it stops depends on the machine's "
                                  "speed, and says so).")] = 300.0,
    max_minutes: Annotated[float, typer.Option(
        "--max-minutes", help="Refuse a study whose estimated training time (every width and seed) is longer.")] = 30.0,
    device: Annotated[str, typer.Option("--device", help="Torch device for training: cpu, or cuda where present.")] = "cpu",
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", help="Save each width's best network here (netconstruct JSON, certificate in its metadata).")] = None,
    plot_file: PlotFile = None,
    json_out: Json = False,
) -> None:
    """Train ReLU networks of growing width on a radial target, certify each (a proof of its sup error over the
    ball), and report the smallest width whose certified error is ≤ ε — beside the neurons of the theorems'
    constructions for the same (d, ε).

    A width counts only on a proof (upper ≤ ε); 'exceeds' means an error above ε was found at a point,
    'not certified' that the certificate's budget ran out in between.  Exit 1 when some (ε, depth) has no
    certified width.  Needs the torch extra.

    Example:  netconstruct train --d 2 --eps 0.3 --depth 2 --steps 300 --seeds 1 --max-width 8 --plot trained.png
    """
    with handled():
        from ..plot import check_image_file

        check_image_file(plot_file)
        writable(plot_file)
        from ..errors import NetconstructError, UsageError
        from ..experiments.trained_vs_constructed import Recipe, check_arguments, plot_series, study

        opt.seed(seed)
        opt.dimension(d)
        epss = [positive(t, "eps") for t in csv(eps, "--eps")]
        depths = tuple(int_list(depth, "--depth", 2))
        width_list = int_list(widths, "--widths") if widths is not None else None
        opt.finite(lr, "--lr")
        opt.finite(certify_seconds, "--certify-seconds", 0.0, 86_400.0)
        opt.finite(max_minutes, "--max-minutes", 0.0, 10_080.0)
        tgt = target(target_name, g, "1", None)
        rec = Recipe(recipe, steps, lr, batch)
        estimate = check_arguments(d, depths, seeds, start_width, max_width, width_list, rec, certify_seconds,
                                   max_minutes, certify_boxes) * len(epss)
        from ..export import require

        torch = require("torch", "torch")
        if device != "cpu" and not (device.startswith("cuda") and torch.cuda.is_available()):
            raise NetconstructError(f"--device {device!r}: no such torch device here (cpu, or cuda with a GPU)")
        if out_dir is not None:
            if out_dir.exists() and not out_dir.is_dir():
                raise UsageError(f"--out-dir {out_dir}: exists and is not a directory")
        stderr().print(f"training at most {estimate / 60:.1f} min (estimate, every width and seed) "
                       f"plus ≤ {certify_boxes:,} boxes (≤ {certify_seconds:g} s) of certificate per network",
                       highlight=False)
        with stages(True) as progress:
            rep = study(d, epss, tgt, depths, rec, seeds, seed, start_width, max_width, width_list, certify_seconds,
                        device, progress=progress, keep_networks=out_dir is not None, boxes=certify_boxes)
        rows = rep.data["rows"]
        written = []
        if out_dir is not None:
            written = _save_networks(rep, out_dir, tgt)
        if plot_file is not None:
            from ..plot import plot_lines

            series, styles = plot_series(rows)
            plot_lines(series, plot_file, "1/ε", "neurons", f"trained (certified) vs constructed, d = {d}, g = {tgt.expression}",
                       logx=True, logy=True, styles=styles)
        if json_out:
            emit_json(rep.to_json() | ({"written": written} if written else {}))
        else:
            con = stdout()
            for r in rows:
                tried = [(str(t["width"]), f"{t['neurons']:,}", str(t["seed"]), t["status"], f"{t['lower']:.5f}",
                          f"{t['upper']:.5f}", f"{t['train_seconds']:.1f}", f"{t['certify_seconds']:.1f}") for t in r["tried"]]
                con.print(columns(f"depth {r['depth']}, ε = {r['eps']:g}: widths tried ({rec.name} recipe)",
                                  ("width", "neurons", "seed", "status", "lower (found)", "upper (proved)", "train s",
                                   "certify s"), tried))
            out = []
            for r in rows:
                n = r["smallest_certified_neurons"]
                cons = [(f"{'' if v['exact'] else '≥ '}{v['neurons']:,}" if v["neurons"] else "—") for v in r["constructed"].values()]
                out.append((f"{r['eps']:g}", str(r["depth"]), f"{n:,}" if n else "none certified", *cons))
            labels = [v["label"] for v in rows[0]["constructed"].values()] if rows else []
            con.print(columns(f"neurons: smallest certified trained network vs the constructions, d = {d}, g = {tgt.expression}",
                              ("ε", "trained depth", "trained (certified)", *labels), out))
            for path in written:
                con.print(f"wrote {path}", highlight=False)
            if plot_file is not None:
                con.print(f"wrote {plot_file}", highlight=False)
        if not rep.ok:
            raise typer.Exit(3)
        if any(r["smallest_certified_width"] is None for r in rows):
            raise typer.Exit(1)  # some (ε, depth) has no certified width: never a success


def _save_networks(rep, out_dir: Path, tgt) -> list[str]:
    """Each (ε, depth, width)'s best network as JSON with its certificate in the metadata; returns the paths."""
    from fractions import Fraction

    from ..exact import upper_text
    from ..jsonio import save

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    entries = {(r["eps"], r["depth"], t["width"]): t for r in rep.data["rows"] for t in r["tried"]}
    for (e, depth, w), net in sorted(rep.artifacts["networks"].items()):
        t = entries[(e, depth, w)]
        meta = {
            "construction": "trained",
            "parameters": {"d": net.input_dim, "depth": depth, "width": w, "seed": t["seed"], "recipe": rep.data["recipe"]},
            "target": tgt.to_metadata(),
            "bounds": {"sup_error": upper_text(Fraction(t["upper"]), 12), "norm": "sup over the ball",
                       "method": f"box branch and bound at training time ({t['boxes']:,} boxes)"},
            "training": {"status": t["status"], "eps": e, "error_found": t["lower"], "at": t["worst_point"],
                         "train_seconds": t["train_seconds"]},
        }
        path = out_dir / f"trained_d{net.input_dim}_eps{e:g}_depth{depth}_w{w}.json"
        save(net.with_metadata(**meta), path)
        written.append(str(path))
    return written
