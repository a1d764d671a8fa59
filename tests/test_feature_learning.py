"""Three-layer feature learning (Nichani, Damian & Lee 2023) at a small size, fixed seed."""

import pytest

from netconstruct.experiments import feature_learning as fl


@pytest.fixture(scope="module")
def run():
    return fl.experiment(16, [1000, 4000, 32000], "quadratic", seed=0)


def test_one_gradient_step_learns_the_quadratic_feature(run):
    """The learned feature zᵀφ(x) correlates with xᵀAx, more so with more samples."""
    corr = [r["feature_correlation"] for r in run["rows"]]
    assert corr == sorted(corr)
    assert corr[-1] > 0.85


def test_three_layers_improve_with_n_and_beat_two_at_the_largest_n(run):
    three = [r["three_layer"] for r in run["rows"]]
    assert three == sorted(three, reverse=True)
    last = run["rows"][-1]
    assert last["three_layer"] < last["two_layer"]


def test_target_is_normalised():
    import numpy as np

    rng = np.random.default_rng(0)
    f, var = fl.make_target("quadratic", 10, rng)
    X = fl.sample_inputs(50_000, 10, rng)
    y = f(X)
    assert abs(y.mean()) < 0.02 and abs(y.var() - var) < 0.05 * var
