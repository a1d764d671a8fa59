"""Size and time of the depth-3 radial construction over a grid of (d, ε).

Run:  python benchmarks/bench_radial.py [--target sine] [--samples 10000] [--quick]
Prints a Markdown table (neurons, max |w|, certified error, sampled error, build and verify times).
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from netconstruct.constructions import radial_depth3
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="sine")
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="small grid (d ≤ 50)")
    args = ap.parse_args()
    dims = [2, 10, 50] if args.quick else [2, 10, 50, 200, 1000]
    epss = ["0.2", "0.1", "0.05"]
    t = make_target(args.target)
    print(f"target g(r) = {t.expression}, L = {float(t.lipschitz):g}, samples = {args.samples}\n")
    print("| d | ε | neurons | layer 1 | layer 2 | max abs w | a-priori | certified | sampled (mpmath) | build s | verify s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for d in dims:
        for e in epss:
            eps = Fraction(e)
            t0 = time.perf_counter()
            net = radial_depth3.build(d, eps, t)
            tb = time.perf_counter() - t0
            t0 = time.perf_counter()
            rep = verify_radial(net, t, eps, samples=args.samples)
            tv = time.perf_counter() - t0
            st = net.stats()
            print(
                f"| {d} | {e} | {st['neurons']:,} | {st['widths'][1]:,} | {st['widths'][2]:,} | "
                f"{float(st['max_abs_weight']):.1f} | {float(net.metadata['bounds']['sup_error']):.4f} | "
                f"{float(rep.to_json()['certified']['sup_error']):.4f} | {float(rep.sampled.max_error_mpmath):.4f} | "
                f"{tb:.2f} | {tv:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
