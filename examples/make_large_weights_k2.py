"""Make examples/large_weights_k2.json: a depth-2 ReLU network on [0,1]^2 with weights ≥ 2^40.

N(x) = ReLU(2^40 (x1 − 1/2) + 1) − ReLU(2^40 (x1 − 1/2)) + ReLU(2^42 (x2 − 1/3) + 1) − ReLU(2^42 (x2 − 1/3)):
two steep steps (a threshold at 1/2 in x1 and at 1/3 in x2, each of width 2^-40 resp. 2^-42),
i.e. 1{x1 ≥ 1/2} + 1{x2 ≥ 1/3} except on bands of measure ≤ 2^-40.  The input of the bound-weights
transform (Vardi & Shamir 2020): depth k = 2 with exponentially large weights.

Run: python examples/make_large_weights_k2.py [out.json]
"""

import sys
from fractions import Fraction
from pathlib import Path

from netconstruct.jsonio import save
from netconstruct.network import Network, dense_layer


def build() -> Network:
    a, b = 2**40, 2**42
    t1, t2 = Fraction(1, 2), Fraction(1, 3)
    hidden = dense_layer(
        [[a, 0], [a, 0], [0, b], [0, b]],
        [-a * t1 + 1, -a * t1, -b * t2 + 1, -b * t2],
        "relu",
    )
    out = dense_layer([[1, -1, 1, -1]], [0], "identity")
    return Network(
        (hidden, out),
        {
            "construction": "example_large_weights",
            "description": "1{x1 >= 1/2} + 1{x2 >= 1/3} up to bands of width 2^-40 and 2^-42",
            "domain": {"type": "box", "low": ["0", "0"], "high": ["1", "1"]},
        },
    )


def main(out: str = str(Path(__file__).with_name("large_weights_k2.json"))) -> None:
    net = build()
    save(net, out)
    st = net.stats()
    print(f"wrote {out}: depth {st['depth']}, widths {st['widths']}, max |weight| = {st['max_abs_weight']} (2^42)")


if __name__ == "__main__":
    main(*sys.argv[1:])
