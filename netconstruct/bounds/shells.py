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
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ..exact import Exact
from ..piecewise import ReluSum

#: the λ grid: 0 and ±2^{k/8}, k = −160 … 160, as exact binary rationals
LAMBDAS: tuple[Fraction, ...] = tuple(
    sorted({Fraction(0)} | {Fraction(s * 2.0 ** (k / 8)) for k in range(-160, 161) for s in (1, -1)})
)


#: more pieces than this within the float screen's tie band are bounded through the best one plus a proved margin
#: (:meth:`Quadratics.extremes`) instead of one exact evaluation each
EXACT_TIES = 64


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
            idx = np.flatnonzero(near[j])
            if len(idx) <= EXACT_TIES:
                vals = [self.piece_extreme(int(k), lam_j, upper) for k in idx]
                out.append(max(vals) if upper else min(vals))
                continue
            # many pieces tie (uniform knots: every piece's error is the same parabola): the best one in float,
            # exactly, widened by a margin that covers every tied piece.  Each float value F_k is within
            # 10u·M_k of its exact one (u = 2⁻⁵³; M_k = |A|·max(p², q²) + |a₁|·max|p|, |q| + |a₀| bounds the terms;
            # at the vertex the parabola is flat), so max_k exact_k ≤ exact_best + 20u·max_k M_k
            # < exact_best + 10⁻¹³·max_k M_k: a proved bound, not an estimate
            k = int(idx[np.argmax(F[j, idx])] if upper else idx[np.argmin(F[j, idx])])
            pp, qq = P[idx, 0], P[idx, 1]
            M = (np.abs(P[idx, 2] - lam[j, 0]) * np.maximum(pp * pp, qq * qq)
                 + np.abs(P[idx, 3]) * np.maximum(np.abs(pp), np.abs(qq)) + np.abs(P[idx, 4])).max()
            margin = Fraction(1e-13 * float(M) + 1e-300)
            e = self.piece_extreme(k, lam_j, upper)
            out.append(e + margin if upper else e - margin)
        return out


def square_error(h: ReluSum, radius: Exact) -> Quadratics:
    """ε(s) = h(s) − h(0) − s² on [−R, R] as exact quadratic pieces (breakpoints: h's knots and 0)."""
    R = Fraction(radius)
    knots = h.knots()
    pts = sorted({-R, R, Fraction(0)} | {k for k in knots if -R < k < R})
    # every value in one sweep over all the knots (ReluSum.values): O(n log n), where h(p) at each of n knots
    # costs O(n²) — minutes for the 10⁵-knot squares of small ε
    sweep = sorted(set(knots) | {-R, R, Fraction(0)})
    sweep = [sweep[0] - 1] + sweep
    at = dict(zip(sweep, h.values(sweep)))
    h0 = Fraction(at[Fraction(0)])
    vals = [Fraction(at[p]) for p in pts]
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


# --------------------------------------------------------------------------------------------
# the lower bound that sees "few non-zero coordinates": vertices of the shell polytope
# --------------------------------------------------------------------------------------------
#: distinct partial sums the vertex enumeration may hold before it declines (then only the Lagrangian bound is used)
VERTEX_LIMIT = 60_000
VERTEX_WORK = 30_000_000
_TGRID = 2.0**-36  # partial sums are merged on this grid (times R²); the slack is carried in the bound


