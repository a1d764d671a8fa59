"""Depth-2 networks for a radial target in both regimes, with the library API.

Run: python examples/radial_depth2.py
"""

from fractions import Fraction

from netconstruct.constructions import radial_depth2
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def main() -> None:
    target = make_target("gauss")  # g(r) = exp(-2 r^2)
    for regime, d, eps in [("dimension", 6, Fraction(1, 4)), ("accuracy", 2, Fraction(1, 10))]:
        plan = radial_depth2.plan(regime, d, eps, target)  # exact size, nothing built yet
        net = radial_depth2.build(regime, d, eps, target)
        rep = verify_radial(net, target, eps, samples=1000)
        print(
            f"{regime:9s} d={d} eps={float(eps)}: degree {plan.poly.degree}, {plan.directions} directions, "
            f"{net.size} neurons (predicted {plan.neurons}), certified error {rep.to_json()['certified']['sup_error']}"
        )
        assert net.size == plan.neurons and rep.ok


if __name__ == "__main__":
    main()
