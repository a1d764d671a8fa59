r"""Rigorous tables of a radial profile g for the box certificate: values, slopes and curvature on a grid.

On the grid ρ_j = jR/G (j = 0…G) the table holds interval enclosures of g(ρ_j) and g'(ρ_j) (mpmath
interval arithmetic at the exact rational points), and on each cell [ρ_j, ρ_{j+1}] an upper bound of |g''|
(interval evaluation of the second derivative; +∞ on a cell where g'' is not bounded — a kink of g, where
sympy's g'' carries a DiracDelta whose argument can vanish in the cell).  With L the certified Lipschitz
constant, for every ρ ∈ [0, R] and its nearest grid point ρ_j:

    g(ρ) ∈ g(ρ_j) ± L·|ρ − ρ_j|                                                    (zeroth order)
    g(ρ) ∈ g(ρ_j) + g'(ρ_j)(ρ − ρ_j) ± ½·max|g''|·(ρ − ρ_j)²   (ρ, ρ_j in cells with finite bounds)

These are Taylor's theorem with the Lagrange remainder; the box certificate uses the second form to
bound g(‖x‖) by a *linear* function of x on a box, so that its slack is quadratic in the box size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

from ..arith import interval, interval_bounds
from ..targets import evaluate


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """Float64 tables (rounded outward) of g on the grid ρ_j = j·R/G; see the module docstring."""

    radius: float
    cells: int
    lipschitz: float
    g_lo: "object"  # numpy arrays, length G + 1
    g_hi: "object"
    dg_lo: "object"
    dg_hi: "object"
    d2: "object"  # length G: sup |g''| on each cell (inf where unbounded)
    sparse_lo: tuple = ()  # sparse tables for range minima of g_lo / maxima of g_hi / maxima of d2
    sparse_hi: tuple = ()
    sparse_d2: tuple = ()

    @property
    def step(self) -> float:
        return self.radius / self.cells

    def _query(self, table: tuple, i0, i1, op):
        """op over table[0][i0..i1] (inclusive), vectorised (sparse table: O(1) per query)."""
        import numpy as np

        n = np.maximum(i1 - i0 + 1, 1)
        k = np.floor(np.log2(n)).astype(int)
        out = np.empty(len(i0))
        for level in np.unique(k):
            sel = k == level
            t = table[level]
            out[sel] = op(t[i0[sel]], t[i1[sel] - (1 << level) + 1])
        return out

    def g_range(self, rho_lo, rho_hi):
        """Enclosure [lo, hi] of g on [rho_lo, rho_hi] (arrays), zeroth order."""
        import numpy as np

        h = self.step
        j0 = np.clip(np.floor(rho_lo / h).astype(int), 0, self.cells)
        j1 = np.clip(np.ceil(rho_hi / h).astype(int), 0, self.cells)
        slack = self.lipschitz * h / 2 * (1 + 1e-9)
        # every ρ in the range is within h/2 of one of the grid points j0..j1
        lo = self._query(self.sparse_lo, j0, j1, np.minimum) - slack
        hi = self._query(self.sparse_hi, j0, j1, np.maximum) + slack
        # and within max(|ρ_lo − ρ_j|, |ρ_hi − ρ_j|) of the grid point j nearest to the middle: on short
        # ranges this is the tighter one (it vanishes with the range)
        j = np.clip(np.rint((rho_lo + rho_hi) / (2 * h)).astype(int), 0, self.cells)
        dist = np.maximum(np.abs(rho_lo - j * h), np.abs(rho_hi - j * h)) * (1 + 1e-9) + 1e-15 * self.radius
        lo = np.maximum(lo, self.g_lo[j] - self.lipschitz * dist)
        hi = np.minimum(hi, self.g_hi[j] + self.lipschitz * dist)
        return lo, hi

    def curvature(self, rho_lo, rho_hi):
        """Upper bound of |g''| on [rho_lo, rho_hi] (inf where a kink may lie)."""
        import numpy as np

        h = self.step
        c0 = np.clip(np.floor(rho_lo / h).astype(int), 0, self.cells - 1)
        c1 = np.clip(np.floor(rho_hi / h).astype(int), 0, self.cells - 1)
        return self._query(self.sparse_d2, c0, c1, np.maximum)


def _sparse(values, op) -> tuple:
    import numpy as np

    levels = [np.asarray(values, dtype=float)]
    while (1 << len(levels)) <= len(values):
        prev, w = levels[-1], 1 << (len(levels) - 1)
        levels.append(op(prev[:-w], prev[w:]))
    return tuple(levels)


def _second_derivative(expr):
    """(g'' with DiracDelta terms dropped, the DiracDelta arguments) — sympy."""
    import sympy as sp

    from ..targets import r_symbol

    d2 = sp.diff(expr, r_symbol(), 2)
    deltas = sorted({a.args[0] for a in d2.atoms(sp.DiracDelta)}, key=str)
    smooth = d2.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))
    return smooth, deltas


@functools.lru_cache(maxsize=16)
def profile_table(expression: str, radius: Fraction, lipschitz: Fraction, cells: int = 1024) -> ProfileTable:
    """The rigorous table of g on [0, R] (``cells`` grid cells; about 3·cells interval evaluations)."""
    import numpy as np
    import sympy as sp

    from ..targets import parse_expression, r_symbol

    ops = interval(113)
    expr = parse_expression(expression)
    d1 = sp.diff(expr, r_symbol())
    d2, deltas = _second_derivative(expr)
    R = Fraction(radius)

    def enclose(e, lo: Fraction, hi: Fraction):
        try:
            v = evaluate(e, ops.span(lo, hi), ops)
        except (ZeroDivisionError, ValueError, ArithmeticError):
            return -np.inf, np.inf
        if isinstance(v, (int, float)):
            return float(v), float(v)
        a, b = interval_bounds(v)
        return _down(a), _up(b)

    pts = [R * j / cells for j in range(cells + 1)]
    g = np.array([enclose(expr, p, p) for p in pts])
    dg = np.array([enclose(d1, p, p) for p in pts])
    d2max = np.empty(cells)
    for j in range(cells):
        a, b = pts[j], pts[j + 1]
        kink = False
        for arg in deltas:
            lo, hi = enclose(arg, a, b)
            if lo <= 0 <= hi:
                kink = True
                break
        if kink:
            d2max[j] = np.inf
        else:
            lo, hi = enclose(d2, a, b)
            d2max[j] = max(abs(lo), abs(hi))
    return ProfileTable(
        float(R), cells, _up(Fraction(lipschitz)), g[:, 0], g[:, 1], dg[:, 0], dg[:, 1], d2max,
        _sparse(g[:, 0], np.minimum), _sparse(g[:, 1], np.maximum), _sparse(d2max, np.maximum),
    )


def _down(q) -> float:
    """A float64 ≤ the exact rational q."""
    import math

    q = Fraction(q)
    f = float(q)
    return math.nextafter(f, -math.inf) if Fraction(f) > q else f


def _up(q) -> float:
    """A float64 ≥ the exact rational q."""
    import math

    q = Fraction(q)
    f = float(q)
    return math.nextafter(f, math.inf) if Fraction(f) < q else f
