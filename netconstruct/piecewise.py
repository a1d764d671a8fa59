r"""Piecewise-linear functions as sums of ReLUs, evaluated exactly: the one type every builder and
certificate uses.

    h(x) = const + linear·x + Σ_k a_k · ReLU(u_k·x + b_k)

is continuous and linear between its knots −b_k/u_k.  :meth:`ReluSum.table` computes its exact values
at every knot in one O(terms + knots) sweep (crossing the knot of a term changes the slope by +a·u
when u > 0 — the term switches on — and by −a·u when u < 0 — it switches off); after that a value
anywhere is one interpolation and the range over an interval is the extremes of its end values and
the knot values inside (a PL function attains its extremes at those points).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from .exact import Exact


@dataclass(frozen=True)
class ReluSum:
    """x ↦ const + linear·x + Σ a·ReLU(u·x + b) over ``terms`` = ((u, b, a), …), all exact."""

    terms: tuple[tuple[Exact, Exact, Exact], ...]
    const: Exact = 0
    linear: Exact = 0

    def __call__(self, x: Exact) -> Exact:
        out = self.const + self.linear * x
        for u, b, a in self.terms:
            z = u * x + b
            if z > 0:
                out += a * z
        return out

    def knots(self) -> list[Fraction]:
        """The sorted distinct knots −b/u (terms with u = 0 are constants)."""
        return sorted({Fraction(-b) / u for u, b, _ in self.terms if u != 0})

    @functools.cached_property
    def table(self) -> tuple[list[Fraction], list[Fraction]]:
        """(points, values): the knots with one point beyond each end, and the exact values there."""
        kn = self.knots() or [Fraction(0)]
        pts = [kn[0] - 1] + kn + [kn[-1] + 1]
        return pts, self.values(pts)

    def values(self, points: Sequence[Fraction]) -> list[Fraction]:
        """Exact values at sorted ``points`` that include every knot, the first one below all knots."""
        events: dict[Fraction, Fraction] = {}
        x0 = points[0]
        slope = Fraction(self.linear)
        value = Fraction(self.const) + self.linear * x0
        for u, b, a in self.terms:
            if u == 0:
                value += a * max(b, 0)
                continue
            k = Fraction(-b) / u
            z = u * x0 + b
            if z > 0:
                value += a * z
            if u > 0:
                events[k] = events.get(k, 0) + a * u
            else:
                events[k] = events.get(k, 0) - a * u
                slope += a * u  # active to the left of every knot
        vals = [value]
        for prev, x in zip(points, points[1:]):
            vals.append(vals[-1] + slope * (x - prev))
            slope += events.get(x, 0)
        return vals

    def at(self, x: Fraction) -> Fraction:
        """The value at ``x`` by interpolation in :attr:`table` (equal to ``self(x)``, faster for many terms)."""
        kn, kv = self.table
        i = min(max(bisect.bisect_right(kn, x), 1), len(kn) - 1)
        return kv[i - 1] + (kv[i] - kv[i - 1]) * (x - kn[i - 1]) / (kn[i] - kn[i - 1])

    def range(self, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
        """(min, max) of the function over [lo, hi], exactly."""
        kn, kv = self.table
        vals = [self.at(lo), self.at(hi)]
        i0, i1 = bisect.bisect_left(kn, lo), bisect.bisect_right(kn, hi)
        if i1 > i0:
            seg = kv[i0:i1]
            vals += [min(seg), max(seg)]
        return min(vals), max(vals)
