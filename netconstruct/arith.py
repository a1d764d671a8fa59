"""Arithmetic contexts: one implementation of every function, three kinds of numbers.

As in mpmath (``fp``, ``mp``, ``iv`` are context *instances*), evaluation code — a network's layers,
a target's expression — is written once against the :class:`Context` protocol and run in

* :class:`Float64` — numpy, batched, fast: the screening arithmetic (values are arrays);
* :class:`MultiPrecision` — a private mpmath ``MPContext`` at ``dps`` decimal digits: the confirmation;
* :class:`Interval` — a private mpmath ``MPIntervalContext`` at ``prec`` bits (outward-rounded
  endpoints): every result encloses the exact real value, so a bound computed in it is a proof.

Each context *owns* its precision: nothing here reads or writes mpmath's global ``mp``/``iv``
settings, so a certified number never depends on what ran before.  :func:`multiprecision` and
:func:`interval` return shared, cached instances; ``fp``, ``mp`` and ``iv`` are the defaults
(float64, 50 digits, 113 bits).  Exact stored numbers (ints/Fractions) enter through
:meth:`Context.const`, which for intervals encloses the rational exactly.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any, Callable, Protocol, Sequence

from .errors import TargetError
from .exact import exact_key

#: the names of the elementary functions every context supplies (sympy's spelling for Abs/Min/Max)
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "tanh", "Abs", "Min", "Max", "sign", "Heaviside")


class Context(Protocol):
    """What an arithmetic context supplies (see the module docstring)."""

    name: str
    vectorized: bool
    pi: Any
    e: Any
    functions: dict[str, Callable]

    def const(self, q: Any) -> Any: ...

    def sqrt(self, v: Any) -> Any: ...

    def exp(self, v: Any) -> Any: ...

    def log(self, v: Any) -> Any: ...

    def activation(self, name: str, values: Any) -> Any: ...


def _guarded(name: str, fn: Callable, magnitude: Callable) -> Callable:
    """``fn`` refusing arguments beyond ±MAX_FUNCTION_ARGUMENT: enclosing exp(10^64) or sin(10^64) at the
    context's precision is unbounded work (argument reduction needs the argument's digits)."""
    from .limits import MAX_FUNCTION_ARGUMENT

    def f(x):
        if magnitude(x) > MAX_FUNCTION_ARGUMENT:
            raise TargetError(f"{name} of a value beyond ±{MAX_FUNCTION_ARGUMENT:.0e} in the target: too costly to evaluate")
        return fn(x)

    return f


class _Base:
    """Shared behaviour: activations applied element-wise (scalar contexts work on Python lists)."""

    name = "abstract"
    vectorized = False
    cache_key: tuple = ()

    def activation(self, name: str, values: Any) -> Any:
        if name == "identity":
            return values
        fn = {"relu": self.relu, "sigmoid": self.sigmoid, "step": self.step}[name]
        if self.vectorized:
            return fn(values)
        return [fn(v) for v in values]

    def consts(self, values) -> list:
        """[const(q) for q in values], each distinct number converted once (a network's weights repeat a
        few knot values thousands of times; context numbers are immutable, so sharing them is safe)."""
        memo: dict = {}
        out = []
        for q in values:
            key = exact_key(q)
            c = memo.get(key)
            if c is None:
                c = memo[key] = self.const(q)
            out.append(c)
        return out

    def exp(self, v):
        return self.functions["exp"](v)

    def log(self, v):
        return self.functions["log"](v)


class Float64(_Base):
    """numpy float64; a network's values are arrays of shape (n, batch)."""

    name = "float64"
    vectorized = True
    cache_key = ("float64",)

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self.pi, self.e = np.pi, np.e
        self.functions = {
            "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "tanh": np.tanh,
            "Abs": np.abs, "Min": np.minimum, "Max": np.maximum, "sign": np.sign,
            "Heaviside": lambda x: np.heaviside(x, 0.5),
        }

    def const(self, q: Any) -> float:
        return float(q)

    def sqrt(self, v):
        return self._np.sqrt(v)

    def relu(self, v):
        return self._np.maximum(v, 0.0, out=v)

    def sigmoid(self, v):
        np = self._np
        out = np.empty_like(v)
        pos = v >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-v[pos]))
        e = np.exp(v[~pos])
        out[~pos] = e / (1.0 + e)
        return out

    @staticmethod
    def step(v):
        return (v >= 0).astype(float)


class MultiPrecision(_Base):
    """mpmath at ``dps`` significant decimal digits, in a private context."""

    name = "mpmath"

    def __init__(self, dps: int = 50):
        import mpmath

        ctx = mpmath.MPContext()
        ctx.dps = dps
        self.ctx = ctx
        self.dps = dps
        self.cache_key = ("mpmath", dps)
        self.pi, self.e = ctx.pi, ctx.e
        self.functions = {
            **{name: _guarded(name, getattr(ctx, name), abs) for name in ("sin", "cos", "tan", "exp", "tanh")},
            "log": ctx.log, "Abs": abs, "Min": min, "Max": max, "sign": ctx.sign,
            "Heaviside": lambda x: ctx.one if x > 0 else (ctx.zero if x < 0 else ctx.mpf(0.5)),
        }

    def const(self, q: Any):
        if isinstance(q, Fraction):
            return self.ctx.mpf(q.numerator) / q.denominator
        return self.ctx.mpf(q)

    def sqrt(self, v):
        return self.ctx.sqrt(v)

    def relu(self, v):
        return v if v > 0 else self.ctx.zero

    def sigmoid(self, v):
        return 1 / (1 + self.ctx.exp(-v))

    def step(self, v):
        return self.ctx.one if v >= 0 else self.ctx.zero


