"""The named profiles g (``--target sine`` …) at radius R, built without sympy.

For each name: the text a network's metadata stores (sympy's printing of the definition in
:data:`DEFINITIONS` with R substituted, e.g. ``sin(pi*r)/pi`` at R = 1), the tree of that text and the
tree of g' — each the tree sympy makes of the same text (:func:`netconstruct.expressions.from_sympy`),
node for node, so every number computed from a named target is the one the sympy path computes
(tests/test_named_targets.py checks the three against sympy for many radii).  Building them costs
microseconds; importing sympy to parse and differentiate costs 0.2 s of the README's main job.

Only radii with small numerator and denominator (≤ :data:`MAX_RADIUS_BITS` bits together) take this
path; :func:`named` returns ``None`` otherwise and the caller parses the text with sympy.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, NamedTuple

from .expressions import PI, R, Add, Call, Mul, Node, Num, Pow

#: name: (definition in r and R, description); the definition is the mathematics, the builders below its forms
DEFINITIONS: dict[str, tuple[str, str]] = {
    "norm": ("r", "g(r) = r, the Euclidean norm itself (L = 1)"),
    "sine": ("sin(pi*r/R)*R/pi", "g(r) = R·sin(πr/R)/π, a bump vanishing at 0 and R (L = 1)"),
    "tent": ("max(0, R/4 - abs(r - R/2))", "a tent (shell) of height R/4 around the sphere r = R/2 (L = 1)"),
    "ramp": ("min(max(2*r/R - 1/2, 0), 1)", "0 up to R/4, linear, 1 from 3R/4 on (L = 2/R)"),
    "soft-ball": ("min(max(1/2 + 4*(R/2 - r)/R, 0), 1)", "soft indicator of the ball of radius R/2, slope 4/R"),
    "gauss": ("exp(-2*r**2/R**2)", "a Gaussian bump exp(−2r²/R²)"),
}

#: radii whose numerator and denominator have more bits together are left to the sympy path
MAX_RADIUS_BITS = 64


class Named(NamedTuple):
    text: str
    g: Node
    dg: Node


def _q(q: Fraction) -> str:
    """A rational as sympy prints it: 3, -1/2."""
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def _scaled(c: Fraction, factors: str) -> str:
    """c·factors as sympy prints a positive rational times a product: r, 2*r, r/2, 4*r/3."""
    head = factors if c.numerator == 1 else f"{c.numerator}*{factors}"
    return head if c.denominator == 1 else f"{head}/{c.denominator}"


def _product(c, *factors: Node) -> Node:
    """c·factors as sympy keeps it: one signed rational coefficient first, left out when it is 1, and a lone factor
    as itself."""
    args = factors if c == 1 else (Num(Fraction(c)), *factors)
    return args[0] if len(args) == 1 else Mul(args)


def _heaviside(v: Node) -> Call:
    return Call("Heaviside", (v,))


def _norm(radius: Fraction) -> Named:
    return Named("r", R, Num(Fraction(1)))


def _sine(radius: Fraction) -> Named:
    inner = _product(1 / radius, PI, R)
    g = _product(radius, Pow(PI, Num(Fraction(-1))), Call("sin", (inner,)))
    arg = _scaled(1 / radius, "pi*r")
    over = "pi" if radius.denominator == 1 else f"({radius.denominator}*pi)"
    return Named(f"{_scaled(Fraction(radius.numerator), f'sin({arg})')}/{over}", g, Call("cos", (inner,)))


def _tent(radius: Fraction) -> Named:
    height, centre = radius / 4, radius / 2
    shifted = Add((Num(-centre), R))  # sympy's sums: the number first
    inside = Add((Num(height), _product(-1, Call("Abs", (shifted,)))))
    dg = _product(-1, _heaviside(inside), Call("sign", (shifted,)))
    return Named(f"Max(0, {_q(height)} - Abs(r - {_q(centre)}))", Call("Max", (Num(Fraction(0)), inside)), dg)


def _clipped(slope: Fraction, line: Node, text: str) -> tuple[str, Node, Node]:
    """min(1, max(0, line)) for a line of slope ``slope``; g' = slope·H(1 − max(0, line))·H(line)."""
    lifted = Call("Max", (Num(Fraction(0)), line))
    below_one = _heaviside(Add((Num(Fraction(1)), _product(-1, lifted))))
    return f"Min(1, Max(0, {text}))", Call("Min", (Num(Fraction(1)), lifted)), _product(slope, below_one, _heaviside(line))


def _ramp(radius: Fraction) -> Named:
    c = 2 / radius
    return Named(*_clipped(c, Add((Num(Fraction(-1, 2)), _product(c, R))), f"{_scaled(c, 'r')} - 1/2"))


def _soft_ball(radius: Fraction) -> Named:
    c = 4 / radius
    return Named(*_clipped(-c, Add((Num(Fraction(5, 2)), _product(-c, R))), f"5/2 - {_scaled(c, 'r')}"))


def _gauss(radius: Fraction) -> Named:
    c = 2 / radius**2
    g = Call("exp", (_product(-c, Pow(R, Num(Fraction(2)))),))
    return Named(f"exp(-{_scaled(c, 'r**2')})", g, _product(-2 * c, R, g))


_BUILDERS: dict[str, Callable[[Fraction], Named]] = {
    "norm": _norm, "sine": _sine, "tent": _tent, "ramp": _ramp, "soft-ball": _soft_ball, "gauss": _gauss,
}


def named(name: str, radius) -> Named | None:
    """The named profile at radius R (text, g, g'), or ``None`` when R is left to the sympy path."""
    R_ = Fraction(radius)
    if name not in _BUILDERS or R_ <= 0 or R_.numerator.bit_length() + R_.denominator.bit_length() > MAX_RADIUS_BITS:
        return None
    return _BUILDERS[name](R_)


def recognise(text: str, radius) -> Named | None:
    """The named profile whose text at radius R is ``text`` (a stored target), or ``None``."""
    for name in _BUILDERS:
        found = named(name, radius)
        if found is not None and found.text == text:
            return found
    return None
