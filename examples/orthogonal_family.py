"""The Goel et al. orthogonal family: build members, check orthogonality exactly and by sampling.

Run: python examples/orthogonal_family.py
"""

import numpy as np

from netconstruct.constructions import orthogonal


def main() -> None:
    n, k = 10, 2
    report = orthogonal.inner_products(n, k, "relu", laws=("gaussian", "sphere"))
    print(f"family size C({n},{k}) = {report['family_size']}")
    for law, vals in report["laws"].items():
        print(f"{law:9s}: E[f_S^2] = {float(vals[k]):.12f}; E[f_S f_T] for |S∩T| < {k}: {[float(vals[o]) for o in range(k)]}")
    f = orthogonal.member(n, (0, 1))
    g = orthogonal.member(n, (1, 2))
    X = np.random.default_rng(0).standard_normal((100_000, n))
    print(f"Monte Carlo E[f g] = {np.mean(f(X) * g(X)):+.4f} (exactly 0), E[f^2] = {np.mean(f(X) ** 2):.4f}")


if __name__ == "__main__":
    main()
