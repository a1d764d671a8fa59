"""Size and time of the depth-3 radial construction, both knot schemes side by side.

Run:  python benchmarks/bench_radial.py [--target sine] [--samples 10000] [--quick] [--big]
Prints a Markdown table: scheme, neurons, max |w|, a-priori, certified, sampled (mpmath), found/certified,
build s, verify s, peak memory (MB, ru_maxrss of the whole run so far).  --big adds d = 10,000
(geometric only).
"""

from __future__ import annotations

import argparse
import resource
import time
from fractions import Fraction

from netconstruct.constructions import radial_depth3
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def row(d: int, e: str, knots: str, t, samples: int) -> str:
    eps = Fraction(e)
    t0 = time.perf_counter()
    net = radial_depth3.build(d, eps, t, knots=knots)
    tb = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = verify_radial(net, t, eps, samples=samples)
    tv = time.perf_counter() - t0
    st = net.stats()
    cert, found = rep.certified.value, rep.sampled.value
    mem = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (f"| {d} | {e} | {knots} | {st['neurons']:,} | {float(st['max_abs_weight']):.1f} | "
            f"{float(net.metadata['bounds']['sup_error']):.4f} | {float(cert):.4f} | {float(found):.4f} | "
            f"{float(found / cert):.3f} | {tb:.2f} | {tv:.2f} | {mem:,.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="sine")
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="small grid (d ≤ 50)")
    ap.add_argument("--big", action="store_true", help="also d = 10,000 with geometric knots")
    args = ap.parse_args()
    dims = [2, 10, 50] if args.quick else [2, 10, 50, 200, 1000]
    t = make_target(args.target)
    print(f"target g(r) = {t.expression}, L = {float(t.lipschitz):g}, samples = {args.samples}\n")
    print("| d | ε | knots | neurons | max abs w | a-priori | certified | sampled (mpmath) | found/certified "
          "| build s | verify s | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for d in dims:
        for e in ("0.2", "0.1", "0.05"):
            for knots in ("geometric", "uniform"):
                print(row(d, e, knots, t, args.samples), flush=True)
    if args.big:
        for e in ("0.1", "0.05"):
            print(row(10_000, e, "geometric", t, args.samples), flush=True)


if __name__ == "__main__":
    main()
