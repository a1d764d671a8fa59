"""Three-layer feature learning vs two layers on a function of a quadratic feature (small size).

Run: python examples/feature_learning.py
"""

from netconstruct.experiments import feature_learning


def main() -> None:
    res = feature_learning.experiment(d=10, ns=[500, 2000, 8000], target="quadratic", seed=0)
    print("n      three-layer  two-layer  corr(feature, x'Ax)")
    for r in res["rows"]:
        print(f"{r['n']:<6d} {r['three_layer']:.4f}       {r['two_layer']:.4f}     {r['feature_correlation']:.3f}")


if __name__ == "__main__":
    main()