class FewCoordinates:
    r"""A lower bound of Σ_i h̃_i(x_i) over a shell r_a ≤ ‖x‖ ≤ r_b that is exact up to rounding.

    Here h̃_i = ε_i + t² (for a PL h_i: h_i − h_i(0)); the bound applies when every h̃_i is non-decreasing
    in |t| (slope ≥ 0 on the pieces right of 0, ≤ 0 left of 0), as every interpolant of t² is.

    **Lemma (few free coordinates).**  Put u_i = x_i² and ψ_i(u) = min(h̃_i(√u), h̃_i(−√u)).  On each
    interval between consecutive squared knots, ψ_i(u) = a₁√u + a₀ with a₁ ≥ 0 is concave and
    non-decreasing.  The minimum of Σ_i ψ_i(u_i) over {r_a² ≤ Σu_i ≤ r_b², 0 ≤ u_i} restricted to one
    product of such intervals is a concave minimisation over a polytope, attained at a vertex; a vertex
    has d active constraints, so either every u_i is a squared knot ("breakpoint") and Σu_i ∈ [r_a², r_b²],
    or all but one are breakpoints and Σu_i = r_a² or r_b².  Minimising over the finitely many such points
    gives min Σ h̃_i(x_i) over the shell — where the Lagrangian bound is blind: at small r the sum is
    smallest with *one* non-zero coordinate, h̃(r), not with all of them equal.

    The breakpoint sums T = Σ b_i and their values V = Σ ψ_i(b_i) are enumerated coordinate by
    coordinate (equal T merged keeping the least V, sums above R² dropped).  Everything is float64:
    T is merged on a grid of 2⁻³⁶R² and carried as an interval of that slack; every value is lowered by a
    margin 2⁻⁴⁰·d·(1 + scale) that exceeds its accumulated rounding error; ψ is non-decreasing, so
    evaluating the free coordinate at the smallest argument the slack allows keeps the bound below.
    """

    def __init__(self, groups: Sequence[tuple[Quadratics, int]], radius: Exact):
        R = float(Fraction(radius))
        self.ok = False
        d = sum(n for _, n in groups)
        sides = []
        for q, n in groups:
            side = _sides(q)
            if side is None:
                return
            sides.append((side, n))
        R2 = R * R
        scale = max(1.0, max(s[1] for s, _ in sides)) * d + d * R2
        self.margin = 2.0**-40 * (d + 16) * scale
        self.slack = (d + 2) * _TGRID * R2 + self.margin
        self.sides = [s for s, _ in sides]
        self.counts = [n for _, n in sides]
        # partial sums: for each group, one of its coordinates left free — the enumeration with that group
        # last, read one coordinate before its end; the end itself (all coordinates at breakpoints) is the
        # same set whatever the order, kept from the last run
        self.free = []
        for k in range(len(sides)):
            order = [j for j in range(len(sides)) if j != k] + [k]
            runs = _sums([sides[j] for j in order], R2)
            if runs is None:
                return
            self.free.append((runs[0], order))  # ``order`` puts the groups' coordinates back in place
        self.full = runs[1]
        self.ok = True

    def lower(self, ra: Fraction, rb: Fraction) -> Fraction | None:
        """A proved lower bound of Σ_i h̃_i(x_i) over r_a ≤ ‖x‖ ≤ r_b (None when not applicable)."""
        import numpy as np

        if not self.ok:
            return None
        a2, b2 = float(ra) ** 2 * (1 - 2.0**-50), float(rb) ** 2 * (1 + 2.0**-50)
        T, V, _ = self.full
        inside = (T <= b2 + self.slack) & (T + self.slack >= a2)
        best = float(V[inside].min()) if inside.any() else math.inf
        for side, ((T, V, _), _) in zip(self.sides, self.free):
            for U in (a2, b2):
                n = int(np.searchsorted(T, U + self.slack, side="right"))
                if n == 0:
                    continue
                Tn, Vn = _staircase(T[:n], V[:n])
                w = np.maximum(U - Tn - self.slack, 0.0)
                best = min(best, float((Vn + _psi(side, w)).min()))
        return Fraction(best - self.margin)

    def minimiser(self, r: float) -> list[tuple[int, list[float]]] | None:
        """Squared coordinates u attaining (up to rounding) the least Σψ on the sphere ‖x‖ = r, per group:
        [(group index, its u values)] — the structured worst point of the lower side."""
        import numpy as np

        if not self.ok:
            return None
        U = r * r
        best, arg = math.inf, None
        for k, (side, ((T, V, _), _)) in enumerate(zip(self.sides, self.free)):
            n = int(np.searchsorted(T, U, side="right"))
            if n == 0:
                continue
            vals = V[:n] + _psi(side, U - T[:n])
            j = int(np.argmin(vals))  # (one query: all candidates, no staircase needed)
            if vals[j] < best:
                best, arg = float(vals[j]), (k, j, U - float(T[j]))
        if arg is None:
            return None
        k, j, free = arg
        (_, _, trace), order = self.free[k]
        u = _path(trace, j)
        out, pos = [], 0
        for g in order:
            m = self.counts[g] - (g == k)
            out.append((g, u[pos:pos + m] + ([max(free, 0.0)] if g == k else [])))
            pos += m
        return out


def _staircase(T, V):
    """The (T, V) that no entry with a larger T and a V at least as small dominates: since ψ is
    non-decreasing, V + ψ(U − T) over the entries with T ≤ U is least on these (fewer ψ evaluations)."""
    import numpy as np

    suffix = np.minimum.accumulate(V[::-1])[::-1]
    keep = V <= suffix
    return T[keep], V[keep]


