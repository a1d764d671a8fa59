"""Univariate piecewise-linear functions and their exact one-hidden-layer ReLU realisations.

For knots t_0 < … < t_n and values y_k, the continuous piecewise-linear interpolant with slope
``left_slope`` before t_0 and ``right_slope`` after t_n is

    h(s) = y_0 + a·(s − t_0) + Σ_k (m_k − m_{k−1}) · ReLU(s − t_k),

with m_{−1} = a = left_slope, m_k = (y_{k+1} − y_k)/(t_{k+1} − t_k), m_n = right_slope.  Every number
here is exact, so the realisation equals the interpolant exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ..errors import NetconstructError
from ..exact import Exact, normalize
from ..piecewise import ReluSum


@dataclass(frozen=True)
class PiecewiseLinear:
    knots: tuple[Exact, ...]
    values: tuple[Exact, ...]
    left_slope: Exact = 0
    right_slope: Exact = 0

    def __post_init__(self):
        if len(self.knots) != len(self.values) or not self.knots:
            raise NetconstructError("piecewise-linear: knots and values must be non-empty and of equal length")
        if any(b <= a for a, b in zip(self.knots, self.knots[1:])):
            raise NetconstructError("piecewise-linear: knots must increase strictly")

    def slopes(self) -> list[Exact]:
        """Slopes m_{−1}, m_0, …, m_{n−1}, m_n (outer ones are left/right)."""
        inner = [
            normalize(Fraction(self.values[k + 1] - self.values[k]) / (self.knots[k + 1] - self.knots[k]))
            for k in range(len(self.knots) - 1)
        ]
        return [self.left_slope] + inner + [self.right_slope]

    def relu_form(self) -> tuple[list[Exact], list[Exact], Exact, Exact]:
        """(knots, coefficients, linear, constant) with h(s) = constant + linear·s + Σ c_k ReLU(s − t_k).

        Knots whose coefficient is exactly zero are dropped (they would be dead neurons).
        """
        m = self.slopes()
        ks, cs = [], []
        for k, t in enumerate(self.knots):
            c = normalize(m[k + 1] - m[k])
            if c != 0:
                ks.append(t)
                cs.append(c)
        a = self.left_slope
        return ks, cs, a, normalize(self.values[0] - a * self.knots[0])

    def relu_sum(self) -> ReluSum:
        """The same function as a :class:`~netconstruct.piecewise.ReluSum` (ReLU(s − t_k) = ReLU(1·s − t_k))."""
        ks, cs, a, b = self.relu_form()
        return ReluSum(tuple((1, -t, c) for t, c in zip(ks, cs)), b, a)

    def __call__(self, s: Exact) -> Exact:
        return normalize(self.relu_sum()(s))


def square_interpolant(radius: Exact, n: int) -> PiecewiseLinear:
    """Interpolant of s ↦ s² at the uniform knots kΔ, k = −n…n, Δ = radius/n (:func:`square_interpolant_at`).

    Error facts used by the depth-3 bound: 0 ≤ h(s) − s² ≤ min(Δ²/4, Δ|s|) on [−radius, radius].
    """
    return square_interpolant_at([Fraction(radius) * k / n for k in range(n + 1)])


def square_interpolant_at(half_knots) -> PiecewiseLinear:
    """Interpolant of s² at the knots ±t_k for 0 = t_0 < t_1 < … < t_m = R (mirrored), extended linearly
    beyond ±R.  Error facts: 0 ≤ h(s) − s² = (s − a)(b − s) on each piece [a, b]."""
    pos = [normalize(Fraction(t)) for t in half_knots]
    knots = tuple([normalize(-t) for t in reversed(pos[1:])] + pos)
    values = tuple(normalize(Fraction(t) * t) for t in knots)
    first = normalize(Fraction(values[1] - values[0]) / (knots[1] - knots[0]))
    last = normalize(Fraction(values[-1] - values[-2]) / (knots[-1] - knots[-2]))
    return PiecewiseLinear(knots, values, first, last)


def interpolant(knots: Sequence[Exact], values: Sequence[Exact]) -> PiecewiseLinear:
    """Interpolant that is constant outside [t_0, t_n]."""
    return PiecewiseLinear(tuple(knots), tuple(values), 0, 0)
