r"""Knots for the squares of the depth-3 construction: uniform near 0, geometric above (relative error).

Knots on the half-line (mirrored to [−R, 0]): t = k·t₀/n₀ for k = 0…n₀ and t = R·ρ^{−j} for j = n_g…0, with
t₀ = R·ρ^{−n_g}.  On a piece [a, b] the interpolation error of s² is (s − a)(b − s): at most (b − a)²/4 in
the uniform part and at most (ρ−1)²/(4ρ)·s² in the geometric part — *relative* to s².

The proved radius error of a knot set with centring shift c (docs/constructions/radial_depth3.md,
"Geometric knots") is

    δ = sup_{0≤r≤R} max( √(U(r) − c) − r,  r − √max(L(r) − c, 0) ),

with U, L the Lagrangian shell bounds of ‖x‖² + Σ_i (h(x_i) − x_i²) of :mod:`netconstruct.bounds.shells`; it is
computed exactly by branch and bound over shells (:func:`radius_error`).  :func:`search` chooses
(n₀, n_g, ρ, c) in floats — ρ ∈ 80 rationals from 1.01 to 5, n₀ ≤ 4, √c/δ-budget ∈ {0, 1/16, …, 1} — for the fewest
interior knots whose estimated δ fits the budget; the exact δ is then proved for the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..bounds.interval_max import certified_max
from ..exact import Exact, sqrt_down, sqrt_up

#: ratios ρ tried: 80 rationals p/100, roughly geometric from 1.01 to 5
RHOS = tuple(sorted({Fraction(round(101 * (500 / 101) ** (i / 79)), 100) for i in range(80)}))
MAX_UNIFORM = 4
#: the most interior knots per coordinate the search considers (scoring one count costs ~2.5 s at 1,024 and grows
#: with it); beyond, a plan with uniform knots is used (``--knots auto``) or the size is refused
MAX_INTERIOR = 1024


@dataclass(frozen=True)
class Knots:
    """A half-line knot set 0 = t₀ < … < t_{m+1} = R (m interior knots) and the centring shift c."""

    knots: tuple[Fraction, ...]
    shift: Fraction
    uniform: int  # n₀
    ratio: Fraction  # ρ (1 when there is no geometric part)

    @property
    def interior(self) -> int:
        return len(self.knots) - 2


def knot_set(R: Fraction, n0: int, ng: int, rho: Fraction) -> tuple[Fraction, ...]:
    """0, t₀/n₀, …, t₀ = Rρ^{−n_g}, Rρ^{−n_g+1}, …, R (exact rationals)."""
    t0 = R / rho**ng
    return tuple([t0 * k / n0 for k in range(n0)] + [R / rho**j for j in range(ng, -1, -1)])


def knot_floats(R: Fraction, n0: int, ng: int, rho: Fraction) -> list[float]:
    """float(t) for each knot of :func:`knot_set`, each correctly rounded (Python's integer true division), without
    building the Fractions (the search scores thousands of sets)."""
    Rn, Rd, p, q = R.numerator, R.denominator, rho.numerator, rho.denominator
    num0, den0 = Rn * q**ng, Rd * p**ng * n0
    return [num0 * k / den0 for k in range(n0)] + [Rn * q**j / (Rd * p**j) for j in range(ng, -1, -1)]


# --------------------------------------------------------------------------------------------
# float estimate (search only; nothing here is a proof)
# --------------------------------------------------------------------------------------------
def _float_tables(ks):
    """Φ(λ), Ψ(λ) per coordinate on the float λ grid, for ε(s) = interpolant − s² at knots ``ks``."""
    import numpy as np

    lam = _float_lambdas()
    a, b = np.asarray(ks[:-1], dtype=float), np.asarray(ks[1:], dtype=float)
    A = -(1 + lam)[:, None]
    B, C = (a + b)[None, :], -(a * b)[None, :]

    def val(t):
        return A * t * t + B * t + C

    ends = np.maximum(val(a[None, :]), val(b[None, :]))
    lows = np.minimum(val(a[None, :]), val(b[None, :]))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = B / (2 * (1 + lam))[:, None]
    inside = (v > a) & (v < b)
    vv = val(np.where(inside, v, a[None, :]))
    up = np.where(inside & (A < 0), np.maximum(ends, vv), ends).max(axis=1)
    lo = np.where(inside & (A > 0), np.minimum(lows, vv), lows).min(axis=1)
    return up, lo


def _float_lambdas():
    import numpy as np

    pos = 2.0 ** np.arange(-20, 20.01, 0.25)
    return np.concatenate([-pos[::-1], [0.0], pos])


def estimate_many(knot_sets, d: int, R: float, shifts, nr: int = 300):
    """Estimated δ of each knot set for each shift in ``shifts`` (sets × shifts; a float grid of r; an underestimate
    of the proved δ).  Batched over the sets: the same element-wise operations and exact minima as one set at a
    time."""
    import numpy as np

    lam = _float_lambdas()
    tables = [_float_tables(ks) for ks in knot_sets]
    up = np.array([t[0] for t in tables])
    lo = np.array([t[1] for t in tables])
    r = np.linspace(0.0, R, nr)[:, None]
    k = 1 + lam[None, :]
    kr = k * r * r  # (nr, λ)
    U = np.min(kr[None, :, :] + d * up[:, None, :], axis=2)  # (sets, nr)
    L = np.max(kr[None, :, :] + d * lo[:, None, :], axis=2)
    rr = r[:, 0]
    c = np.asarray(shifts, dtype=float)[None, :, None]
    hi = np.sqrt(np.maximum(U[:, None, :] - c, 0.0)) - rr[None, None, :]
    low = rr[None, None, :] - np.sqrt(np.maximum(L[:, None, :] - c, 0.0))
    return np.max(np.maximum(hi, low), axis=2)


def _best_for(m: int, d: int, R: Fraction, budget: float):
    """(estimated δ, n₀, n_g, ρ, √c fraction) minimising δ among sets with m interior knots."""
    best = None
    Rf = float(R)
    fracs = [k / 16 for k in range(17)]
    shifts = [(f * budget) ** 2 for f in fracs]

    def scores(n0: int, ng: int, rhos) -> list:
        sets = [knot_floats(R, n0, ng, rho) if ng > 0 else [Rf * k / n0 for k in range(n0 + 1)]
                for rho in rhos]
        out = []
        for rho, est in zip(rhos, estimate_many(sets, d, Rf, shifts)):
            i = int(est.argmin())
            out.append((float(est[i]), n0, ng, rho, fracs[i]))
        return out

    for n0 in range(1, min(MAX_UNIFORM, m + 1) + 1):
        ng = m + 1 - n0
        if ng == 0:
            cands = scores(n0, 0, [Fraction(1)])
        else:  # coarse grid of ρ, then its neighbours around the best
            coarse = scores(n0, ng, RHOS[::4])
            i = RHOS.index(min(coarse, key=lambda c: c[0])[3])
            cands = coarse + scores(n0, ng, [RHOS[j] for j in range(max(0, i - 3), min(len(RHOS), i + 4)) if j % 4])
        top = min(cands, key=lambda c: c[0])
        if best is None or top[0] < best[0]:
            best = top
    return best


def search(d: int, R: Fraction, budget: float, limit: int):
    """Yield (m, estimate) for the knot counts worth proving: from the smallest m whose estimated δ fits
    ``budget`` (found by doubling, then bisection — δ shrinks as m grows) upwards, while d(2m+1) < ``limit``."""
    limit = min(limit, d * (2 * MAX_INTERIOR + 1) + 1)
    if d * 3 >= limit:
        return
    cache: dict[int, tuple] = {}

    def best(m: int):
        if m not in cache:
            cache[m] = _best_for(m, d, R, budget)
        return cache[m]

    hi = 1
    while best(hi)[0] >= budget:
        hi *= 2
        if d * (2 * hi + 1) >= limit:
            hi = None
            break
    if hi is None:  # the smallest feasible m is beyond the limit (or close): bisect below it
        lo, hi = 1, max(1, (limit // d - 1) // 2)
        if best(hi)[0] >= budget:
            return
    else:
        lo = max(1, hi // 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if best(mid)[0] < budget:
            hi = mid
        else:
            lo = mid + 1
    m = hi
    while d * (2 * m + 1) < limit:
        yield m, best(m)
        m += 1


def exact_knots(R: Fraction, n0: int, ng: int, rho: Fraction, shift_float: float) -> Knots:
    ks = knot_set(R, n0, ng, rho) if ng > 0 else tuple(R * k / n0 for k in range(n0 + 1))
    shift = Fraction(shift_float).limit_denominator(10**12) if shift_float > 0 else Fraction(0)
    return Knots(ks, shift, n0, rho if ng > 0 else Fraction(1))


# --------------------------------------------------------------------------------------------
# the proof: exact radius error by branch and bound over shells
# --------------------------------------------------------------------------------------------
def radius_error(bs, shift: Exact, R: Exact, max_steps: int = 3000) -> tuple[Fraction, int]:
    """(proved δ, shells): sup over 0 ≤ r ≤ R of the radius error of S = ‖x‖² + Σε_i − c (module docstring).

    On a shell [r_a, r_b]: √(S) − r ≤ √(U − c) − r_a and r − √(S⁺) ≤ r_b − √((L − c)⁺), square roots
    rounded outward; ``bs`` is the :class:`~netconstruct.bounds.shells.BallSum` of the coordinates' errors."""
    c = Fraction(shift)

    def bound(ra: Fraction, rb: Fraction) -> Fraction:
        up = sqrt_up(max(bs.upper(ra, rb) - c, Fraction(0))) - ra
        low = rb - sqrt_down(bs.lower(ra, rb) - c)
        return max(up, low, Fraction(0))

    value, _, shells, _ = certified_max(bound, None, Fraction(0), Fraction(R), pieces=128, max_steps=max_steps,
                                        stall_every=150, min_width=Fraction(R) / 2**22)
    return value, shells
