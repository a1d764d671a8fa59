r"""Even polynomial approximation of a radial profile: g(r) ≈ Q(r²) on [0, R], certified.

Q is the Chebyshev interpolant of u ↦ g(R|u|) on [−1, 1] at 2K + 1 Chebyshev points.  The
function is even, so only even Chebyshev terms appear and T_{2j}(u) = T_j(2u² − 1) makes the
interpolant a polynomial of degree K in t = r²:

    Q(t) = Σ_{j≤K} a_j T_j(2t/R² − 1),   a_j stored as exact rationals (40 digits).

The sup error sup_{[0,R]} |Q(r²) − g(r)| is certified by interval arithmetic (Clenshaw's recurrence
on shells of [0, R], refined by bisecting the worst shell).  Jackson's theorem gives error
O(L R / K) for an L-Lipschitz g, so K = O(L R / ε) — independent of the dimension.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from ..arith import interval, interval_bounds
from ..exact import Exact, normalize, to_fraction
from ..targets import Target


@dataclass(frozen=True)
class EvenPolynomial:
    """Q(t) = Σ_j a_j T_j(2t/R² − 1) and its monomial coefficients q_j (Q(t) = Σ q_j t^j), all exact."""

    radius: Fraction
    cheb: tuple[Exact, ...]
    error: Fraction  # certified sup_{[0,R]} |Q(r²) − g(r)|

    @property
    def degree(self) -> int:
        return len(self.cheb) - 1

    @functools.cached_property
    def monomial(self) -> tuple[Exact, ...]:
        """q_0 … q_K with Q(t) = Σ q_j t^j (exact)."""
        K = self.degree
        # T_j(y) as integer coefficient lists in y
        T = [[1], [0, 1]]
        for j in range(2, K + 1):
            a = [0] + [2 * c for c in T[j - 1]]
            b = T[j - 2] + [0] * (len(a) - len(T[j - 2]))
            T.append([x - y for x, y in zip(a, b)])
        # y = α t − 1, α = 2/R²
        alpha = Fraction(2) / (self.radius * self.radius)
        out = [Fraction(0)] * (K + 1)
        from math import comb

        for j, aj in enumerate(self.cheb):
            for p, c in enumerate(T[j][: j + 1]):
                if c == 0:
                    continue
                # (α t − 1)^p = Σ_i C(p,i) α^i t^i (−1)^{p−i}
                for i in range(p + 1):
                    out[i] += aj * c * comb(p, i) * alpha**i * (-1) ** (p - i)
        return tuple(normalize(v) for v in out)

    def __call__(self, t: Exact) -> Exact:
        return normalize(sum(q * Fraction(t) ** j for j, q in enumerate(self.monomial)))


@functools.lru_cache(maxsize=256)
def chebyshev_even(target: Target, K: int, dps: int = 50) -> tuple[Exact, ...]:
    """Chebyshev coefficients a_0…a_K (in T_j(2t/R² − 1)) of the interpolant at 2K+1 points."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = dps
    N = 2 * K + 1
    R = Fraction(target.radius)
    nodes = [ctx.cos(ctx.pi * (k + ctx.mpf(1) / 2) / N) for k in range(N)]
    vals = [target.g_mp(abs(u) * ctx.mpf(R.numerator) / R.denominator, dps) for u in nodes]
    coeffs = []
    for j in range(K + 1):
        s = sum(v * ctx.cos(2 * j * ctx.acos(u)) for u, v in zip(nodes, vals)) * 2 / N
        if j == 0:
            s /= 2
        coeffs.append(to_fraction(s, 40))
    return tuple(coeffs)


def certify_poly_error(target: Target, R: Fraction, cheb: tuple[Exact, ...], tol: Fraction = Fraction(1, 10**6),
                       lipschitz: Exact | None = None) -> Fraction:
    """A proved upper bound of sup_{r∈[0,R]} |Q(r²) − g(r)|.

    On a shell [r_a, r_b] with midpoint m and half-width h: |Q(r²) − g(r)| ≤ |Q(m²) − g(m)| + (Λ + L)·h,
    where the point value is enclosed with interval arithmetic (Clenshaw at a point interval), L is the
    certified Lipschitz constant of g (``lipschitz``, default the target's), and Λ = (4/R)·Σ_j |a_j| j² bounds |d/dr Q(r²)| by Markov's
    inequality |T_j'| ≤ j² on [−1, 1] and |dy/dr| = 4r/R² ≤ 4/R.  Shells are refined by branch and bound.
    """
    from ..bounds.interval_max import certified_max

    ops = interval(113)
    a_iv = [ops.const(Fraction(a)) for a in cheb]
    two_over_R2 = ops.const(Fraction(2) / (R * R))
    lam = Fraction(4) / R * sum(abs(Fraction(a)) * j * j for j, a in enumerate(cheb)) + Fraction(target.lipschitz if lipschitz is None else lipschitz)

    def at(r: Fraction) -> tuple[Fraction, Fraction]:
        x = ops.const(r)
        y = two_over_R2 * x**2 - 1
        b1 = b2 = ops.const(0)
        for a in reversed(a_iv[1:]):  # Clenshaw: b_k = a_k + 2y b_{k+1} − b_{k+2}
            b1, b2 = a + 2 * y * b1 - b2, b1
        lo, hi = interval_bounds(a_iv[0] + y * b1 - b2 - target.g_interval(r, r))
        return lo, hi

    def upper(ra: Fraction, rb: Fraction) -> Fraction:
        lo, hi = at((ra + rb) / 2)
        return max(abs(lo), abs(hi)) + lam * (rb - ra) / 2

    def lower(r: Fraction) -> Fraction:
        lo, hi = at(r)
        return Fraction(0) if lo <= 0 <= hi else min(abs(lo), abs(hi))

    u, _, _, _ = certified_max(upper, lower, Fraction(0), R, pieces=128, max_steps=6000, abs_tol=tol)
    return u


