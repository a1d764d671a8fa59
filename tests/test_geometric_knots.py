"""Geometric knots for the depth-3 construction (docs/constructions/radial_depth3.md, "Geometric knots")."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from netconstruct.bounds.shells import BallSum, square_error
from netconstruct.certificates.sum_of_univariate import certify_radial, target_interval
from netconstruct.constructions import geometric_knots as gk
from netconstruct.constructions import radial_depth3 as r3
from netconstruct.constructions.univariate import square_interpolant_at
from netconstruct.verify import verify_radial


def _rational_point(rng, d, r):
    x = rng.standard_normal(d)
    x = x / np.linalg.norm(x) * r
    return [Fraction(float(v)).limit_denominator(10**6) for v in x]


def test_geometric_piece_error_is_relative():
    """Lemma G1: on a piece [a, ρa] the error (s − a)(ρa − s) ≤ (ρ−1)²/(4ρ)·s² (equality at s = 2ρa/(1+ρ)),
    exactly on a grid."""
    for rho in (Fraction(11, 10), Fraction(2), Fraction(5)):
        a = Fraction(1, 7)
        k = (rho - 1) ** 2 / (4 * rho)
        for i in range(201):
            s = a + (rho * a - a) * Fraction(i, 200)
            assert (s - a) * (rho * a - s) <= k * s * s
        s = 2 * rho * a / (1 + rho)
        assert (s - a) * (rho * a - s) == k * s * s


def test_lagrangian_shell_bounds_hold_at_random_points():
    """Lemma G2 (Lagrangian bound): for ‖x‖ in a shell, ‖x‖² + Σ ε(x_i) lies in [lower, upper], exactly."""
    rng = np.random.default_rng(3)
    R = Fraction(1)
    knots = gk.knot_set(R, 2, 3, Fraction(9, 5))
    h = square_interpolant_at(knots).relu_sum()
    d = 7
    bs = BallSum(((square_error(h, R), d),))
    for _ in range(300):
        r = Fraction(float(rng.random())).limit_denominator(1000)
        x = _rational_point(rng, d, float(r))
        n2 = sum(v * v for v in x)
        ra = max(Fraction(0), r - Fraction(1, 50))
        rb = min(R, r + Fraction(1, 50))
        if not ra * ra <= n2 <= rb * rb:
            continue
        value = n2 + sum(h(v) - h(0) - v * v for v in x)
        assert bs.lower(ra, rb) <= value <= bs.upper(ra, rb)


def test_proved_radius_error_bounds_every_point(sine):
    """Lemma G3: the proved δ bounds |√S⁺ − ‖x‖| for S = Σ h(x_i) − c at random and structured points."""
    p = r3.plan_geometric(6, Fraction(1, 10), sine)
    h = square_interpolant_at(p.half_knots).relu_sum()
    rng = np.random.default_rng(0)
    mids = [(a + b) / 2 for a, b in zip(p.half_knots, p.half_knots[1:])]
    points = [_rational_point(rng, 6, float(rng.random())) for _ in range(200)]
    points += [[m] * k + [0] * (6 - k) for m in mids for k in range(1, 7) if k * m * m <= 1]
    for x in points:
        S = sum(h(v) for v in x) - p.shift
        r = math.sqrt(float(sum(v * v for v in x)))
        assert abs(math.sqrt(max(float(S), 0.0)) - r) <= float(p.radius_error) + 1e-12


@pytest.mark.parametrize("d,eps", [(10, Fraction(1, 10)), (50, Fraction(1, 10))])
def test_no_smaller_knot_count_in_the_family_is_better(sine, d, eps):
    """The search's choice is minimal in its family: for fewer interior knots m' the float estimate of δ —
    which never exceeds the proved δ — either cannot meet ε at all or needs at least as many neurons."""
    p = r3.plan_geometric(d, eps, sine)
    L, R = float(sine.lipschitz), float(sine.radius)
    for m in range(1, p.knots.interior):
        est = gk._best_for(m, d, Fraction(1), float(eps))[0]
        rest = float(eps) - L * est
        if rest > 0:
            assert d * (2 * m + 1) + 2 + math.ceil(float(r3.KAPPA0) * L * R / rest) >= p.neurons


def test_sizes_grow_like_d_log_over_sqrt_eps(sine):
    """neurons / (d·log(d/ε)/√ε) stays in a narrow band over d ∈ {10, 100, 1000}, ε ∈ {0.2, 0.05}."""
    ratios = []
    for d in (10, 100, 1000):
        for eps in (Fraction(1, 5), Fraction(1, 20)):
            n = r3.plan_geometric(d, eps, sine).neurons
            ratios.append(n / (d * math.log(d / float(eps)) / math.sqrt(float(eps))))
    assert max(ratios) / min(ratios) < 2.5


def test_geometric_beats_uniform_and_is_the_default(sine):
    g = r3.plan(50, Fraction(1, 10), sine)
    assert g.scheme == "geometric" and g.neurons <= 600 < r3.plan_uniform(50, Fraction(1, 10), sine).neurons
    assert g.bound <= Fraction(1, 10)


def test_certificate_is_sound_and_tight_for_geometric_networks(sine):
    """certified ≥ the error at structured and random points; at d = 200 the search finds ≥ 95% of it."""
    net = r3.build(200, Fraction(1, 10), sine, knots="geometric")
    rep = verify_radial(net, sine, Fraction(1, 10), samples=3000)
    assert rep.ok and rep.sampled.value <= rep.certified.value
    assert rep.sampled.value >= Fraction(95, 100) * rep.certified.value
    assert rep.sampled.kinds["near_knots"] > 0 and rep.sampled.kinds["climbed"] > 0


def test_perturbed_weight_makes_a_too_good_claim_fail(sine):
    """Raising one first-layer bias of a geometric network raises the certificate above the old claim."""
    from netconstruct.network import Layer, Network

    net = r3.build(8, Fraction(1, 10), sine, knots="geometric")
    cert = certify_radial(net, target_interval(sine), 1).value
    l1 = net.layers[0]
    bias = list(l1.bias)
    bias[0] = bias[0] + Fraction(1, 10)
    bad = Network((Layer(l1.weight, tuple(bias), l1.activation),) + net.layers[1:], net.metadata)
    assert certify_radial(bad, target_interval(sine), 1).value > cert
    rep = verify_radial(bad, sine, cert, samples=300)
    assert not rep.ok and not rep.checks["certified_le_eps"]


def test_float_screen_of_the_lambda_tables_is_exact():
    """The float pre-screen in Quadratics.extremes changes nothing: for every λ of the grid the result equals
    the exact extremum over all pieces (uniform and geometric knots, both directions)."""
    from netconstruct.bounds.shells import LAMBDAS
    from netconstruct.constructions.univariate import square_interpolant

    R = Fraction(1)
    for h in (square_interpolant_at(gk.knot_set(R, 2, 4, Fraction(17, 10))).relu_sum(),
              square_interpolant(R, 7).relu_sum()):
        q = square_error(h, R)
        for upper in (True, False):
            fast = q.extremes(LAMBDAS, upper)
            pick = max if upper else min
            slow = [pick(q.piece_extreme(k, lam, upper) for k in range(len(q.pieces))) for lam in LAMBDAS]
            assert fast == slow


@settings(max_examples=50, deadline=None)
@given(num=st.integers(1, 10**6), den=st.integers(1, 10**6), n0=st.integers(1, 4), ng=st.integers(1, 60),
       rho=st.sampled_from(gk.RHOS))
def test_the_searchs_float_knots_are_the_exact_knots_rounded(num, den, n0, ng, rho):
    """The search scores knot sets in float64: each of its floats is the exact knot of knot_set correctly rounded
    (integer true division), so the float search does not depend on how the rationals were built."""
    R = Fraction(num, den)
    assert gk.knot_floats(R, n0, ng, rho) == [float(v) for v in gk.knot_set(R, n0, ng, rho)]
