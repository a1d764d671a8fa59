"""Radial targets f(x) = g(‖x‖) on the ball of radius R, and safe parsing of profiles g.

A profile is an expression in ``r``.  User text is parsed into sympy by walking Python's ``ast`` of the
text against a whitelist of operators, functions and constants — nothing the user writes is ever
executed — and sympy differentiates it.  Evaluation runs on the tree of :mod:`.expressions` (sympy's
expression node for node) in float64 (numpy), mpmath and interval arithmetic — one code path
parameterised by an operation table.  The named targets (:mod:`.named_targets`) give those trees
without sympy: a job on a named target never imports it.

The Lipschitz constant L = sup_{[0,R]} |g'| is *certified*: |g'| is enclosed with interval
arithmetic on a subdivision of [0, R] refined by bisection, and the largest upper end is L.  A
profile whose derivative is unbounded (√r at 0), undefined (a jump), or not finite is refused.
"""

from __future__ import annotations

import ast
import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import expressions
from .arith import Context, float64, interval, interval_bounds, multiprecision
from .errors import FormatError, NetconstructError, TargetError, UsageError
from .exact import Exact, format_exact, normalize, parse_exact, round_up
from .named_targets import DEFINITIONS, named, recognise

MAX_INTEGER_POWER = 64
LIPSCHITZ_CEILING = 10**6

FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs", "min", "max")


def _sympy():
    import sympy

    return sympy


def r_symbol():
    return _sympy().Symbol("r", nonnegative=True)


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------
def parse_expression(text: str):
    """Parse a profile (cached: see :func:`_parse`)."""
    if not isinstance(text, str) or not text.strip():
        raise TargetError("empty target expression")
    return _parse(text)


