"""Learn a ball indicator with two sigmoid layers (hidden layer fixed), by GD on the output layer.

Run: python examples/ball_indicator.py
"""

import numpy as np

from netconstruct.experiments import ball_indicator as bi


def main() -> None:
    rng = np.random.default_rng(0)
    d, r = 8, 1.0
    X, Xt = bi.sample("uniform-radius", d, 3000, r, rng), bi.sample("uniform-radius", d, 2000, r, rng)
    y, yt = (np.linalg.norm(X, axis=1) <= r).astype(float), (np.linalg.norm(Xt, axis=1) <= r).astype(float)
    hidden = bi.coordinate_hidden(d, m=8, B=2.0)
    print("fixed layer: sup |psi(s) - s^2| on [-2, 2] <=", round(bi.square_error_bound(8, 2.0, 4.0)["sup_error"], 4))
    _, _, hist = bi.train_output_layer(hidden.features(X), y, 400, 2.0, hidden.features(Xt), yt, log_every=100)
    for step, train_mse, train_err, test_mse, test_err in hist:
        print(f"step {step:4d}: train MSE {train_mse:.4f}, test 0-1 error {test_err:.4f}")


if __name__ == "__main__":
    main()