def _sides(q: Quadratics):
    """The pieces of ψ on u = t² from each side of 0, in the variable |t|: per side float arrays
    (P, Q, a₁, a₀) sorted by P, plus the largest |a₁|·Q + |a₀| (for the rounding margin); None when some h̃
    decreases in |t| or ε is not of the PL form (a₂ = −1)."""
    import numpy as np

    pos, neg = [], []
    for p, q_, a2, a1, a0 in q.pieces:
        if a2 != -1:
            return None
        if p >= 0:
            if a1 < 0:
                return None
            pos.append((p, q_, a1, a0))
        elif q_ <= 0:
            if a1 > 0:
                return None
            neg.append((-q_, -p, -a1, a0))
        else:
            return None
    sides = []
    scale = 0.0
    for rows in (pos, neg):
        if rows:
            arr = np.array(sorted([[float(v) for v in r] for r in rows]))
            sides.append(tuple(arr[:, i].copy() for i in range(4)))
            scale = max(scale, float((np.abs(arr[:, 2]) * arr[:, 1] + np.abs(arr[:, 3])).max()))
    return tuple(sides), scale


def _breakpoints(side) -> "np.ndarray":  # noqa: F821
    import numpy as np

    return np.unique(np.concatenate([np.concatenate([P, Q]) for P, Q, _, _ in side[0]]) ** 2)


def _psi(side, w):
    """ψ(w) = min over the sides of a₁√w + a₀ on the piece holding √w (float)."""
    import numpy as np

    t = np.sqrt(w)
    best = None
    for P, Q, a1, a0 in side[0]:
        k = np.clip(np.searchsorted(Q, t, side="left"), 0, len(Q) - 1)
        v = a1[k] * t + a0[k]
        best = v if best is None else np.minimum(best, v)
    return best


def _sums(groups, R2: float):
    """Two enumerations — of all coordinates but the last, and of all — each a sorted (T, V, trace): every
    sum T of one breakpoint per coordinate (T ≤ R²) with the least Σψ(b), and per coordinate the (parent
    index, breakpoint) that attains it.  None beyond :data:`VERTEX_LIMIT` distinct sums or
    :data:`VERTEX_WORK` candidate pairs in all (the cost is bounded before it is spent)."""
    import numpy as np

    T, V = np.zeros(1), np.zeros(1)
    grid = _TGRID * R2
    trace = []
    work = 0
    before = None
    last = len(groups) - 1
    for g, (side, n) in enumerate(groups):
        b = _breakpoints(side)
        b = b[b <= R2 * (1 + 2.0**-50)]
        vb = _psi(side, b)
        for c in range(n):
            if g == last and c == n - 1:
                before = (T, V, list(trace))
            work += len(T) * len(b)
            if work > VERTEX_WORK:
                return None
            T2 = (T[:, None] + b[None, :]).ravel()
            V2 = (V[:, None] + vb[None, :]).ravel()
            src = np.flatnonzero(T2 <= R2 * (1 + 2.0**-50))
            T2, V2 = T2[src], V2[src]
            key = np.floor(T2 / grid)
            order = np.lexsort((V2, key))
            key, T2, V2, src = key[order], T2[order], V2[order], src[order]
            first = np.ones(len(key), bool)
            first[1:] = key[1:] != key[:-1]
            # the smallest T of a grid cell stands for it (its V is the cell's least: sorted by V within key)
            T = np.minimum.reduceat(T2, np.flatnonzero(first))
            V, src = V2[first], src[first]
            trace.append((src // len(b), b[src % len(b)]))
            if len(T) > VERTEX_LIMIT:
                return None
    return before, (T, V, trace)


def _path(trace, j: int) -> list[float]:
    """The breakpoints u_i (one per enumerated coordinate, in order) of entry ``j`` of the last step."""
    out = []
    for parent, b in reversed(trace):
        out.append(float(b[j]))
        j = int(parent[j])
    return out[::-1]


@functools.lru_cache(maxsize=32)
def few_coordinates(groups: tuple[tuple[Quadratics, int], ...], radius: Fraction) -> FewCoordinates:
    """A cached :class:`FewCoordinates` (the enumeration is shared by all shells of a certificate)."""
    return FewCoordinates(groups, radius)
