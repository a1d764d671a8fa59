"""Named targets without sympy: the same text, the same trees (hence the same numbers) as the sympy path."""

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netconstruct.arith import float64, multiprecision
from netconstruct.exact import format_exact, integer_root
from netconstruct.expressions import evaluate, from_sympy
from netconstruct.named_targets import DEFINITIONS, MAX_RADIUS_BITS, named, recognise
from netconstruct.targets import _derivative, make_target, parse_expression

radii = st.builds(Fraction, st.integers(1, 10**6), st.integers(1, 10**6)) | st.sampled_from(
    [Fraction(1), Fraction(2), Fraction(4), Fraction(1, 2), Fraction(3, 2), Fraction(1, 10**9)])


def sympy_text(name: str, radius: Fraction) -> str:
    """What every earlier version stored: sympy's printing of the definition with R substituted."""
    return str(parse_expression(DEFINITIONS[name][0].replace("R", f"({format_exact(radius)})")))


@settings(max_examples=60, deadline=None)
@given(radius=radii)
def test_named_profiles_are_sympys_expressions_node_for_node(radius):
    """For every name and radius: the stored text is sympy's, and g and g' are the trees of sympy's
    expression and derivative of that text — equal trees evaluate to equal bits in every context."""
    for name in DEFINITIONS:
        found = named(name, radius)
        text = sympy_text(name, radius)
        assert found.text == text, name
        expr = parse_expression(text)
        assert found.g == from_sympy(expr), name
        assert found.dg == from_sympy(_derivative(expr)), name
        assert recognise(text, radius) == found


def test_large_radii_take_the_sympy_path_with_the_same_result():
    radius = Fraction(2**70 + 1, 3)
    assert named("sine", radius) is None
    t = make_target("sine", radius=radius)
    assert t.expression == sympy_text("sine", radius)
    assert t.lipschitz == 1


def test_a_named_target_job_never_imports_sympy():
    """Building, certifying and evaluating a named target (g, g', intervals) runs on the trees alone."""
    code = ("import sys; from netconstruct.targets import make_target; import numpy as np\n"
            "t = make_target('gauss', radius='3/2'); t.g_float(np.linspace(0, 1, 5)); t.dg_mp(1)\n"
            "t.g_interval(0, 1); t2 = make_target(None, t.expression, '3/2')\n"
            "assert t2.lipschitz == t.lipschitz\n"
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("text", ["min(r**3, exp(r)/8, sin(r)/4)", "max(-r**3, -exp(r)/8, -sin(r)/4)",
                                  "min(r + 1, exp(r)/8, cos(r))"])
def test_min_and_max_of_three_arguments_in_float64(text):
    """float64 agrees with 30-digit mpmath at r = 1/2 (numpy's minimum takes two arguments: a third one
    was once read as its output array, and the third argument ignored)."""
    t = make_target(expression=text)
    assert abs(t.g_float(np.array([0.5]))[0] - float(t.g_mp(Fraction(1, 2), 30))) < 1e-15


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 10**300) | st.integers(0, 10**6), k=st.integers(1, 60))
def test_integer_root_is_the_floor_of_the_kth_root(n, k):
    """x = ⌊n^(1/k)⌋ is the integer with x^k ≤ n < (x + 1)^k."""
    x = integer_root(n, k)
    assert x**k <= n < (x + 1) ** k


def test_from_sympy_refuses_what_no_context_evaluates():
    import sympy

    from netconstruct.errors import TargetError

    with pytest.raises(TargetError, match="cannot be evaluated"):
        from_sympy(sympy.gamma(sympy.Symbol("r")))
    # and a converted tree evaluates like the expression: sin(r)² + cos(r)² at r = 1/3
    tree = from_sympy(parse_expression("sin(r)^2 + cos(r)^2"))
    assert abs(evaluate(tree, multiprecision(40).const(Fraction(1, 3)), multiprecision(40)) - 1) < 1e-35
    assert evaluate(tree, np.array([0.25]), float64())[0] == pytest.approx(1, abs=1e-15)


def test_radius_bits_limit_is_honest():
    big = Fraction(2**MAX_RADIUS_BITS, 3)
    assert named("tent", big) is None and named("tent", Fraction(2**40, 3)) is not None
