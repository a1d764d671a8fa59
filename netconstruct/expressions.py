"""Profile expressions g(r) as small immutable trees, evaluated in any arithmetic context.

A tree is built from :class:`Num` (an exact rational), :data:`R` (the variable r), :data:`PI` and
:data:`E`, n-ary :class:`Add` and :class:`Mul`, :class:`Pow` and :class:`Call` (an elementary function by
name: sin, cos, tan, exp, log, tanh, Abs, Min, Max, sign, Heaviside).  :func:`evaluate` runs one tree in
any context of :mod:`.arith` — float64, multiprecision or interval — as mpmath runs one function under
``fp``, ``mp`` and ``iv``: the tree is the pure kernel, the context its domain.

The trees have the shape of sympy's canonical expressions (:func:`from_sympy` converts one, node for node),
so that a profile built here without sympy (the named targets, :mod:`.named_targets`) and the same profile
parsed by sympy are *equal trees* and evaluate to the same bits in every context.  Evaluation order is
fixed by the tree: sums and products fold left to right over their arguments.

Semantics (those of sympy's expressions): ``Pow(E, x)`` is exp(x); an integer power k ≥ 0 is b**k and a
negative one 1/b**(−k); the exponents ±1/2 are sqrt(b) and 1/sqrt(b); any other exponent is exp(x·log b).
``Min``/``Max`` of several arguments fold pairwise (numpy's ``minimum`` takes two).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union

from .arith import FUNCTIONS
from .errors import TargetError


@dataclass(frozen=True, slots=True)
class Num:
    """An exact rational constant."""

    value: Fraction


@dataclass(frozen=True, slots=True)
class Symbol:
    """The variable r (``name`` = "r") or the constants π ("pi") and e ("e")."""

    name: str


@dataclass(frozen=True, slots=True)
class _Fold:
    """An n-ary operation folded left to right over ``args`` (equal only to the same operation: a dataclass's
    equality compares the classes)."""

    args: tuple


class Add(_Fold):
    __slots__ = ()


class Mul(_Fold):
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Pow:
    base: Any
    exponent: Any


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple


Node = Union[Num, Symbol, Add, Mul, Pow, Call]
NODE_TYPES = (Num, Symbol, Add, Mul, Pow, Call)

R = Symbol("r")
PI = Symbol("pi")
E = Symbol("e")
HALF = Num(Fraction(1, 2))


def evaluate(node: Node, x: Any, ops) -> Any:
    """The value of ``node`` at r = ``x`` in the arithmetic context ``ops`` (:mod:`.arith`)."""
    t = type(node)
    if t is Symbol:
        return x if node.name == "r" else (ops.pi if node.name == "pi" else ops.e)
    if t is Num:
        return ops.const(node.value)
    if t is Add or t is Mul:
        args = node.args
        out = evaluate(args[0], x, ops)
        for a in args[1:]:
            out = out + evaluate(a, x, ops) if t is Add else out * evaluate(a, x, ops)
        return out
    if t is Pow:
        base, ex = node.base, node.exponent
        if base == E:
            return ops.exp(evaluate(ex, x, ops))
        b = evaluate(base, x, ops)
        if type(ex) is Num and ex.value.denominator == 1:
            k = ex.value.numerator
            return b**k if k >= 0 else 1 / (b ** (-k))
        if ex == HALF:
            return ops.sqrt(b)
        if type(ex) is Num and ex.value == Fraction(-1, 2):
            return 1 / ops.sqrt(b)
        return ops.exp(evaluate(ex, x, ops) * ops.log(b))
    if t is Call:
        if node.name == "exp":
            return ops.exp(evaluate(node.args[0], x, ops))
        fn = ops.functions[node.name]
        args = [evaluate(a, x, ops) for a in node.args]
        if node.name in ("Min", "Max"):
            return functools.reduce(fn, args)
        return fn(*args)
    raise TargetError(f"{t.__name__} is not an expression node")  # pragma: no cover - trees are built here


@functools.lru_cache(maxsize=1024)
def from_sympy(expr) -> Node:
    """The tree of a sympy expression in ``r``, node for node (sympy's argument order kept).

    Raises :class:`TargetError` for a function no context evaluates (the profile is then not the
    continuous, piecewise smooth function the certificates need)."""
    import sympy as sp

    def walk(e) -> Node:
        if e.is_Symbol:
            return R
        if e.is_Rational:
            return Num(Fraction(int(e.p), int(e.q)))
        if e is sp.pi:
            return PI
        if e is sp.E:
            return E
        if e.is_Float:
            return Num(Fraction(str(e)))
        if e.is_Add:
            return Add(tuple(walk(a) for a in e.args))
        if e.is_Mul:
            return Mul(tuple(walk(a) for a in e.args))
        if e.is_Pow:
            return Pow(walk(e.args[0]), walk(e.args[1]))
        if isinstance(e, sp.exp):
            return Call("exp", (walk(e.args[0]),))
        name = type(e).__name__
        if name == "Heaviside":  # sympy may carry the value at 0 as a second argument
            return Call(name, (walk(e.args[0]),))
        if name in FUNCTIONS:
            return Call(name, tuple(walk(a) for a in e.args))
        raise TargetError(f"{name} cannot be evaluated (is the profile continuous and piecewise smooth?)")

    return walk(expr)
