"""The bound-weights transform (Vardi & Shamir 2020) on the shipped large-weight example.

A depth-2 ReLU network with weights 2^40 and 2^42 becomes a depth-9 (= 3k+3) ReLU network whose largest
weight is the read-in slope 2^(B+β); the two agree exactly on every input of B bits.

Run: python examples/bound_weights.py [out.json]
"""

import sys
from pathlib import Path

from netconstruct.jsonio import load, save
from netconstruct.transforms.bound_weights import Params, domain_box, transform
from netconstruct.transforms.checks import check, grid_values


def main(out: str = "bounded.json") -> None:
    net = load(Path(__file__).with_name("large_weights_k2.json"))
    lo, hi = domain_box(net)  # [0,1]^2 from the file's metadata
    bits = 5
    grid = grid_values(net, lo, hi, bits, limit=10**6, sample=0, seed=0)
    M = max(abs(v) for row in grid[2] for v in row)  # |N| on the grid: the output range
    res = transform(net, Params(lo, hi, bits=bits, band_bits=8, eps=0, output_range=M))
    rep = check(net, res, grid=grid, box_samples=2000)
    b, a = rep.data["before"], rep.data["after"]
    print(f"depth {b['depth']} -> {a['depth']}; max |weight| {b['max_abs_weight']} -> {a['max_abs_weight']}"
          f" (bound {res.bound['max_abs_weight']}); {a['neurons']} neurons")
    print(f"{rep.data['grid']['points']}: max |N' - N| = {rep.data['grid']['max_abs_difference']}; all checks ok: {rep.ok}")
    assert rep.ok
    save(res.network, out)


if __name__ == "__main__":
    main(*sys.argv[1:])
