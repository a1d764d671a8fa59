"""The vertex lower bound of Σ h̃(x_i) on a shell (bounds.shells.FewCoordinates; docs/constructions/radial_depth3.md,
"Lemma G4") and the tightness it gives the sum-of-univariate certificate at every d."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from netconstruct.bounds.shells import FewCoordinates, square_error
from netconstruct.constructions import radial_depth3 as r3
from netconstruct.constructions.univariate import square_interpolant, square_interpolant_at
from netconstruct.piecewise import ReluSum
from netconstruct.verify import verify_radial

R = Fraction(1)


def _monotone(knots, slopes_right, slopes_left) -> ReluSum:
    """A PL function with h(0) = 0, slopes ≥ 0 right of 0 and ≤ 0 left of 0 (non-decreasing in |t|)."""
    terms = []
    prev = 0
    for k, s in zip([Fraction(0)] + knots, slopes_right):
        terms.append((Fraction(1), -k, s - prev))
        prev = s
    prev = 0
    for k, s in zip([Fraction(0)] + knots, slopes_left):
        terms.append((Fraction(-1), -k, s - prev))  # ReLU(−t − k): slope −s on t < −k
        prev = s
    return ReluSum(tuple(terms), 0)


def _sum_h(h, x):
    return sum(h(v) - h(0) for v in x)


knot_lists = st.lists(st.fractions(Fraction(1, 20), Fraction(19, 20), max_denominator=40), min_size=1, max_size=4,
                      unique=True).map(sorted)
slopes = st.lists(st.fractions(0, 3, max_denominator=8), min_size=5, max_size=5)


@settings(max_examples=60, deadline=None)
@given(knot_lists, slopes, slopes, st.integers(2, 5), st.integers(0, 10**6),
       st.fractions(Fraction(1, 100), 1, max_denominator=100))
def test_vertex_bound_is_below_the_sum_at_points_of_the_shell(knots, sr, sl, d, seed, r):
    """Lemma G4 (soundness): for h non-decreasing in |t| and every x with r_a ≤ ‖x‖ ≤ r_b,
    Σ h̃(x_i) ≥ the bound — checked exactly at random rational points of the shell, and at points with
    one or two non-zero coordinates (where the minimum lives)."""
    h = _monotone(knots, sr[:len(knots) + 1], sl[:len(knots) + 1])
    few = FewCoordinates(((square_error(h, R), d),), R)
    assert few.ok
    ra, rb = max(Fraction(0), r - Fraction(1, 40)), r
    lo = few.lower(ra, rb)
    rng = np.random.default_rng(seed)
    for k in (1, 2, d):
        for _ in range(10):
            x = np.zeros(d)
            x[:k] = rng.standard_normal(k)
            rad = float(ra) + (float(rb) - float(ra)) * rng.random()
            x = x / np.linalg.norm(x) * rad
            xq = [Fraction(v).limit_denominator(10**9) for v in x]
            n2 = sum(v * v for v in xq)
            if ra * ra <= n2 <= rb * rb:
                assert _sum_h(h, xq) >= lo


@pytest.mark.parametrize("d", [2, 3, 6])
def test_vertex_bound_is_the_minimum(d):
    """Lemma G4 (exactness): the bound equals min Σ h̃ on the sphere up to rounding — the minimiser it
    returns lies on the sphere and attains it; for d = 2 a dense scan of the circle finds nothing lower."""
    h = square_interpolant(R, 7).relu_sum()
    few = FewCoordinates(((square_error(h, R), d),), R)
    for r in (Fraction(1, 20), Fraction(3, 10), Fraction(7, 10), Fraction(1)):
        lo = few.lower(r, r)
        [(_, us)] = few.minimiser(float(r))
        x = [Fraction(math.sqrt(u)) for u in us]
        assert abs(sum(v * v for v in x) - r * r) < Fraction(1, 10**12)
        assert abs(float(_sum_h(h, x) - lo)) < 1e-8  # the rounding slack
        if d == 2:
            th = np.linspace(0, math.pi / 2, 20001)
            pts = float(r) * np.stack([np.cos(th), np.sin(th)], 1)
            vals = np.array([float(h(Fraction(a)) + h(Fraction(b))) for a, b in pts[::50]])
            assert vals.min() >= float(lo) - 1e-12
            assert vals.min() <= float(lo) + 2e-3


def test_small_radius_minimum_has_one_nonzero_coordinate():
    """For uniform knots of spacing Δ and r < Δ, min Σ h̃ = rΔ (one coordinate at r), not r²·(…) of the
    equal split: the case the Lagrangian bound cannot see."""
    h = square_interpolant(R, 7).relu_sum()
    few = FewCoordinates(((square_error(h, R), 5),), R)
    r = Fraction(1, 10)
    assert abs(float(few.lower(r, r)) - float(r * Fraction(1, 7))) < 1e-8  # the rounding slack


def test_declines_where_the_lemma_does_not_apply():
    """A coordinate function that decreases in |t| somewhere is not concave in u = t²: no bound."""
    h = ReluSum(((Fraction(1), 0, Fraction(2)), (Fraction(1), Fraction(-1, 2), Fraction(-3))), 0)
    few = FewCoordinates(((square_error(h, R), 3),), R)
    assert not few.ok and few.lower(Fraction(0), R) is None


@pytest.mark.parametrize("d,knots", [(2, "uniform"), (2, "geometric"), (5, "uniform"), (10, "uniform"),
                                     (10, "geometric"), (50, "uniform"), (50, "geometric")])
def test_certificate_is_within_5_percent_of_the_worst_found(sine, d, knots):
    """Tightness at every d: certified ≤ 1.05 × the worst error the search finds (the structured points
    include the certificate's own minimisers), and the search never exceeds the certificate."""
    net = r3.build(d, Fraction(1, 10), sine, knots=knots)
    rep = verify_radial(net, sine, Fraction(1, 10), samples=2000)
    assert rep.sampled.value <= rep.certified.value
    assert rep.certified.value <= Fraction(105, 100) * rep.sampled.value


def test_geometric_interpolant_qualifies():
    """Every interpolant of t² is non-decreasing in |t|, so the bound applies to both knot schemes."""
    from netconstruct.constructions import geometric_knots as gk

    for h in (square_interpolant(R, 9).relu_sum(), square_interpolant_at(gk.knot_set(R, 2, 3, Fraction(9, 5))).relu_sum()):
        assert FewCoordinates(((square_error(h, R), 4),), R).ok
