r"""Bounds of ‖x‖² + Σ_i ε_i(x_i) over shells r_a ≤ ‖x‖ ≤ r_b of the ball, by Lagrangian duality.

Each ε_i is piecewise quadratic on [−R, R]: on a piece [p, q], ε(t) = a₂t² + a₁t + a₀ (for a depth-3
"sum of univariate pieces" network, ε_i(s) = h_i(s) − h_i(0) − s² with h_i piecewise linear).

**Lemma (Lagrangian bound).**  For every real λ and every x with ‖x‖ = r,

    Σ_i ε_i(x_i) = Σ_i (ε_i(x_i) − λ x_i²) + λ r² ≤ Φ(λ) + λ r²,   Φ(λ) = Σ_i max_{|t|≤R} (ε_i(t) − λt²),

and likewise Σ_i ε_i(x_i) ≥ Ψ(μ) + μ r² with Ψ(μ) = Σ_i min_{|t|≤R} (ε_i(t) − μt²).  Hence on the shell

    ‖x‖² + Σ ε_i ≤ min_λ [ max((1+λ)r_a², (1+λ)r_b²) + Φ(λ) ],
    ‖x‖² + Σ ε_i ≥ max_μ [ min((1+μ)r_a², (1+μ)r_b²) + Ψ(μ) ].

Each max/min of a quadratic over a piece is attained at an end or at the vertex, so Φ and Ψ are exact
rationals for rational λ (a square root never appears).  The bound uses that at most r²/t² coordinates
can exceed t: a construction whose per-coordinate error is *relative* (≈ κt² for large t) pays κr² once,
not d times.

:class:`BallSum` tabulates Φ and Ψ exactly on a fixed grid Λ of λ values (0 and ±2^{k/8}, |k| ≤ 160), picks
the best grid value for a shell by a float pre-screen and returns the exact bound at that value — any λ
gives a valid bound, so the screen affects tightness only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from .exact import Exact
from .piecewise import ReluSum

#: the λ grid: 0 and ±2^{k/8}, k = −160 … 160, as exact binary rationals
LAMBDAS: tuple[Fraction, ...] = tuple(
    sorted({Fraction(0)} | {Fraction(s * 2.0 ** (k / 8)) for k in range(-160, 161) for s in (1, -1)})
)


@dataclass(frozen=True)
class Quadratics:
    """ε(t) = a₂t² + a₁t + a₀ on each piece [p, q] (pieces cover [−R, R]); all exact."""

    pieces: tuple[tuple[Fraction, Fraction, Fraction, Fraction, Fraction], ...]  # (p, q, a2, a1, a0)

    def piece_extreme(self, k: int, lam: Fraction, upper: bool) -> Fraction:
        """max (``upper``) or min over piece k of ε(t) − λt², exactly (an end or the vertex)."""
        p, q, a2, a1, a0 = self.pieces[k]
        A = a2 - lam
        cands = [A * p * p + a1 * p + a0, A * q * q + a1 * q + a0]
        if A != 0 and (A < 0) == upper:  # the vertex is the extremum sought
            v = -a1 / (2 * A)
            if p < v < q:
                cands.append(A * v * v + a1 * v + a0)
        return max(cands) if upper else min(cands)

    def extremes(self, lambdas: Sequence[Fraction], upper: bool) -> list[Fraction]:
        """max (``upper``) or min over t ∈ [−R, R] of ε(t) − λt² for every λ, exactly: a float screen finds the pieces that can attain the
        extremum (float value within 10⁻⁹ of the best, far above float rounding) and only those are
        evaluated in exact arithmetic."""
        import numpy as np

        P = np.array([[float(v) for v in piece] for piece in self.pieces])
        p, q, a2, a1, a0 = (P[:, i][None, :] for i in range(5))
        lam = np.array([float(v) for v in lambdas])[:, None]
        A = a2 - lam
        ends = [A * p * p + a1 * p + a0, A * q * q + a1 * q + a0]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(A != 0, -a1 / (2 * A), p)
        inside = (v > p) & (v < q) & ((A < 0) if upper else (A > 0))
        vert = np.where(inside, A * v * v + a1 * v + a0, np.nan)
        F = np.fmax(np.fmax(ends[0], ends[1]), vert) if upper else np.fmin(np.fmin(ends[0], ends[1]), vert)
        scale = 1.0 + np.abs(P).max() ** 2 * (1.0 + np.abs(lam))
        best = F.max(axis=1, keepdims=True) if upper else F.min(axis=1, keepdims=True)
        near = (F >= best - 1e-9 * scale) if upper else (F <= best + 1e-9 * scale)
        out = []
        for j, lam_j in enumerate(lambdas):
            vals = [self.piece_extreme(int(k), lam_j, upper) for k in np.flatnonzero(near[j])]
            out.append(max(vals) if upper else min(vals))
        return out


def square_error(h: ReluSum, radius: Exact) -> Quadratics:
    """ε(s) = h(s) − h(0) − s² on [−R, R] as exact quadratic pieces (breakpoints: h's knots and 0)."""
    R = Fraction(radius)
    pts = sorted({-R, R, Fraction(0)} | {k for k in h.knots() if -R < k < R})
    h0 = Fraction(h(0))
    vals = [Fraction(h(p)) for p in pts]
    pieces = []
    for p, q, hp, hq in zip(pts, pts[1:], vals, vals[1:]):
        slope = (hq - hp) / (q - p)
        pieces.append((p, q, Fraction(-1), slope, hp - slope * p - h0))
    return Quadratics(tuple(pieces))


class BallSum:
    """Shell bounds of ‖x‖² + Σ_i ε_i(x_i) (see the module docstring) for ε_i given with multiplicities."""

    def __init__(self, groups: Sequence[tuple[Quadratics, int]], lambdas: Sequence[Fraction] = LAMBDAS):
        import numpy as np

        self.lambdas = tuple(lambdas)
        self.up = [Fraction(0)] * len(self.lambdas)
        self.lo = [Fraction(0)] * len(self.lambdas)
        for q, n in groups:
            self.up = [a + n * b for a, b in zip(self.up, q.extremes(self.lambdas, True))]
            self.lo = [a + n * b for a, b in zip(self.lo, q.extremes(self.lambdas, False))]
        self._lam = np.array([float(v) for v in self.lambdas])
        self._up = np.array([float(v) for v in self.up])
        self._lo = np.array([float(v) for v in self.lo])

    def _pick(self, ra: Fraction, rb: Fraction, upper: bool) -> int:
        import numpy as np

        a2, b2 = float(ra) ** 2, float(rb) ** 2
        k = 1 + self._lam
        if upper:
            return int(np.argmin(np.maximum(k * a2, k * b2) + self._up))
        return int(np.argmax(np.minimum(k * a2, k * b2) + self._lo))

    def upper(self, ra: Fraction, rb: Fraction) -> Fraction:
        """A proved upper bound of ‖x‖² + Σ ε_i(x_i) over r_a ≤ ‖x‖ ≤ r_b."""
        j = self._pick(ra, rb, True)
        k = 1 + self.lambdas[j]
        return max(k * ra * ra, k * rb * rb) + self.up[j]

    def lower(self, ra: Fraction, rb: Fraction) -> Fraction:
        """A proved lower bound of ‖x‖² + Σ ε_i(x_i) over r_a ≤ ‖x‖ ≤ r_b."""
        j = self._pick(ra, rb, False)
        k = 1 + self.lambdas[j]
        return min(k * ra * ra, k * rb * rb) + self.lo[j]


@functools.lru_cache(maxsize=32)
def _cached(groups_key) -> BallSum:
    return BallSum(groups_key)


def ball_sum(groups: Sequence[tuple[Quadratics, int]]) -> BallSum:
    """A cached :class:`BallSum` (constructions and certificates of the same knots share the tables)."""
    return _cached(tuple(groups))
