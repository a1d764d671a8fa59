"""The orthogonal family: exact vanishing of inner products, non-zero norms, Monte Carlo agreement."""

from fractions import Fraction

import numpy as np
import pytest

from netconstruct.constructions import orthogonal as orth


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_cross_counts_vanish_for_every_proper_overlap(k):
    """N_ρ(S,T) = 0 for every ρ whenever S ≠ T: E[f_S f_T] = 0 under every spherically symmetric law."""
    for o in range(k):
        assert all(v == 0 for v in orth.overlap_counts(k, o).values())
    assert any(v != 0 for v in orth.overlap_counts(k, k).values())


@pytest.mark.parametrize("law", orth.LAWS)
def test_relu_gram_matrix_is_diagonal_to_1e30(law):
    rep = orth.inner_products(8, 2, "relu", laws=(law,))
    vals = rep["laws"][law]
    norm = vals[2]
    assert float(norm) > 1e-3
    for o in (0, 1):
        assert abs(vals[o]) <= 1e-30 * abs(norm)


def test_relu_norm_matches_closed_form_gaussian_k2():
    """k = 2, Gaussian: E f_S² = Σ_ρ N_ρ Φ(ρ) with the arc-cosine kernel; check against direct expansion."""
    import mpmath

    rep = orth.inner_products(5, 2, "relu", laws=("gaussian",))
    # direct: f = relu(a·x)+relu(-a·x) - relu(b·x) - relu(-b·x) = |a·x| - |b·x| with a ⟂ b, |a|=|b|=1
    # E f² = 2 E z² − 2 E|z1||z2| = 2 − 2·(2/π); the stored scale 1/√2 is a 30-digit rational
    with mpmath.workdps(50):
        assert abs(rep["laws"]["gaussian"][2] - (2 - 4 / mpmath.pi)) < mpmath.mpf(10) ** -28


def test_parity_relu_odd_k_members_vanish():
    net = orth.member(6, (0, 1, 2), "relu")
    X = np.random.default_rng(0).standard_normal((1000, 6))
    assert np.abs(net(X)).max() < 1e-12
    rep = orth.inner_products(6, 3, "relu", laws=("gaussian",))
    assert abs(float(rep["laws"]["gaussian"][3])) < 1e-40


def test_members_are_exactly_negated_by_a_sign_flip():
    """f_S(x with x_i negated) = −f_S(x) for i ∈ S, exactly (rational inputs)."""
    net = orth.member(5, (0, 2, 4, 1), "relu")
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = [Fraction(int(v), 7) for v in rng.integers(-20, 20, 5)]
        y = list(x)
        y[2] = -y[2]
        assert net.evaluate_exact(y) == [-v for v in net.evaluate_exact(x)]


@pytest.mark.parametrize("law", ["gaussian", "ball"])
def test_monte_carlo_agrees(law):
    rep = orth.inner_products(8, 2, "relu", laws=(law,))
    mc = orth.monte_carlo(8, 2, "relu", law, 40_000, seed=3)
    assert abs(mc["norm2"]["mean"] - float(rep["laws"][law][2])) <= mc["norm2"]["half_width"]
    assert abs(mc["overlap_1"]["mean"]) <= mc["overlap_1"]["half_width"]


def test_family_size_and_member_shape():
    from math import comb

    rep = orth.inner_products(16, 4, "relu", laws=())
    assert rep["family_size"] == comb(16, 4)
    assert sum(v["ordered_pairs"] for v in rep["by_overlap"].values()) == comb(16, 4) ** 2
    net = orth.member(16, (0, 1, 2, 3))
    assert net.depth == 2 and net.size == 16 and net.layers[0].weight.abs_max() == Fraction(1, 2)


def test_cli_orthogonal(tmp_path):
    import json

    from typer.testing import CliRunner

    from netconstruct.cli import app

    res = CliRunner().invoke(app, ["orthogonal", "--d", "8", "--k", "2", "--samples", "20000", "--json", "--member", "1,5", "--out", str(tmp_path / "m.json")])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["ok"] and rep["family_size"] == 28
    from netconstruct import load

    assert load(tmp_path / "m.json").metadata["parameters"]["subset"] == [1, 5]
