import pytest


@pytest.fixture(scope="session")
def sine():
    from netconstruct.targets import make_target

    return make_target("sine")


def exact_error(net, target, x):
    """|N(x) − g(‖x‖)| at a rational point: N exactly, g(‖x‖) in mpmath at 40 digits; as a Fraction."""
    from fractions import Fraction

    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = 40
    out = net.evaluate_exact(x)[0]
    r2 = sum(Fraction(v) ** 2 for v in x)
    r = ctx.sqrt(ctx.mpf(r2.numerator) / r2.denominator)
    g = target.g_mp(r, 40)
    return abs(Fraction(out) - Fraction(ctx.nstr(g, 38)))
