"""Three-layer feature learning vs two layers (Nichani, Damian & Lee 2023; docs/constructions/feature_learning.md)."""

import math

import numpy as np
import pytest

from netconstruct.errors import UsageError
from netconstruct.experiments import feature_learning as fl


@pytest.fixture(scope="module")
def run():
    return fl.experiment(8, [2000, 16000], "he2", seed=0)


@pytest.mark.parametrize("kind", fl.TARGETS)
def test_targets_are_centred_with_the_stated_variance(kind):
    """E f* ≈ 0 and Var f* ≈ the recorded variance on fresh points of the sphere of radius √d."""
    rng = np.random.default_rng(1)
    task = fl.make_task(kind, 10, rng)
    y = task(fl.sample_inputs(100_000, 10, rng))
    assert abs(y.mean()) < 0.03 * math.sqrt(task.var) and abs(y.var() - task.var) < 0.05 * task.var


def test_spread_matrix_powers_stay_in_span_of_identity_and_A():
    """A = Q diag(±1)Qᵀ/√d: tr A = 0, ‖A‖_F = 1, ‖A‖_op = 1/√d and A² = I/d — so xᵀA²x = ‖x‖²/d is constant on
    the sphere and the degree-2 part of any g(xᵀAx) there is a multiple of xᵀAx."""
    d = 12
    A = fl.spread_matrix(d, np.random.default_rng(0))
    assert abs(np.trace(A)) < 1e-12 and abs(np.linalg.norm(A) - 1) < 1e-12
    assert np.allclose(A @ A, np.eye(d) / d, atol=1e-12)
    assert abs(np.linalg.norm(A, 2) - 1 / math.sqrt(d)) < 1e-12


def test_hermite_links_have_the_stated_linear_part():
    """For z ~ N(0, 1): E g(z) z = 1/√(1 + 2c²) (he2) and 1/√(1 + 6c²) (he3), E g(z)² = 1 — by Gauss–Hermite."""
    x, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    for kind, c, norm in (("he2", 2.0, math.sqrt(9)), ("he3", 0.5, math.sqrt(2.5))):
        task = fl.Task(kind, 4, None, None, c)
        g = task.link(x)
        assert abs((w * g * x).sum() - 1 / norm) < 1e-12
        assert abs((w * g * g).sum() - 1) < 1e-12


def test_first_step_is_the_gradient_and_steps_converge_to_least_squares():
    """ζ₁ = s/λ_max (−∇ at ζ = 0, the paper's step); with many steps ζ_k → S⁻¹s."""
    rng = np.random.default_rng(0)
    B = rng.standard_normal((30, 30))
    S = B @ B.T / 30 + 0.5 * np.eye(30)
    s = rng.standard_normal(30)
    Z = fl.feature_steps(S, s, (1, 2000))
    lmax = np.linalg.eigvalsh(S)[-1]
    assert np.allclose(Z[:, 0] * lmax * 1.01, s, rtol=1e-6)
    assert np.allclose(Z[:, 1], np.linalg.solve(S, s), rtol=1e-6, atol=1e-8)


def test_three_layers_learn_the_feature_and_beat_two_layers(run):
    """At d = 8: the learned feature aligns with xᵀAx (more so with more samples, and more after several steps
    than after one), and three layers reach at least half the error of two layers at the largest n."""
    rows = run["rows"]
    assert rows[0]["feature_correlation"] < rows[1]["feature_correlation"]
    assert rows[1]["feature_correlation"] > 0.95
    assert all(r["feature_correlation"] >= r["feature_correlation_one_step"] - 0.01 for r in rows)
    assert rows[1]["three_layer"] < rows[0]["three_layer"]
    assert 2 * rows[1]["three_layer"] < rows[1]["two_layer"]


def test_same_seed_same_numbers():
    a = fl.experiment(6, [500], "he3", m1=64, m2=32, test=300, seed=3)
    b = fl.experiment(6, [500], "he3", m1=64, m2=32, test=300, seed=3)
    assert a == b


def test_torch_backend_agrees_with_numpy():
    """The torch code path (here on the CPU) gives the same errors up to float32 rounding."""
    pytest.importorskip("torch")
    a = fl.experiment(6, [1000], "he2", m1=64, m2=32, test=300, seed=1)
    b = fl.experiment(6, [1000], "he2", m1=64, m2=32, test=300, seed=1, device="torch-cpu")
    for key in ("three_layer", "two_layer", "feature_correlation"):
        assert abs(a["rows"][0][key] - b["rows"][0][key]) < 1e-3


def test_crossing_and_exponents():
    """n(NMSE ≤ 0.3) by log-linear interpolation; a synthetic n* = 50·d² gives slope 2; never → None."""
    assert fl.crossing([100, 1000], [0.5, 0.1], 0.3) == pytest.approx(10 ** 2.5)
    assert fl.crossing([100, 1000], [0.5, 0.4], 0.3) is None
    results = []
    for d in (8, 16, 32):
        ns = [int(50 * d * d / 2), int(50 * d * d * 2)]
        # error 0.3 exactly at 50·d² on the log-linear interpolation
        results.append({"d": d, "rows": [{"n": ns[0], "three_layer": 0.4, "two_layer": 0.9},
                                         {"n": ns[1], "three_layer": 0.2, "two_layer": 0.9}]})
    ex = fl.exponents(results)
    assert ex["three_layer"]["exponent"] == pytest.approx(2.0, abs=0.01)
    assert ex["two_layer"]["exponent"] is None and ex["two_layer"]["not_reached_at_d"] == [8, 16, 32]


def test_bad_arguments_and_memory_are_refused_before_work():
    with pytest.raises(UsageError, match="GiB"):
        fl.study(64, [10**7], m1=4096, max_memory=2**30)
    with pytest.raises(UsageError):
        fl.study(16, [10], target="he2")
    with pytest.raises(UsageError):
        fl.study(16, [100], target="nope")
    with pytest.raises(UsageError):
        fl.study(16, [100], c=-1.0)


def test_fewer_samples_than_features_is_solved_on_the_spectrum():
    """n₁ < m₁ makes the feature covariance singular; the ridge falls back to its eigen-decomposition."""
    res = fl.experiment(8, [200], "he2", m1=256, m2=32, test=200, seed=0)
    row = res["rows"][0]
    assert math.isfinite(row["three_layer"]) and math.isfinite(row["two_layer"])
