"""Three layers vs two layers (Nichani, Damian & Lee 2023): the d = 32 curve and the sample-size exponents.

Run:  python benchmarks/bench_feature_learning.py [--quick] [--plot docs/img/feature_learning_d32.png] [--device cuda]

1. d = 32, target he2 (g = (z + 2·He₂(z))/3, z = xᵀAx/√2), n = 8,000 … 256,000, 3 seeds: normalised test MSE
   of both architectures (mean ± std), the learned feature's correlation with xᵀAx, wall time.
2. n needed for NMSE ≤ 0.3 at d ∈ {8, 12, 16, 24, 32} (one seed, n = 500 … 128,000) and the fitted log-log
   slope per architecture.
"""

from __future__ import annotations

import argparse
import time

from netconstruct.experiments.feature_learning import experiment, exponents


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="d = 16 and fewer points")
    ap.add_argument("--plot", default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--d", type=int, default=32)
    ap.add_argument("--exponents-only", action="store_true")
    args = ap.parse_args()
    d = 16 if args.quick else args.d
    ns = [8000, 32000] if args.quick else [8000, 16000, 32000, 64000, 128000, 256000]
    if not args.exponents_only:
        curve(d, ns, args)
    exponent_table(args)


def curve(d, ns, args) -> None:
    t0 = time.perf_counter()
    res = experiment(d, ns, "he2", seeds=2 if args.quick else 3, device=args.device)
    wall = time.perf_counter() - t0
    print(f"## d = {d}, he2, m1 = {res['m1']}, m2 = {res['m2']}, {res['seeds']} seeds, {wall:.0f} s in all\n")
    print("| n | three layers | two layers | two / three | corr(feature, xᵀAx) | after one step | steps |")
    print("|---|---|---|---|---|---|---|")
    for r in res["rows"]:
        print(f"| {r['n']:,} | {r['three_layer']:.4f} ± {r['three_layer_std']:.4f} | {r['two_layer']:.4f} ± "
              f"{r['two_layer_std']:.4f} | {r['two_layer'] / r['three_layer']:.2f} | {r['feature_correlation']:.4f} | "
              f"{r['feature_correlation_one_step']:.4f} | {','.join(map(str, r['steps']))} |", flush=True)
    if args.plot:
        from netconstruct.plot import plot_lines

        xs = [r["n"] for r in res["rows"]]
        plot_lines({"three layers (steps on W, ridge on a)": (xs, [r["three_layer"] for r in res["rows"]],
                                                              [r["three_layer_std"] for r in res["rows"]]),
                    "two layers (same features, ridge)": (xs, [r["two_layer"] for r in res["rows"]],
                                                          [r["two_layer_std"] for r in res["rows"]])},
                   args.plot, "samples n", "normalised test MSE",
                   f"g(xᵀAx/√2), g = (z + 2He₂(z))/3, d = {d}, {res['seeds']} seeds", logx=True)


def exponent_table(args) -> None:
    dims = [8, 12, 16] if args.quick else [8, 12, 16, 24, 32]
    grid = [500 * 2**k for k in range(8 if args.quick else 9)]
    t0 = time.perf_counter()
    results = [experiment(k, grid, "he2", device=args.device) for k in dims]
    ex = exponents(results)
    print(f"\n## n needed for NMSE ≤ {ex['level']} (one seed, n = {grid[0]:,} … {grid[-1]:,}; "
          f"{time.perf_counter() - t0:.0f} s)\n")
    print("| d | m1 | three layers | two layers | two-layer NMSE at the largest n |")
    print("|---|---|---|---|---|")
    for r in results:
        n3 = ex["three_layer"]["n_needed"][str(r["d"])]
        n2 = ex["two_layer"]["n_needed"][str(r["d"])]
        print(f"| {r['d']} | {r['m1']:,} | {f'{n3:,.0f}' if n3 else 'not reached'} | "
              f"{f'{n2:,.0f}' if n2 else 'not reached'} | {r['rows'][-1]['two_layer']:.3f} |")
    for key in ("three_layer", "two_layer"):
        e = ex[key]["exponent"]
        print(f"\nfitted exponent, {key.replace('_', ' ')}: {f'{e:.2f}' if e is not None else 'not fitted'}"
              f"{'; not reached at d = ' + ', '.join(map(str, ex[key]['not_reached_at_d'])) if ex[key]['not_reached_at_d'] else ''}")


if __name__ == "__main__":
    main()