@functools.lru_cache(maxsize=256)
def _parse(text: str):
    """Parse a profile such as ``"sin(pi*r)/pi"`` or ``"max(0, 1/4 - abs(r - 1/2))"`` into sympy.

    Allowed: numbers, ``r``, ``pi``, ``e``, ``+ - * / ** ^``, unary minus and the functions
    sin, cos, tan, exp, log, sqrt, tanh, abs, min, max.  Decimals are read exactly (0.1 = 1/10).
    """
    from .limits import MAX_CONSTANT_BITS, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_NODES

    sp = _sympy()
    if not isinstance(text, str) or not text.strip():
        raise TargetError("empty target expression")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise TargetError(f"target expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text.replace("^", "**").strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise TargetError(f"cannot parse target expression {text!r}: {getattr(exc, 'msg', exc)}") from None
    except (RecursionError, MemoryError):
        raise TargetError(f"target expression nested more than {MAX_EXPRESSION_DEPTH} levels deep") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_EXPRESSION_NODES:
        raise TargetError(f"target expression has {nodes} syntax nodes, more than {MAX_EXPRESSION_NODES}")

    def bits(v) -> int:
        """Bits of a folded rational constant (numerator + denominator); 0 for anything else."""
        if getattr(v, "is_Rational", False):
            return int(v.p).bit_length() + int(v.q).bit_length()
        return 0

    def bounded(v):
        if bits(v) > MAX_CONSTANT_BITS:
            raise TargetError(f"a constant in the target has more than {MAX_CONSTANT_BITS} bits")
        return v
    r = r_symbol()
    fmap = {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
        "tanh": sp.tanh, "abs": sp.Abs, "min": sp.Min, "max": sp.Max,
        # sympy's own spellings, so that str(expression) parses back
        "Abs": sp.Abs, "Min": sp.Min, "Max": sp.Max,
    }

    def walk(node: ast.AST, depth: int = 0):
        if depth > MAX_EXPRESSION_DEPTH:
            raise TargetError(f"target expression nested more than {MAX_EXPRESSION_DEPTH} levels deep")
        return bounded(step(node, lambda child: walk(child, depth + 1)))

    def step(node: ast.AST, walk):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            seg = ast.get_source_segment(text.replace("^", "**").strip(), node) or repr(node.value)
            try:
                q = parse_exact(seg, "number")
            except NetconstructError as exc:
                raise TargetError(f"in the target: {exc}") from None
            return sp.Rational(q.numerator, q.denominator) if isinstance(q, Fraction) else sp.Integer(q)
        if isinstance(node, ast.Name):
            if node.id == "r":
                return r
            if node.id == "pi":
                return sp.pi
            if node.id == "e":
                return sp.E
            raise TargetError(f"unknown name {node.id!r} in target (use r, pi, e and {', '.join(FUNCTIONS)})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = walk(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if isinstance(node.op, ast.Div):
                if b == 0:
                    raise TargetError("division by zero in target expression")
                return a / b
            if isinstance(node.op, ast.Pow):
                if not b.is_number:
                    raise TargetError("exponents in the target must be constants")
                if abs(float(b)) > MAX_INTEGER_POWER:
                    raise TargetError(f"exponent {b} too large (at most {MAX_INTEGER_POWER})")
                if bits(a) * abs(float(b)) > MAX_CONSTANT_BITS:
                    raise TargetError(f"a constant in the target has more than {MAX_CONSTANT_BITS} bits")
                return a**b
            raise TargetError(f"operator {type(node.op).__name__} is not allowed in a target")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in fmap:
                name = ast.unparse(node.func)
                raise TargetError(f"unknown function {name!r} in target (allowed: {', '.join(FUNCTIONS)})")
            if node.keywords:
                raise TargetError("keyword arguments are not allowed in a target")
            args = [walk(a) for a in node.args]
            fn = node.func.id
            if fn in ("min", "max", "Min", "Max"):
                if len(args) < 2:
                    raise TargetError(f"{fn} needs at least two arguments")
            elif len(args) != 1:
                raise TargetError(f"{fn} takes one argument")
            return fmap[fn](*args)
        raise TargetError(f"{type(node).__name__} is not allowed in a target expression")

    expr = walk(tree)
    extra = expr.free_symbols - {r}
    if extra:
        raise TargetError(f"unknown symbols {sorted(map(str, extra))} in target")
    return expr


# --------------------------------------------------------------------------------------------
# evaluation through one code path
# --------------------------------------------------------------------------------------------
def evaluate(expr, x: Any, ops: Context) -> Any:
    """Evaluate an expression in ``r`` — a tree of :mod:`.expressions` or a sympy expression (converted
    node for node) — at ``x`` in the arithmetic context ``ops`` (:mod:`.arith`)."""
    if not isinstance(expr, expressions.NODE_TYPES):
        expr = expressions.from_sympy(expr)
    return expressions.evaluate(expr, x, ops)


@functools.lru_cache(maxsize=256)
def profile_tree(text: str, radius: Fraction):
    """The tree of the profile ``text`` (a named target's text at ``radius`` without sympy)."""
    found = recognise(text, radius)
    return found.g if found is not None else expressions.from_sympy(parse_expression(text))


@functools.lru_cache(maxsize=256)
def derivative_tree(text: str, radius: Fraction):
    """The tree of g' for the profile ``text`` (sympy's derivative; a named target's without sympy)."""
    found = recognise(text, radius)
    return found.dg if found is not None else expressions.from_sympy(_derivative(parse_expression(text)))


# --------------------------------------------------------------------------------------------
# named profiles
# --------------------------------------------------------------------------------------------
#: name: (expression in r and R, description)
NAMED: dict[str, tuple[str, str]] = DEFINITIONS


def named_expression(name: str, radius: Exact) -> str:
    if name not in NAMED:
        raise TargetError(f"unknown target {name!r} (known: {', '.join(sorted(NAMED))}; or give --g EXPR)")
    found = named(name, radius)
    if found is not None:  # sympy's printing of the definition, without sympy
        return found.text
    return str(parse_expression(NAMED[name][0].replace("R", f"({format_exact(radius)})")))


# --------------------------------------------------------------------------------------------
# the Target object
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """f(x) = g(‖x‖) on the ball of radius ``radius``; ``lipschitz`` is a proved upper bound of |g'|."""

    expression: str
    radius: Exact
    lipschitz: Exact
    lipschitz_source: str
    name: str | None = None

    @property
    def expr(self):
        """g as a tree of :mod:`.expressions`."""
        return profile_tree(self.expression, Fraction(self.radius))

    @property
    def derivative(self):
        """g' as a tree of :mod:`.expressions`."""
        return derivative_tree(self.expression, Fraction(self.radius))

    def g_float(self, r):
        import numpy as np

        out = evaluate(self.expr, np.asarray(r, dtype=float), float64())
        return np.broadcast_to(np.asarray(out, dtype=float), np.shape(r)).copy()

    def dg_float(self, r):
        """g'(r) in float64 (numpy); at a kink, sympy's one-sided convention (sign(0) = 0)."""
        import numpy as np

        out = evaluate(self.derivative, np.asarray(r, dtype=float), float64())
        return np.broadcast_to(np.asarray(out, dtype=float), np.shape(r)).copy()

    def g_mp(self, r, dps: int = 50):
        """g(r) at ``dps`` digits; ``r`` may be exact (int/Fraction), a float or an mpf."""
        ops = multiprecision(dps)
        if isinstance(r, (int, Fraction)):
            r = ops.const(Fraction(r))
        return evaluate(self.expr, r, ops)

    def dg_mp(self, r, dps: int = 50):
        """g'(r) at ``dps`` digits (the one-sided convention of :meth:`dg_float` at a kink)."""
        ops = multiprecision(dps)
        if isinstance(r, (int, Fraction)):
            r = ops.const(Fraction(r))
        return evaluate(self.derivative, r, ops)

    def g_interval(self, lo: Exact, hi: Exact, prec: int = 113):
        """An interval enclosing {g(r) : r ∈ [lo, hi]}."""
        from .exact import as_exact

        ops = interval(prec)
        return evaluate(self.expr, ops.span(Fraction(as_exact(lo)), Fraction(as_exact(hi))), ops)

    def to_metadata(self) -> dict:
        return {
            "kind": "radial",
            "name": self.name,
            "g": self.expression,
            "radius": format_exact(self.radius),
            "lipschitz": format_exact(self.lipschitz),
            "lipschitz_source": self.lipschitz_source,
            "domain": {"type": "ball", "center": "0", "radius": format_exact(self.radius)},
        }


def _derivative(expr):
    sp = _sympy()
    from .limits import MAX_DERIVATIVE_NODES

    deriv = sp.diff(expr, r_symbol())
    if deriv.has(sp.DiracDelta):
        raise TargetError("the profile g has a jump on [0, R]: it is not Lipschitz")
    if sum(1 for _ in sp.preorder_traversal(deriv)) > MAX_DERIVATIVE_NODES:
        raise TargetError("target too costly to certify (its derivative is too large an expression); give --lipschitz L")
    return deriv


def _slope_at(expr, deriv, t: Fraction) -> float:
    """|g'(t)| at 30 digits (g(t) must be finite too); inf where either is not defined."""
    mp = multiprecision(30)
    try:
        evaluate(expr, mp.const(t), mp)
        return abs(float(evaluate(deriv, mp.const(t), mp)))
    except NetconstructError:
        raise
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.inf


def sampled_lipschitz(text: str, radius: Exact, points: int = 257) -> float:
    """max |g'| at ``points`` equally spaced radii in [0, R] (30 digits) for the profile ``text``: a lower
    estimate of L."""
    R = Fraction(radius)
    expr, deriv = profile_tree(text, R), derivative_tree(text, R)
    lower = max(_slope_at(expr, deriv, R * k / (points - 1)) for k in range(points))
    if not math.isfinite(lower):
        raise TargetError("g' is not finite on [0, R]: g is not Lipschitz there")
    return lower


def certified_lipschitz(text: str, radius: Exact, pieces: int = 64, max_steps: int = 4000,
                        seconds: float | None = None) -> tuple[Fraction, float]:
    """A proved upper bound of sup_{[0,R]} |g'| and a sampled lower estimate, for the profile ``text``.

    |g'| is enclosed on a subdivision of [0, R]; the piece with the largest upper end is bisected
    until that end is within 1% of the best point value or the budget (steps, ``seconds``) is spent.
    Raises :class:`TargetError` when g or g' is not finite (unbounded slope, jump, log of 0, …) or when
    the budget ran out before a finite bound was proved ("too costly to certify").
    """
    import time

    from .bounds.interval_max import certified_max
    from .limits import LIPSCHITZ_SECONDS

    R = Fraction(radius)
    ops = interval(113)
    expr, deriv = profile_tree(text, R), derivative_tree(text, R)
    start = time.monotonic()
    deadline = start + (LIPSCHITZ_SECONDS if seconds is None else seconds)
    try:  # g itself must be finite on [0, R]
        evaluate(expr, ops.const(Fraction(0)), ops)
    except NetconstructError:
        raise
    except (ZeroDivisionError, ValueError) as exc:  # pragma: no cover - defensive
        raise TargetError(f"g is not defined at r = 0: {exc}") from None

    def upper(a: Fraction, b: Fraction) -> Fraction | float:
        x = ops.span(a, b)
        try:
            v = evaluate(deriv, x, ops)
            g = evaluate(expr, x, ops)
        except ZeroDivisionError:
            return math.inf
        if not (_finite(g) and _finite(v)):
            return math.inf
        if isinstance(v, (int, float)):
            return Fraction(abs(v))
        lo, hi = interval_bounds(v)
        return max(abs(lo), abs(hi))

    def point_lower(t: Fraction) -> Fraction:
        v = _slope_at(expr, deriv, t)
        return Fraction(v) if math.isfinite(v) else Fraction(10**30)

    lower = sampled_lipschitz(text, R)
    ub, best, _, _ = certified_max(
        upper, point_lower,
        Fraction(0), R, pieces=pieces, max_steps=max_steps, rel_tol=Fraction(1, 100), abs_tol=Fraction(1, 10**12),
        deadline=deadline,
    )
    lower = max(lower, float(best))
    if not math.isfinite(ub) or ub > LIPSCHITZ_CEILING:
        if time.monotonic() > deadline:
            raise TargetError(f"target too costly to certify: no finite bound of |g'| proved within "
                              f"{deadline - start:.0f} s; give --lipschitz L")
        raise TargetError(
            f"g is not Lipschitz on [0, {format_exact(R)}]: |g'| is unbounded (or > {LIPSCHITZ_CEILING}) there"
        )
    return round_up(Fraction(ub), 12), lower


def _finite(v) -> bool:
    if isinstance(v, (int, float)):
        return math.isfinite(v)
    try:
        import mpmath

        return bool(mpmath.isfinite(v.a) and mpmath.isfinite(v.b))
    except Exception:
        return False


def make_target(
    name: str | None = None,
    expression: str | None = None,
    radius: Exact | str = 1,
    lipschitz: Exact | str | None = None,
) -> Target:
    """Build a :class:`Target` from a profile name or expression, with a certified Lipschitz constant.

    A user-supplied ``lipschitz`` is accepted only if it is at least the sampled maximum of |g'|.
    """
    R = parse_exact(radius, "radius") if not isinstance(radius, (int, Fraction)) else radius
    if R <= 0:
        raise TargetError(f"radius must be > 0, got {format_exact(R)}")
    if name and expression:
        raise TargetError("give either --target NAME or --g EXPR, not both")
    if expression is None:
        name = name or "sine"
        expression = named_expression(name, R)
    if recognise(expression, R) is None:
        parse_expression(expression)  # the whitelist and the limits (a named target's text passes them)
    if lipschitz is not None:  # the user's constant, checked against sampled slopes (the costly proof is skipped)
        L_low = sampled_lipschitz(expression, R)
        L = parse_exact(lipschitz, "lipschitz") if not isinstance(lipschitz, (int, Fraction)) else lipschitz
        if L <= 0 or L < Fraction(L_low) * (1 - Fraction(1, 10**9)):
            raise TargetError(f"--lipschitz {format_exact(L)} is below max |g'| ≈ {L_low:.6g} measured on [0, R]")
        source = "given"
    else:
        L, source = certified_lipschitz(expression, R)[0], "certified (interval arithmetic)"
    if L == 0:
        L = Fraction(1, 10**9)  # a constant profile: any positive L works
    target = Target(str(expression), normalize(R), normalize(L), source, name)
    _check_magnitude(target)
    return target


#: the largest |g| a target may reach on [0, R]: its values become weights, which float64 must hold
MAX_TARGET_MAGNITUDE = 2.0**600


def _check_magnitude(target: Target) -> None:
    """TargetError (exit 2) when g's values on [0, R] may exceed :data:`MAX_TARGET_MAGNITUDE` (an interval
    enclosure of g over the whole interval: exp(1000), (10**50)**8 are refused before any network is built)."""
    try:
        lo, hi = interval_bounds(target.g_interval(0, target.radius))  # exact endpoints: no float overflow
        top = max(abs(lo), abs(hi))
    except ValueError:  # an infinite endpoint
        top = None
    if top is None or top > MAX_TARGET_MAGNITUDE:
        bits = None if top is None else top.numerator.bit_length() - top.denominator.bit_length()
        shown = "infinity" if top is None else f"about 2^{bits}"
        raise TargetError(f"g may reach {shown} on [0, R] (interval enclosure), beyond what float64 evaluation of the "
                          f"network can hold (|g| ≤ 2^600): rescale the profile")


def target_for(
    stored: dict | None,
    name: str | None = None,
    expression: str | None = None,
    radius: Exact | str | None = None,
    lipschitz: Exact | str | None = None,
) -> Target:
    """The target a user names (``name`` or ``expression``), else the one a file stores in
    ``metadata.target`` (``stored``); radius and Lipschitz constant default to the stored ones."""
    md = stored if isinstance(stored, dict) else None
    if name or expression:
        return make_target(name, expression, radius or (md or {}).get("radius", "1"), lipschitz)
    if md is None or "g" not in md:
        raise UsageError("the file names no target: give --target NAME or --g EXPR")
    try:
        return make_target(None, md["g"], radius or md.get("radius", "1"), lipschitz or md.get("lipschitz"))
    except NetconstructError as exc:  # the file's target is bad: a bad file (exit 1), not a bad argument
        raise FormatError(f"the target stored in the file (metadata.target): {exc}") from None