@functools.lru_cache(maxsize=256)
def sampled_error(target: Target, K: int, points: int = 4001) -> float:
    """max |Q(r²) − g(r)| over ``points`` equally spaced radii, in float64, for the same interpolant as
    :func:`chebyshev_even` with its coefficients computed in float64 (a DCT of 2K+1 values: microseconds, where
    the 40-digit coefficients cost seconds at K ~ 100) — a lower estimate of the sup error, used only to skip
    degrees that cannot pass; a margin of 10⁻⁹ covers the rounding of both."""
    import numpy as np

    R = float(target.radius)
    N = 2 * K + 1
    theta = np.pi * (np.arange(N) + 0.5) / N
    vals = target.g_float(np.abs(np.cos(theta)) * R)
    a = (2.0 / N) * (np.cos(2.0 * np.outer(np.arange(K + 1), theta)) @ vals)
    a[0] /= 2
    r = np.linspace(0.0, R, points)
    Q = np.polynomial.chebyshev.chebval(2 * r * r / (R * R) - 1, a)
    return float(np.abs(Q - target.g_float(r)).max()) - 1e-9


def least_degree(target: Target, eps: Fraction, max_degree: int = 200) -> int | None:
    """The least K ≤ ``max_degree`` whose sampled error is < ε (no smaller degree can pass), or None."""
    return next((K for K in range(1, max_degree + 1) if sampled_error(target, K) < eps), None)


@functools.lru_cache(maxsize=256)
def even_approximation(target: Target, K: int, tol: Fraction = Fraction(1, 10**4)) -> EvenPolynomial:
    """The degree-K approximation; its certified error is tight to about ``tol`` (absolute)."""
    R = Fraction(target.radius)
    cheb = chebyshev_even(target, K)
    return EvenPolynomial(R, cheb, certify_poly_error(target, R, cheb, tol))


_DEGREES: dict[tuple, tuple[EvenPolynomial, ...]] = {}  # memo of degrees_below (at most 256 entries)


def degrees_below(target: Target, eps: Fraction, max_degree: int = 200, extra: int = 2) -> list[EvenPolynomial]:
    """The smallest K whose certified error is < ε, and the next ``extra`` degrees (more room for the rest).

    Memoised per (target, ε, max_degree, extra); :func:`remember_degrees` hands a result computed in another
    process of the same job to this one (the separation table computes each ε's degrees once, not per worker)."""
    key = (target, Fraction(eps), max_degree, extra)
    if key not in _DEGREES:
        if len(_DEGREES) >= 256:
            _DEGREES.pop(next(iter(_DEGREES)))
        _DEGREES[key] = _search_degrees(target, Fraction(eps), max_degree, extra)
    return list(_DEGREES[key])


def remember_degrees(target: Target, eps: Fraction, polys: tuple[EvenPolynomial, ...], max_degree: int = 200,
                     extra: int = 2) -> None:
    """Record ``polys`` = ``degrees_below(target, eps, max_degree, extra)`` as computed elsewhere by this same
    function (a worker of :func:`netconstruct.parallel.run`); later calls return it without recomputing."""
    _DEGREES.setdefault((target, Fraction(eps), max_degree, extra), tuple(polys))


def _search_degrees(target: Target, eps: Fraction, max_degree: int, extra: int) -> tuple[EvenPolynomial, ...]:
    out: list[EvenPolynomial] = []
    first = least_degree(target, eps, max_degree)  # a sampled error is a lower bound: no smaller degree passes
    for K in range(first or max_degree + 1, max_degree + 1):
        p = even_approximation(target, K, eps / 200)
        if p.error < eps:
            out.append(p)
            if len(out) > extra:
                break
    return tuple(out)
