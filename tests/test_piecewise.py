"""ReluSum: the one piecewise-linear type (values, interpolation table, exact range)."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from netconstruct.constructions.univariate import square_interpolant
from netconstruct.piecewise import ReluSum

small = st.fractions(min_value=-8, max_value=8, max_denominator=16)
terms = st.lists(st.tuples(small, small, small), min_size=0, max_size=8)


@settings(max_examples=200, deadline=None)
@given(terms, small, small, st.lists(small, min_size=1, max_size=10))
def test_table_interpolation_equals_direct_evaluation(ts, const, linear, xs):
    """Fact: a PL function equals the linear interpolation of its values at its knots (and beyond them,
    the extension of its end pieces), so ``at`` and ``__call__`` agree exactly everywhere."""
    h = ReluSum(tuple(ts), const, linear)
    for x in xs:
        assert h.at(x) == h(x)


@settings(max_examples=200, deadline=None)
@given(terms, small, small, small)
def test_range_is_exact(ts, const, lo, width):
    """Fact: the range over [lo, hi] is attained at lo, hi or a knot inside, so it encloses every value
    there and both ends are values of the function."""
    h = ReluSum(tuple(ts), const)
    hi = lo + abs(width)
    mn, mx = h.range(lo, hi)
    candidates = [lo, hi] + [k for k in h.knots() if lo <= k <= hi]
    values = [h(t) for t in candidates]
    assert mn == min(values) and mx == max(values)
    for i in range(11):
        assert mn <= h(lo + (hi - lo) * Fraction(i, 10)) <= mx


def test_interpolant_of_the_square_as_relu_sum():
    """Fact: the interpolant of s² at kΔ equals s² at every knot and exceeds it by at most Δ²/4 between."""
    R, n = Fraction(1), 5
    p = square_interpolant(R, n)
    h = p.relu_sum()
    delta = R / n
    for k in range(-n, n + 1):
        assert h(k * delta) == (k * delta) ** 2 == p(k * delta)
        mid = (k + Fraction(1, 2)) * delta
        if k < n:
            assert h(mid) - mid * mid == delta * delta / 4