class Interval(_Base):
    """mpmath interval arithmetic at ``prec`` bits, in a private context: every value is an enclosure."""

    name = "interval"

    def __init__(self, prec: int = 113):
        from mpmath.ctx_iv import MPIntervalContext

        ctx = MPIntervalContext()
        ctx.prec = prec
        self.ctx = ctx
        self.prec = prec
        self.cache_key = ("interval", prec)
        self.pi, self.e = ctx.pi, ctx.e
        magnitude = lambda x: max(abs(x.a), abs(x.b))  # noqa: E731
        self.functions = {
            **{name: _guarded(name, getattr(ctx, name), magnitude) for name in ("sin", "cos", "tan", "exp")},
            "tanh": _guarded("tanh", self._tanh, magnitude), "log": self._log,
            "Abs": self._abs, "Min": self._min, "Max": self._max, "sign": self._sign, "Heaviside": self._heaviside,
        }

    def const(self, q: Any):
        if isinstance(q, Fraction):
            return self.ctx.mpf(q.numerator) / self.ctx.mpf(q.denominator)
        return self.ctx.mpf(q)

    def hull(self, lo, hi):
        """The interval [lo, hi] (endpoints are exact binary numbers or context numbers)."""
        return self.ctx.mpf([lo, hi])

    def span(self, lo: Fraction, hi: Fraction):
        """An enclosure of the real interval [lo, hi] with rational endpoints."""
        if lo == hi:
            return self.const(Fraction(lo))
        return self.hull(self.const(Fraction(lo)).a, self.const(Fraction(hi)).b)

    def sqrt(self, x):
        if x.a < 0:
            raise TargetError("sqrt of a value that can be negative on [0, R]")
        return self.ctx.sqrt(x)

    def _log(self, x):
        if x.a <= 0:
            raise TargetError("log of a value that can be ≤ 0 on [0, R]")
        return self.ctx.log(x)

    def _tanh(self, x):  # monotone: enclose the endpoint values
        def at(p):
            t = self.ctx.exp(2 * self.ctx.mpf(p))
            return (t - 1) / (t + 1)

        return self.hull(at(x.a).a, at(x.b).b)

    def _abs(self, x):
        if x.a >= 0:
            return x
        if x.b <= 0:
            return -x
        return self.hull(0, max(-x.a, x.b))

    def _min(self, *xs):
        return self.hull(min(x.a for x in xs), min(x.b for x in xs))

    def _max(self, *xs):
        return self.hull(max(x.a for x in xs), max(x.b for x in xs))

    def _sign(self, x):
        if x.a > 0:
            return self.ctx.mpf(1)
        if x.b < 0:
            return self.ctx.mpf(-1)
        return self.hull(-1 if x.a < 0 else 0, 1 if x.b > 0 else 0)

    def _heaviside(self, x):
        if x.a > 0:
            return self.ctx.mpf(1)
        if x.b < 0:
            return self.ctx.mpf(0)
        return self.hull(0, 1)

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


@functools.lru_cache(maxsize=16)
def multiprecision(dps: int = 50) -> MultiPrecision:
    """The shared :class:`MultiPrecision` context at ``dps`` digits."""
    return MultiPrecision(dps)


@functools.lru_cache(maxsize=16)
def interval(prec: int = 113) -> Interval:
    """The shared :class:`Interval` context at ``prec`` bits."""
    return Interval(prec)


@functools.lru_cache(maxsize=1)
def float64() -> Float64:
    return Float64()


_DEFAULTS = {"fp": float64, "mp": multiprecision, "iv": interval}


def __getattr__(name: str):
    """``arith.fp``, ``arith.mp``, ``arith.iv``: the default contexts (float64, 50 digits, 113 bits)."""
    if name in _DEFAULTS:
        return _DEFAULTS[name]()
    raise AttributeError(f"module 'netconstruct.arith' has no attribute {name!r}")


def as_vector(ctx: Context, x: Sequence[Any]) -> list:
    """Convert an input point to a list of context numbers (exact numbers via :meth:`Context.const`)."""
    return [ctx.const(v) for v in x]


def _raw_to_fraction(t) -> Fraction:
    sign, man, exp, _ = t
    if not man and exp:  # ±inf or nan
        raise ValueError("interval endpoint is not finite")
    v = Fraction(int(man)) * (Fraction(2) ** int(exp)) if exp >= 0 else Fraction(int(man), 2 ** (-int(exp)))
    return -v if sign else v


def mpf_fraction(x) -> Fraction:
    """The exact rational value of a finite mpmath number (ValueError for ±inf or NaN)."""
    return _raw_to_fraction(x._mpf_)


def interval_bounds(v) -> tuple[Fraction, Fraction]:
    """The exact rational endpoints (lower, upper) of an mpmath interval (no rounding)."""
    lo, hi = v._mpi_
    return _raw_to_fraction(lo), _raw_to_fraction(hi)
