"""Exact numbers: text round trips and refusal of non-finite values."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netconstruct.errors import FormatError
from netconstruct.exact import format_exact, parse_exact, round_up, to_fraction


@given(st.fractions(max_denominator=10**30))
def test_format_parse_round_trip_is_exact(q):
    assert parse_exact(format_exact(q)) == q


@given(st.integers(min_value=-(2**200), max_value=2**200))
def test_integers_beyond_2_53_survive(n):
    assert parse_exact(format_exact(n)) == n


def test_canonical_forms():
    assert format_exact(Fraction(1, 3)) == "1/3"
    assert format_exact(Fraction(-1, 8)) == "-0.125"
    assert format_exact(Fraction(6, 2)) == "3"
    assert parse_exact("0.1") == Fraction(1, 10)  # decimals are exact, not binary floats
    assert parse_exact(0.1) == Fraction(0.1)  # JSON floats are taken at their binary value


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "1/0", "abc", "", "1e99999", True, None, [1]])
def test_non_numbers_are_refused(bad):
    with pytest.raises(FormatError):
        parse_exact(bad)


def test_float_nan_refused():
    with pytest.raises(FormatError):
        parse_exact(float("nan"))


@given(st.fractions(min_value=Fraction(1, 10**12), max_value=10**12))
def test_round_up_is_an_upper_bound_with_few_digits(q):
    u = round_up(q, 6)
    assert u >= q
    assert u - q <= q * Fraction(1, 10**5)


def test_to_fraction_keeps_requested_digits():
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = 60
    q = to_fraction(ctx.pi, 40)
    assert abs(q - Fraction("3.141592653589793238462643383279502884197")) < Fraction(1, 10**39)


@given(st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=20), st.integers(8, 53))
def test_outward_rounding_keeps_bounds(xs, bits):
    """floats_up(x) ≥ x ≥ floats_down(x) exactly, each with at most ``bits`` significant bits, equal to the scalar
    float_up / float_down elementwise (the box certificate rounds its bounds with them)."""
    import numpy as np

    from netconstruct.exact import float_down, float_up, floats_down, floats_up

    x = np.array(xs)
    up, down = floats_up(x, bits), floats_down(x, bits)
    for v, u, w in zip(xs, up, down):
        assert u == float_up(v, bits) and w == float_down(v, bits)
        if np.isfinite(v):  # past the largest float, ±inf: still a bound
            assert u == np.inf or Fraction(v) <= Fraction(u)
            assert w == -np.inf or Fraction(w) <= Fraction(v)
            m = abs(Fraction(u)) if u and np.isfinite(u) else Fraction(0)
            if m:  # at most `bits` significant bits: u·2^k is an integer for k = bits − (u's binary exponent)
                k = bits - int(np.frexp(float(m))[1])
                assert (m * Fraction(2) ** k).denominator == 1
        else:
            assert u == v == w
