"""Build, verify, save and reload a depth-3 network for a radial target, with the library API.

Run: python examples/radial_depth3.py [out.json]
"""

import sys
from fractions import Fraction

from netconstruct import build_radial, load, make_target, save, verify_radial


def main(out: str = "radial_depth3_example.json") -> None:
    target = make_target(expression="max(0, 1/4 - abs(r - 1/2))")  # a tent around the sphere r = 1/2
    eps = Fraction(1, 10)
    net = build_radial(20, eps, target)
    report = verify_radial(net, target, eps, samples=2000, seed=0)
    stats = net.stats()
    print(f"depth {stats['depth']}, widths {stats['widths']}, neurons {stats['neurons']}")
    print(f"max |weight| = {float(stats['max_abs_weight']):.4g}")
    print(f"a-priori bound {net.metadata['bounds']['sup_error']}, certified {report.to_json()['certified']['sup_error']}")
    print(f"worst sampled error (mpmath) {report.to_json()['empirical']['max_error_mpmath']}")
    assert report.ok, report.checks
    save(net, out)
    again = load(out)
    x = [Fraction(1, 10)] * 20
    assert again.evaluate_exact(x) == net.evaluate_exact(x)
    print(f"saved to {out} and reloaded: same exact output at x = (0.1, …, 0.1)")


if __name__ == "__main__":
    main(*sys.argv[1:])
