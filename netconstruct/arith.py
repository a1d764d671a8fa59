"""Arithmetic contexts: one network evaluator, three kinds of numbers.

Following mpmath's ``fp``/``mp``/``iv`` design, evaluation code is written once against a small
context interface and run in

* :class:`Float64` — numpy, batched, fast: the screening arithmetic;
* :class:`MultiPrecision` — mpmath ``mp`` at a chosen number of decimal digits: the confirmation;
* :class:`Interval` — mpmath ``iv`` (outward-rounded endpoints): every result is an enclosure of
  the exact real value, so a bound computed in it is a proof.

Exact stored weights (ints/Fractions, see :mod:`netconstruct.exact`) are converted by
:meth:`const`, which for intervals encloses the rational exactly.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence


class Context:
    """Interface of an arithmetic context (scalar contexts operate on Python lists)."""

    name = "abstract"
    vectorized = False

    def const(self, q: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def activation(self, name: str, values: Any) -> Any:
        if name == "identity":
            return values
        fn = {"relu": self.relu, "sigmoid": self.sigmoid, "step": self.step}[name]
        if self.vectorized:
            return fn(values)
        return [fn(v) for v in values]


class Float64(Context):
    """numpy float64; values are arrays of shape (batch, n)."""

    name = "float64"
    vectorized = True

    def const(self, q: Any) -> float:
        return float(q)

    @staticmethod
    def relu(v):
        import numpy as np

        return np.maximum(v, 0.0, out=v)

    @staticmethod
    def sigmoid(v):
        import numpy as np

        out = np.empty_like(v)
        pos = v >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-v[pos]))
        e = np.exp(v[~pos])
        out[~pos] = e / (1.0 + e)
        return out

    @staticmethod
    def step(v):
        return (v >= 0).astype(float)


class MultiPrecision(Context):
    """mpmath at ``dps`` significant decimal digits (a private context, so global state is untouched)."""

    name = "mpmath"

    def __init__(self, dps: int = 50):
        import mpmath

        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.dps = dps

    def const(self, q: Any):
        if isinstance(q, Fraction):
            return self.ctx.mpf(q.numerator) / q.denominator
        return self.ctx.mpf(q)

    def relu(self, v):
        return v if v > 0 else self.ctx.zero

    def sigmoid(self, v):
        return 1 / (1 + self.ctx.exp(-v))

    def step(self, v):
        return self.ctx.one if v >= 0 else self.ctx.zero


class Interval(Context):
    """mpmath ``iv`` at ``prec`` bits: every value is a rigorous enclosure."""

    name = "interval"

    def __init__(self, prec: int = 113):
        import mpmath

        self.ctx = mpmath.iv
        self.ctx.prec = prec
        self.prec = prec

    def const(self, q: Any):
        if isinstance(q, Fraction):
            return self.ctx.mpf(q.numerator) / self.ctx.mpf(q.denominator)
        return self.ctx.mpf(q)

    def hull(self, lo, hi):
        return self.ctx.mpf([lo, hi])

    def relu(self, v):
        lo, hi = v.a, v.b
        return self.ctx.mpf([lo if lo > 0 else 0, hi if hi > 0 else 0])

    def sigmoid(self, v):
        return 1 / (1 + self.ctx.exp(-v))

    def step(self, v):
        if v.a >= 0:
            return self.ctx.mpf(1)
        if v.b < 0:
            return self.ctx.mpf(0)
        return self.ctx.mpf([0, 1])


def as_vector(ctx: Context, x: Sequence[Any]) -> list:
    """Convert an input point to a list of context numbers (exact numbers via :meth:`Context.const`)."""
    return [ctx.const(v) for v in x]


def _raw_to_fraction(t) -> Fraction:
    sign, man, exp, _ = t
    if not man and exp:  # ±inf or nan
        raise ValueError("interval endpoint is not finite")
    v = Fraction(int(man)) * (Fraction(2) ** int(exp)) if exp >= 0 else Fraction(int(man), 2 ** (-int(exp)))
    return -v if sign else v


def interval_bounds(v) -> tuple[Fraction, Fraction]:
    """The exact rational endpoints (lower, upper) of an mpmath ``iv`` interval (no rounding)."""
    lo, hi = v._mpi_
    return _raw_to_fraction(lo), _raw_to_fraction(hi)
