"""Rational unit vectors next to given directions, the same on every CPU.

A construction that needs cos θ, sin θ (a quadrature node, a ridge direction) stores an exact rational point of
the circle or sphere next to it: t ≈ tan(θ/2) (or the stereographic coordinates of the point) rounded to the
nearest fraction with a bounded denominator, and then ((1 − t²)/(1 + t²), 2t/(1 + t²)), which lies on the unit
circle exactly.  The approximation t is computed by mpmath at 40 digits — integer arithmetic, not the
machine's libm or numpy's SIMD kernels, whose last bit differs between CPUs (and "the nearest fraction with
denominator ≤ 10⁶" jumps when its input moves by one bit near a midpoint).  So the weights of a network are the
same on every machine.
"""

from __future__ import annotations

from fractions import Fraction

from ..arith import mpf_fraction, multiprecision
from ..exact import normalize

_DIGITS = 40


def tan_half(turn: Fraction, max_denominator: int) -> Fraction:
    """tan(θ/2) for θ = π·``turn`` (|θ| < π), the nearest fraction with denominator ≤ ``max_denominator``."""
    ctx = multiprecision(_DIGITS).ctx
    t = ctx.tan(ctx.pi * ctx.mpf(turn.numerator) / turn.denominator / 2)
    return mpf_fraction(t).limit_denominator(max_denominator)


def circle_point(turn: Fraction, max_denominator: int) -> tuple[Fraction, Fraction]:
    """An exact rational point (cos θ', sin θ') of the unit circle next to θ = π·``turn``."""
    t = tan_half(Fraction(turn), max_denominator)
    return normalize((1 - t * t) / (1 + t * t)), normalize(2 * t / (1 + t * t))


def sphere_point(height: Fraction, turn: Fraction, max_denominator: int) -> tuple[Fraction, Fraction, Fraction]:
    """An exact rational unit vector next to (c·cos φ, c·sin φ, u) with u = ``height`` ∈ (−1, 1), c = √(1 − u²),
    φ = π·``turn``: the inverse stereographic projection of the rounded (a, b) = (c·cos φ, c·sin φ)/(1 + u)."""
    ctx = multiprecision(_DIGITS).ctx
    u = ctx.mpf(height.numerator) / height.denominator
    c = ctx.sqrt(1 - u * u) / (1 + u)
    phi = ctx.pi * ctx.mpf(turn.numerator) / turn.denominator
    a = mpf_fraction(c * ctx.cos(phi)).limit_denominator(max_denominator)
    b = mpf_fraction(c * ctx.sin(phi)).limit_denominator(max_denominator)
    q = 1 + a * a + b * b
    return normalize(2 * a / q), normalize(2 * b / q), normalize((1 - a * a - b * b) / q)
