"""Ball indicator (Safran & Lee 2022): the fixed layer's bound, GD decreases the loss and learns."""

import numpy as np
import pytest

from netconstruct.experiments import ball_indicator as bi


@pytest.mark.parametrize("m,B", [(4, 2.0), (8, 2.0), (16, 3.0)])
def test_fixed_layer_approximates_squares_within_stated_bound(m, B):
    """|ψ(s) − s²| ≤ stated bound on [−B, B] (checked on an independent random grid), and
    |Σψ(x_i) − ‖x‖²| ≤ d·bound for x in the box."""
    bound = bi.square_error_bound(m, B, 4.0)["sup_error"]
    s = np.random.default_rng(0).uniform(-B, B, 100_000)
    assert np.abs(bi.psi(s, m, B, 4.0) - s * s).max() <= bound
    d = 7
    h = bi.coordinate_hidden(d, m, B)
    X = np.random.default_rng(1).uniform(-B, B, (2000, d))
    approx = h.features(X) @ (-h.u_star)
    assert np.abs(approx - (X**2).sum(1)).max() <= d * bound + 1e-9
    assert bound < B * B / m  # and it shrinks with the number of pieces


def test_gd_on_output_layer_decreases_loss_and_learns_the_ball():
    rng = np.random.default_rng(0)
    d, r = 5, 1.0
    X = bi.sample("uniform-radius", d, 3000, r, rng)
    Xt = bi.sample("uniform-radius", d, 2000, r, rng)
    y = (np.linalg.norm(X, axis=1) <= r).astype(float)
    yt = (np.linalg.norm(Xt, axis=1) <= r).astype(float)
    h = bi.coordinate_hidden(d, 8, 2.0)
    _, _, hist = bi.train_output_layer(h.features(X), y, 600, 2.0, h.features(Xt), yt, log_every=100)
    train_loss = [row[1] for row in hist]
    assert all(b <= a + 1e-12 for a, b in zip(train_loss, train_loss[1:]))  # GD decreases the loss
    assert hist[-1][4] <= 0.05  # test 0-1 error ≤ 5% (the constant predictor has ≈ 50%)


@pytest.mark.parametrize("dist", bi.DISTRIBUTIONS)
def test_distributions_are_radial_and_put_mass_on_both_sides(dist):
    X = bi.sample(dist, 6, 20_000, 1.0, np.random.default_rng(2))
    inside = (np.linalg.norm(X, axis=1) <= 1.0).mean()
    assert 0.2 < inside < 0.8
    # radial: the direction is uniform, so coordinates are exchangeable and symmetric in sign
    assert abs(np.mean(np.sign(X[:, 0]))) < 0.05


def test_cli_ball_small(tmp_path):
    import json

    from typer.testing import CliRunner

    from netconstruct import load
    from netconstruct.cli import app

    res = CliRunner().invoke(app, ["ball", "--d", "4", "--width", "6", "--train-steps", "200", "--samples", "1500",
                                   "--baseline-lrs", "0.5", "--json", "--out", str(tmp_path / "b.json")])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["final"]["two_sigmoid_layers_test_error"] < rep["final"]["constant_predictor_test_error"]
    net = load(tmp_path / "b.json")
    assert net.activations == ["sigmoid", "sigmoid"] and net.depth == 2
