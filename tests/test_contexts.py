"""Arithmetic contexts own their precision: mpmath's global settings change no certified digit."""

from fractions import Fraction

import mpmath

from netconstruct.arith import Interval, MultiPrecision, interval, interval_bounds
from netconstruct.certificates import certify
from netconstruct.constructions import radial_depth3
from netconstruct.targets import make_target


def _certified_digits():
    t = make_target("sine")
    net = radial_depth3.build(3, Fraction(1, 5), t)
    cert = certify(net, t)
    lo, hi = interval_bounds(t.g_interval(Fraction(1, 3), Fraction(1, 3)))
    return cert.value, t.lipschitz, lo, hi, t.g_mp(Fraction(1, 3), 40)


def test_global_mpmath_precision_changes_nothing():
    """Fact: with mpmath.iv.prec = 10 and mpmath.mp.dps = 5 set globally, the certificate, the certified
    Lipschitz constant, g's interval enclosure and g at 40 digits are the same numbers as before."""
    before = _certified_digits()
    old_prec, old_dps = mpmath.iv.prec, mpmath.mp.dps
    try:
        mpmath.iv.prec, mpmath.mp.dps = 10, 5
        after = _certified_digits()
        assert mpmath.iv.prec == 10 and mpmath.mp.dps == 5  # and nothing in netconstruct reset them
    finally:
        mpmath.iv.prec, mpmath.mp.dps = old_prec, old_dps
    assert after == before
    assert before[3] - before[2] < Fraction(1, 10**30)  # g(1/3) enclosed at 113 bits, not 10


def test_contexts_are_independent():
    """Fact: two interval contexts at different precisions give enclosures of π of their own widths."""
    wide, narrow = Interval(20), Interval(200)
    lo_w, hi_w = interval_bounds(wide.pi)
    lo_n, hi_n = interval_bounds(narrow.pi)
    assert lo_w <= lo_n < hi_n <= hi_w and hi_n - lo_n < (hi_w - lo_w) / 2**100
    assert MultiPrecision(30).ctx.dps == 30 and interval(113) is interval(113)


def test_no_module_writes_global_precision():
    """Fact: no source file of netconstruct assigns mpmath's global iv.prec / mp.dps / fp settings."""
    import pathlib
    import re

    import netconstruct

    root = pathlib.Path(netconstruct.__file__).parent
    pattern = re.compile(r"\b(mpmath\.)?(iv|mp|fp)\.(prec|dps)\s*=[^=]")
    offenders = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
