"""The depth-3 radial construction: its lemmas, its size formula, and verified error ≤ ε."""

from fractions import Fraction

import numpy as np
import pytest

from netconstruct.certificates.sum_of_univariate import analyse, certify_radial, target_interval
from netconstruct.constructions import radial_depth3 as r3
from netconstruct.constructions.univariate import square_interpolant
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def test_kappa0_bounds_the_first_interval_constant():
    v = np.linspace(0, 1, 200001)
    assert (v * (1 - v) * (1 + 2 * v)).max() <= float(r3.KAPPA0)
    assert abs(r3.kappa0_exact() - float(r3.KAPPA0)) < 1e-5


@pytest.mark.parametrize("n", [1, 3, 8])
def test_square_interpolant_error_lemma(n):
    """0 ≤ h(s) − s² ≤ min(Δ²/4, Δ|s|) on [−R, R], checked exactly on a fine rational grid."""
    R = Fraction(3, 2)
    h = square_interpolant(R, n)
    delta = R / n
    for k in range(-400, 401):
        s = R * Fraction(k, 400)
        e = h(s) - s * s
        assert 0 <= e <= min(delta * delta / 4, delta * abs(s))


def test_size_matches_the_formula_and_plan(sine):
    for d, eps in [(1, Fraction(1, 5)), (7, Fraction(1, 10)), (30, Fraction(1, 20))]:
        p = r3.plan(d, eps, sine, "uniform")
        net = r3.build(d, eps, sine, knots="uniform")
        assert net.size == p.neurons == d * (2 * p.n - 1) + 1 + p.M + 1
        assert net.depth == 3
        assert p.bound <= eps


def test_plan_is_minimal_among_feasible_parameters(sine):
    """No (n, M) with fewer neurons satisfies the a-priori bound."""
    d, eps = 10, Fraction(1, 10)
    p = r3.plan(d, eps, sine, "uniform")
    for n in range(1, p.n + 40):
        for M in range(1, p.M + 40):
            q = r3.Plan(d, eps, p.radius, p.lipschitz, n, M)
            if q.bound <= eps:
                assert q.neurons >= p.neurons


GRID = [
    (2, "0.2", "sine"),
    (3, "0.1", "tent"),
    (10, "0.1", "soft-ball"),
    (10, "0.05", "norm"),
    (25, "0.1", "gauss"),
    (50, "0.1", "sine"),
    (50, "0.2", "ramp"),
]


@pytest.mark.parametrize("d,eps,name", GRID)
def test_verified_error_is_below_eps(d, eps, name):
    """certified ≥ sampled error (mpmath) and certified ≤ a-priori ≤ ε, on a grid of (d, ε, profile)."""
    t = make_target(name)
    net = r3.build(d, Fraction(eps), t)
    rep = verify_radial(net, t, Fraction(eps), samples=1500, seed=1)
    assert rep.ok, rep.checks
    cert = Fraction(rep.to_json()["certified"]["sup_error"])
    assert cert <= Fraction(net.metadata["bounds"]["sup_error"]) <= Fraction(eps)
    assert Fraction(rep.to_json()["empirical"]["max_error_mpmath"]) <= cert
    # weights: every |weight| is ≤ max(2R, L·M/R) — the slopes of the two interpolants — up to the
    # 40-digit storage of g's values (relative 10⁻³⁰)
    p = r3.plan(d, Fraction(eps), t)
    assert p.scheme == net.metadata["parameters"]["knots"]
    assert net.stats()["max_abs_weight"] <= max(2 * t.radius, t.lipschitz * p.M / t.radius) * (1 + Fraction(1, 10**30))


def test_worst_case_midpoint_is_within_the_certificate(sine):
    """All coordinates at the midpoint between two knots (where the x_i² errors add up), exactly."""
    d, eps = 16, Fraction(1, 10)
    net = r3.build(d, eps, sine, knots="uniform")
    cert = certify_radial(net, target_interval(sine), 1).value
    delta = Fraction(net.metadata["parameters"]["delta"])
    from conftest import exact_error

    for j in range(0, 4):
        v = (j + Fraction(1, 2)) * delta
        if d * v * v > 1:
            break
        assert exact_error(net, sine, [v] * d) <= cert


def test_radius_and_lipschitz_scale_the_construction():
    t = make_target("norm", radius="5/2")
    net = r3.build(4, Fraction(1, 5), t)
    rep = verify_radial(net, t, Fraction(1, 5), samples=800)
    assert rep.ok
    t2 = make_target("sine", lipschitz=3)
    assert r3.plan(4, Fraction(1, 5), t2).neurons > r3.plan(4, Fraction(1, 5), make_target("sine")).neurons


def test_sizes_grow_polynomially_in_d_and_1_over_eps(sine):
    """neurons ≈ d^{3/2}·L·R/ε: the ratio stays bounded as d and 1/ε grow."""
    ratios = []
    for d in [4, 16, 64, 256]:
        for eps in [Fraction(1, 5), Fraction(1, 20)]:
            ratios.append(r3.plan(d, eps, sine, "uniform").neurons / (d**1.5 / float(eps)))
    assert max(ratios) < 1.0 and min(ratios) > 0.3


def test_too_large_is_refused_before_building(sine):
    from netconstruct.errors import TooLargeError

    with pytest.raises(TooLargeError, match="neurons"):
        r3.build(10**5, Fraction(1, 1000), sine)


def test_structure_detected_and_shift_consistent(sine):
    net = r3.build(6, Fraction(1, 10), sine)
    st = analyse(net, 1)
    assert st.d == 6 and len({id(h) for h in st.coords}) == 1  # every coordinate has the same piece


def test_profile_interpolation_constant_holds_on_every_interval():
    """Lemma 3: sup_ρ (b−ρ)(ρ−a)(a+b+2ρ)/((b−a)(a+b)) ≤ κ₀·(b−a) on every interval [kh, (k+1)h], not only the first."""
    rho = np.linspace(0, 1, 20001)
    for k in range(0, 60):
        a, b = float(k), float(k + 1)
        r = a + rho
        worst = ((b - r) * (r - a) * (a + b + 2 * r) / ((b - a) * (a + b))).max()
        assert worst <= float(r3.KAPPA0)
