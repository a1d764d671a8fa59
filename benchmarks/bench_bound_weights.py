"""Time and size of the bound-weights transform (Vardi & Shamir 2020) for depth k = 1, 2, 3.

Inputs are "steep-step" ReLU networks on [0,1]^2: every hidden layer is made of pairs
ReLU(w·y − a·t + 1) − ReLU(w·y − a·t) with w ≈ a·(dyadic direction) + 30 random low bits, gain a = 2^40,
i.e. threshold units with exponentially large, full-length weights; the output is a ±1 combination of
the last steps (so |N| ≤ width/2 = M).  For
k = 1 the network is an affine map with weights ≈ 2^40 and a cancelling bias.

Run:  python benchmarks/bench_bound_weights.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import time
from fractions import Fraction

from netconstruct.errors import TooLargeError
from netconstruct.network import Network, dense_layer
from netconstruct.transforms.bound_weights import Params, transform
from netconstruct.transforms.checks import check, grid_values

GAIN = 2**40


def steep_network(d: int, k: int, width: int, seed: int) -> Network:
    """A depth-k network of steep steps (gain 2^40); for k = 1 an affine map with cancelling weights."""
    rng = random.Random(seed)
    if k == 1:
        w = [Fraction(GAIN + rng.randint(0, 99)) * rng.choice([-1, 1]) for _ in range(d)]
        b = -sum(w) / 2 + Fraction(rng.randint(1, 9), 10)
        return Network((dense_layer([w], [b], "identity"),), {})

    def expand(direction, paired):  # weights on the previous neurons: (c, −c) per pair of a step
        return [x for c in direction for x in ((c, -c) if paired else (c,))]

    layers, n_feat, paired = [], d, False
    for _ in range(k - 1):
        W, B = [], []
        for _ in range(width // 2):
            direction = [Fraction(rng.randint(-8, 8), 8) for _ in range(n_feat)]
            t = Fraction(rng.randint(1, 15), 16)
            # full-length weights: the gain times a dyadic direction plus 30 random low-order bits
            row = [GAIN * c + rng.randint(-(2**30), 2**30) * (c != 0) for c in expand(direction, paired)]
            W += [row, row]
            B += [-GAIN * t + 1, -GAIN * t]
        layers.append(dense_layer(W, B, "relu"))
        n_feat, paired = width // 2, True
    out = expand([rng.choice([-1, 1]) for _ in range(n_feat)], paired)
    layers.append(dense_layer([out], [0], "identity"))
    return Network(tuple(layers), {})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small grid only")
    ap.add_argument("--max-neurons", type=int, default=3_000_000)
    args = ap.parse_args()
    widths = (2, 8) if args.quick else (2, 8, 16, 32, 64)
    bits_list = (4, 8) if args.quick else (4, 8, 16)
    d = 2
    print("| k | width | B | neurons | parameters | max abs w (before) | max abs w (after) | bound | largest fan-in | L | transform s | check s | grid | exact |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k in (1, 2, 3):
        for width in widths if k > 1 else (1,):
            for bits in bits_list:
                net = steep_network(d, k, width, seed=k * 100 + width)
                M = Fraction(max(1, width // 2)) if k > 1 else Fraction(2**41)
                p = Params((0, 0), (1, 1), bits, 10, 0, M, args.max_neurons)
                grid = grid_values(net, p.low, p.high, bits, 1_000_000, 2_000, 0)
                if k == 1:
                    M = max(abs(v[0]) for v in grid[2]) + 1
                    p = Params((0, 0), (1, 1), bits, 10, 0, M, args.max_neurons)
                t0 = time.perf_counter()
                try:
                    res = transform(net, p)
                except TooLargeError as exc:
                    print(f"| {k} | {width} | {bits} | > {args.max_neurons:,} | – | {float(net.stats()['max_abs_weight']):.3g} | – | – | – | – | {time.perf_counter() - t0:.1f} (stopped) | – | – | {str(exc).split('(')[1].split(')')[0]} |", flush=True)
                    continue
                tt = time.perf_counter() - t0
                t0 = time.perf_counter()
                rep = check(net, res, grid=grid, box_samples=2000)
                tc = time.perf_counter() - t0
                st = rep.data["after"]
                print(
                    f"| {k} | {width} | {bits} | {st['neurons']:,} | {st['parameters_nonzero']:,} | "
                    f"{float(rep.data['before']['max_abs_weight']):.3g} | {float(st['max_abs_weight']):.3g} | "
                    f"{float(res.bound['max_abs_weight']):.3g} | {res.max_fan_in} | {res.max_L} | {tt:.2f} | {tc:.2f} | "
                    f"{rep.data['grid']['count']:,} | {'✔' if rep.ok else '✘'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
