"""The ridge-average depth-2 construction (netconstruct.constructions.ridge_average).

Facts checked: the inversion identities E_w ψ(⟨w, x⟩) = g(‖x‖) at 30 digits (d = 2: the Abel form; d = 3:
Archimedes), the float profile against them; the directions are exact rational unit vectors; the built
networks carry a proved bound ≤ ε that covers the exact error at dense points; sizes meet the issue's
targets and grow like a fixed power of 1/ε; a perturbed ridge weight makes a too-good claim fail.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from netconstruct.constructions import ridge_average as ra
from netconstruct.errors import UsageError


def _psi_mp(ctx, d, g, dg, s):
    """ψ(s) from the inversion formulas (module docstring), at the context's precision."""
    if d == 3:
        return g(s) + s * dg(s)
    return ctx.quad(lambda a: ctx.sin(a) * g(s * ctx.sin(a)) + s * ctx.sin(a) ** 2 * dg(s * ctx.sin(a)), [0, ctx.pi / 2])


@pytest.mark.parametrize("d", [2, 3])
def test_inversion_identity_high_precision(d):
    """g(r) = E_u ψ(r u): d = 3, (1/r)∫₀^r ψ; d = 2, (2/π)∫₀^{π/2} ψ(r cos θ) dθ — to 25 digits."""
    ctx = mpmath.MPContext()
    ctx.dps = 30
    g = lambda r: ctx.sin(ctx.pi * r) / ctx.pi + r**2 / 3  # noqa: E731
    dg = lambda r: ctx.cos(ctx.pi * r) + 2 * r / 3  # noqa: E731
    for r in (ctx.mpf("0.1"), ctx.mpf("0.5"), ctx.mpf("0.93")):
        if d == 3:
            avg = ctx.quad(lambda s: _psi_mp(ctx, 3, g, dg, s), [0, r]) / r
        else:
            avg = ctx.quad(lambda t: _psi_mp(ctx, 2, g, dg, r * ctx.cos(t)), [0, ctx.pi / 2]) * 2 / ctx.pi
        assert abs(avg - g(r)) < ctx.mpf(10) ** -25


@pytest.mark.parametrize("d", [2, 3])
def test_float_profile_matches_the_formula(sine, d):
    ctx = mpmath.MPContext()
    ctx.dps = 30
    g = lambda r: ctx.sin(ctx.pi * r) / ctx.pi  # noqa: E731
    dg = lambda r: ctx.cos(ctx.pi * r)  # noqa: E731
    s = np.array([0.0, 0.2, 0.55, 1.0])
    got = ra.profile(d, sine, s)
    want = [float(_psi_mp(ctx, d, g, dg, ctx.mpf(float(v)))) for v in s]
    assert np.allclose(got, want, atol=1e-12)


@pytest.mark.parametrize("layout", [ra.Layout(2, count=7), ra.Layout(3, levels=3, azimuths=8)])
def test_directions_are_exact_unit_vectors_next_to_the_rule(layout):
    ws = layout.directions()
    assert len(ws) == layout.n
    assert all(sum(a * a for a in w) == 1 for w in ws)
    F = layout.float_directions()
    assert np.abs(np.array([[float(a) for a in w] for w in ws]) - F).max() < 1e-5


@pytest.mark.parametrize("d, eps, cap", [(2, "0.05", 100), (2, "0.01", 500), (3, "0.05", 1000)])
def test_built_networks_are_certified_small_and_exact(sine, d, eps, cap):
    """Proved bound ≤ ε, stored in the metadata; size within the issue's target; the bound covers the exact
    error at sampled points (including the sphere and the origin)."""
    net = ra.certified(d, Fraction(eps), sine)
    assert net.depth == 2 and net.size <= cap
    bound = Fraction(net.metadata["bounds"]["sup_error"])
    assert bound <= Fraction(eps)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4000, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X = np.vstack([X * rng.random((4000, 1)) ** (1 / d), X[:200], np.zeros((1, d))])
    e = np.abs(net(X)[:, 0] - sine.g_float(np.linalg.norm(X, axis=1)))
    assert e.max() <= float(bound)


def test_growth_in_one_over_eps_is_a_fixed_power(sine):
    """d = 2: neurons of the plans from ε = 0.2 to 0.01 follow one power law (log-log slopes within ±0.5 of
    their mean, mean ≤ 1.5) — poly(1/ε), not the polynomial cubature's climbing slope."""
    epss = [Fraction(1, 5), Fraction(1, 10), Fraction(1, 20), Fraction(1, 50), Fraction(1, 100)]
    sizes = [ra.plan(2, e, sine).neurons for e in epss]
    slopes = [math.log(b / a) / math.log(float(e1 / e2)) for a, b, e1, e2 in zip(sizes, sizes[1:], epss, epss[1:])]
    mean = sum(slopes) / len(slopes)
    assert mean <= 1.5 and all(abs(s - mean) <= 0.5 for s in slopes), (sizes, slopes)


def test_perturbed_ridge_weight_fails_a_too_good_claim(sine):
    """Raising one output weight by 0.2 shifts the error; claiming the original certified bound then fails."""
    from netconstruct.matrix import Coo, as_coo
    from netconstruct.network import Layer, Network
    from netconstruct.verify import verify_radial

    net = ra.certified(2, Fraction(1, 10), sine)
    W = as_coo(net.layers[1].weight)
    vals = list(W.values)
    vals[0] += Fraction(1, 5)
    bad = Network((net.layers[0], Layer(Coo(W.shape, W.rows, W.cols, tuple(vals)), net.layers[1].bias, "identity")),
                  net.metadata)
    rep = verify_radial(bad, sine, Fraction(net.metadata["bounds"]["sup_error"]), samples=500)
    assert rep.verdict != "certified"


def test_bad_requests_are_one_line_usage_errors(sine):
    with pytest.raises(UsageError, match="d = 2 or 3"):
        ra.plan(4, Fraction(1, 10), sine)
    with pytest.raises(UsageError):
        ra.plan(2, Fraction(0), sine)
