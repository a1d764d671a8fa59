"""Three-layer feature learning vs two layers on g(xᵀAx/√2), g = (z + 2·He₂(z))/3 (small size).

Run: python examples/feature_learning.py
"""

from netconstruct.experiments import feature_learning


def main() -> None:
    res = feature_learning.experiment(d=10, ns=[1000, 4000, 16000], target="he2", seed=0)
    print("n      three-layer  two-layer  corr(feature, x'Ax)  after one step")
    for r in res["rows"]:
        print(f"{r['n']:<6d} {r['three_layer']:.4f}       {r['two_layer']:.4f}     {r['feature_correlation']:.3f}"
              f"                {r['feature_correlation_one_step']:.3f}")


if __name__ == "__main__":
    main()
