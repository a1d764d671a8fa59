"""Size, largest weight, certified error and times of the depth-2 radial networks that `netconstruct radial
--depth 2 --regime dimension|accuracy` builds (the registry's constructions: at d = 2, 3 the accuracy regime is
the ridge average, at d = 4, 5 the B_d-symmetric ridges, elsewhere the polynomial constructions).

Run:  python benchmarks/bench_depth2.py [--target sine] [--only accuracy45]     (the tables in docs/performance.md)
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from netconstruct.constructions import find
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial

GRID = [("dimension", d, e) for e in ("0.3", "0.2") for d in (2, 5, 10, 20)] + [
    ("accuracy", d, e) for d in (2, 3) for e in ("0.2", "0.1", "0.05")
]
#: issue #27: d = 4 at ε = 0.2 … 0.02 (the slope), d = 5 at 0.1 and 0.05
GRID45 = [("accuracy", 4, e) for e in ("0.2", "0.1", "0.05", "0.02")] + [("accuracy", 5, e) for e in ("0.2", "0.1", "0.05")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="sine")
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--only", choices=["accuracy45"], help="only the d = 4, 5 accuracy rows")
    args = ap.parse_args()
    t = make_target(args.target)
    print(f"target g(r) = {t.expression}\n")
    print("| regime | d | ε | construction | K or pieces | directions | neurons | max abs w | a-priori | certified | "
          "sampled (mpmath) | build s | verify s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for regime, d, e in (GRID45 if args.only else GRID + GRID45):
        eps = Fraction(e)
        t0 = time.perf_counter()
        net = find(2, regime).build(d, eps, t)
        tb = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = verify_radial(net, t, eps, samples=args.samples, a_priori_source="construction")
        tv = time.perf_counter() - t0
        p = net.metadata["parameters"]
        print(
            f"| {regime} | {d} | {e} | {net.metadata['construction']} | {p.get('degree', p.get('pieces'))} | "
            f"{p['directions']:,} | {net.size:,} | "
            f"{float(net.stats()['max_abs_weight']):.3g} | {float(net.metadata['bounds']['sup_error']):.4f} | "
            f"{float(rep.to_json()['certified']['sup_error']):.4f} | {float(rep.sampled.max_error_mpmath):.4f} | {tb:.2f} | {tv:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
