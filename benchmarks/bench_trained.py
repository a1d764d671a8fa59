"""Trained vs constructed: the smallest certified trained network beside the theorems' networks (issue #26).

For each case runs `netconstruct train` (library call, same defaults: minimax recipe, 3,000 Adam steps, 2 seeds
per width, doubling then bisection up to width 256, certificates of ≤ 2,000,000 boxes — a count, not a time) and prints one markdown
row per (case, ε, depth): the smallest width whose certified sup error is ≤ ε, its neurons, the constructions'
planned neurons and the ratio constructed/trained, and the wall time.  ``--recipe mse`` measures the plain
recipe on the same cases.  The rows' JSON goes to ``--json-out`` (for the plot in docs/performance.md).

Run:  python benchmarks/bench_trained.py [--quick] [--recipe mse] [--certify-boxes N] [--json-out rows.json]
      (one BLAS thread: ``OPENBLAS_NUM_THREADS=1``, as the table in docs/trained.md)
"""

from __future__ import annotations

import argparse
import json
import time
from fractions import Fraction

from netconstruct.experiments.trained_vs_constructed import Recipe, study
from netconstruct.targets import make_target

CASES = [  # (target, d, ε list, depths)
    ("sine", 2, ["0.1", "0.05", "0.02"], (2, 3)),
    ("sine", 3, ["0.1", "0.05"], (2, 3)),
    ("sine", 5, ["0.1"], (2, 3)),
    ("tent", 2, ["0.1", "0.05"], (2, 3)),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="500 steps, 1 seed, 10 s certificates")
    ap.add_argument("--recipe", default="minimax")
    ap.add_argument("--only", type=int, help="one case (index into CASES)")
    ap.add_argument("--certify-boxes", type=int, default=2_000_000, help="each certificate's budget in boxes")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    steps, seeds, secs = (500, 1, 60.0) if args.quick else (3000, 2, 600.0)
    print("| target | d | ε | depth | smallest certified width (neurons) | tried: width status [lower, upper] | "
          "depth 3 constructed | depth 2 constructed (best regime) | constructed / trained | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    out = []
    for i, (name, d, epss, depths) in enumerate(CASES):
        if args.only is not None and i != args.only:
            continue
        t = make_target(name)
        for e in epss:
            for depth in depths:
                t0 = time.monotonic()
                rep = study(d, [Fraction(e)], t, (depth,), Recipe(args.recipe, steps=steps), seeds=seeds, seed=0,
                            start=2, max_width=256, certify_seconds=secs, boxes=args.certify_boxes)
                wall = time.monotonic() - t0
                (row,) = rep.data["rows"]
                out.append({"target": name, "d": d, **row, "seconds": wall})
                c = row["constructed"]
                d3 = c["depth3"]["neurons"]
                d2s = [v["neurons"] for k, v in c.items() if v["depth"] == 2 and v["neurons"] and v["exact"]]
                d2 = min(d2s) if d2s else None
                n = row["smallest_certified_neurons"]
                tried = "; ".join(f"{x['width']} {x['status'].replace('not certified', 'open')} [{x['lower']:.4f}, {x['upper']:.4f}]"
                                  for x in row["tried"])
                ratio = (f"{d3 / n:.1f} (depth 3)" + (f", {d2 / n:.1f} (depth 2)" if d2 else "")) if n else "—"
                print(f"| {name} | {d} | {e} | {depth} | {row['smallest_certified_width'] or 'none'} ({n or '—'}) | {tried} | "
                      f"{d3:,} | {f'{d2:,}' if d2 else '—'} | {ratio} | {wall:.0f} |", flush=True)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
