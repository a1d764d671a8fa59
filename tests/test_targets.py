"""Targets: whitelisted parsing (never eval), certified Lipschitz constants, refusals."""

from fractions import Fraction

import numpy as np
import pytest

from netconstruct.errors import TargetError
from netconstruct.targets import NAMED, make_target, parse_expression


@pytest.mark.parametrize(
    "text",
    ["__import__('os').system('true')", "os.system('ls')", "r.__class__", "[r for r in ()]", "lambda: 1", "r if 1 else 0", "x + 1", "sin(r, 2)", "exp(r=1)"],
)
def test_non_whitelisted_text_is_refused(text):
    with pytest.raises(TargetError):
        parse_expression(text)


def test_decimals_are_exact_and_caret_is_power():
    import sympy

    assert parse_expression("0.1*r^2") == sympy.Rational(1, 10) * parse_expression("r**2")


@pytest.mark.parametrize("text,reason", [("sqrt(r)", "not Lipschitz"), ("log(r)", "log"), ("1/(r - 1/2)", "not Lipschitz")])
def test_non_lipschitz_profiles_are_refused(text, reason):
    with pytest.raises(TargetError, match=reason):
        make_target(expression=text)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_certified_lipschitz_bounds_the_slope(name):
    """L ≥ |g(a) − g(b)| / |a − b| for many pairs (a finite-difference check of the certificate)."""
    t = make_target(name)
    r = np.linspace(0, float(t.radius), 4001)
    g = t.g_float(r)
    slopes = np.abs(np.diff(g)) / np.diff(r)
    assert slopes.max() <= float(t.lipschitz) * (1 + 1e-9)
    assert slopes.max() >= float(t.lipschitz) * 0.95  # and it is not wildly pessimistic


def test_user_lipschitz_below_the_measured_slope_is_refused():
    with pytest.raises(TargetError, match="below"):
        make_target("sine", lipschitz="0.5")
    assert make_target("sine", lipschitz="2").lipschitz == 2


def test_interval_enclosure_contains_point_values():
    t = make_target("tent")
    from netconstruct.arith import interval_bounds

    lo, hi = interval_bounds(t.g_interval(Fraction(2, 5), Fraction(3, 5)))
    for r in np.linspace(0.4, 0.6, 21):
        assert float(lo) <= t.g_float(np.array([r]))[0] <= float(hi)
