"""Exact numbers: every weight of a network is a rational number.

A construction computes its weights exactly (integers, rationals such as 1/3, values beyond 2^53)
or, for irrational values such as sin(π r)/π, to a stated number of significant digits; either way
the number *stored* in the network is a rational, and it is that rational which the high-precision
and interval evaluations use.  Float64 is only ever a mirror.

Text form (used by the JSON format): ``"3"``, ``"-7/159"``, ``"0.3183098861837906715"`` (exact
decimal), ``"1.5e-12"``.  ``format_exact(parse_exact(s))`` is canonical: integers as integers,
rationals whose denominator divides a power of ten as plain decimals, the rest as ``p/q``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Union

from .errors import FormatError

Exact = Union[int, Fraction]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)  # ASCII digits only
_RATIO = re.compile(r"^[+-]?\d+/\d+$", re.ASCII)
_MAX_EXPONENT = 4000
_MAX_LEN = 10_000


def normalize(q: Exact) -> Exact:
    """Return ``q`` as an ``int`` when it is an integer (cheaper arithmetic, shorter text)."""
    if isinstance(q, Fraction) and q.denominator == 1:
        return q.numerator
    return q


def exact_key(q: Exact) -> tuple[int, int]:
    """(numerator, denominator) of an exact number: a dictionary key that hashes far faster than a Fraction."""
    return (q.numerator, q.denominator) if type(q) is Fraction else (int(q), 1)


def parse_exact(text: object, where: str = "value") -> Exact:
    """Parse one stored number exactly; refuse NaN, infinities and anything that is not a number.

    Accepts the strings of :func:`format_exact`, plain decimal/scientific strings, JSON integers and
    JSON floats (taken at their exact binary value).  Refuses numbers every command could not handle:
    magnitude above 2^1000 (float64 evaluation would overflow) or a numerator/denominator of more than
    4096 bits (see :mod:`netconstruct.limits`).
    """
    return _bounded(_parse(text, where), text, where)


def _bounded(q: Exact, text: object, where: str) -> Exact:
    from .limits import MAX_MAGNITUDE_BITS, MAX_NUMBER_BITS

    num, den = (q, 1) if isinstance(q, int) else (q.numerator, q.denominator)
    if num.bit_length() > MAX_NUMBER_BITS or den.bit_length() > MAX_NUMBER_BITS:
        raise FormatError(f"{where}: {_short(text)} has more than {MAX_NUMBER_BITS} bits in its numerator or denominator")
    if abs(num) >= den << MAX_MAGNITUDE_BITS:
        raise FormatError(f"{where}: {_short(text)} is larger than 2^{MAX_MAGNITUDE_BITS} in magnitude")
    return q


def _short(text: object) -> str:
    s = str(text)
    return repr(s if len(s) <= 24 else s[:12] + "…" + s[-8:])


def _parse(text: object, where: str) -> Exact:
    if isinstance(text, bool):
        raise FormatError(f"{where}: expected a number, got {text!r}")
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        if not math.isfinite(text):
            raise FormatError(f"{where}: {text!r} is not a finite number")
        return normalize(Fraction(text))
    if not isinstance(text, str):
        raise FormatError(f"{where}: expected a number or a numeric string, got {type(text).__name__}")
    s = text.strip()
    if len(s) > _MAX_LEN:
        raise FormatError(f"{where}: numeric string longer than {_MAX_LEN} characters")
    if _RATIO.match(s):
        p, q = s.split("/")
        if max(len(p), len(q)) > 1300:  # > 4096 bits: refused below, and int() of it may hit Python's limit
            raise FormatError(f"{where}: {_short(s)} has more than 4096 bits in its numerator or denominator")
        if int(q) == 0:
            raise FormatError(f"{where}: {s!r} has a zero denominator")
        return normalize(Fraction(int(p), int(q)))
    if _NUMBER.match(s):
        exp = re.search(r"[eE]([+-]?\d+)$", s, re.ASCII)
        if exp and abs(int(exp.group(1))) > _MAX_EXPONENT:
            raise FormatError(f"{where}: exponent of {_short(s)} is out of range")
        if len(s) > 1300:
            raise FormatError(f"{where}: {_short(s)} has more than 4096 bits in its numerator or denominator")
        return normalize(Fraction(s))
    low = s.lower()
    if low in {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"}:
        raise FormatError(f"{where}: {s!r} is not a finite number")
    raise FormatError(f"{where}: {s!r} is not a number")


def as_exact(value: object, where: str = "value") -> Exact:
    """A library argument as an exact number: ints and Fractions as they are, strings and floats parsed
    by :func:`parse_exact`; anything else (NaN, "abc", None) is a one-line UsageError."""
    from .errors import UsageError

    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return normalize(value)
    try:
        return parse_exact(value, where)
    except FormatError as exc:
        raise UsageError(str(exc)) from None


def _decimal_exponent(d: int) -> int | None:
    """For d = 2^a 5^b return max(a, b) (so 10^e / d is an integer); otherwise None."""
    a = b = 0
    while d % 2 == 0:
        d //= 2
        a += 1
    while d % 5 == 0:
        d //= 5
        b += 1
    return max(a, b) if d == 1 else None


def format_exact(q: Exact) -> str:
    """Canonical text of an exact number (see the module docstring)."""
    if isinstance(q, int):
        return str(q)
    p, d = q.numerator, q.denominator
    if d == 1:
        return str(p)
    e = _decimal_exponent(d)
    if e is None:
        return f"{p}/{d}"
    digits = str(abs(p) * (10**e // d)).rjust(e + 1, "0")
    s = (digits[:-e] + "." + digits[-e:]).rstrip("0").rstrip(".")
    return ("-" if p < 0 else "") + s


def to_fraction(x: object, digits: int = 40) -> Exact:
    """Turn an mpmath/float/int/Fraction value into a stored exact number.

    Floats and mpmath numbers are rounded to ``digits`` significant decimal digits (so a value
    computed at higher precision is stored as a short, exact decimal).
    """
    if isinstance(x, (int, Fraction)):
        return normalize(x)
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = digits + 20
    v = ctx.mpf(x)
    if not ctx.isfinite(v):
        raise FormatError(f"cannot store non-finite value {x!r}")
    if v == 0:
        return 0
    s = ctx.nstr(v, digits, strip_zeros=True, min_fixed=-(10**9), max_fixed=10**9)
    return normalize(Fraction(s))


def exact_abs_max(values) -> Exact:
    """Largest absolute value of a collection of exact numbers (0 for an empty one)."""
    best: Exact = 0
    for v in values:
        a = -v if v < 0 else v
        if a > best:
            best = a
    return best


def round_up(q: Exact, digits: int = 12) -> Fraction:
    """The smallest number with ``digits`` significant decimals that is ≥ q (used to report bounds)."""
    q = Fraction(q)
    if q <= 0:
        return -round_down(-q, digits) if q < 0 else Fraction(0)
    e = math.floor(math.log10(q)) - digits + 1
    unit = Fraction(10) ** e
    return math.ceil(q / unit) * unit


def round_down(q: Exact, digits: int = 12) -> Fraction:
    q = Fraction(q)
    if q <= 0:
        return -round_up(-q, digits) if q < 0 else Fraction(0)
    e = math.floor(math.log10(q)) - digits + 1
    unit = Fraction(10) ** e
    return math.floor(q / unit) * unit


def upper_text(q: Exact, digits: int = 12) -> str:
    """Decimal text of an upper bound of q (rounded up to ``digits`` significant digits)."""
    return format_exact(normalize(round_up(q, digits)))


def integer_root(n: int, k: int) -> int:
    """⌊n^(1/k)⌋ exactly, for integers n ≥ 0 and k ≥ 1 (integer Newton iteration from above: the iterates
    decrease to the root and stop there)."""
    if n < 0 or k < 1:
        raise ValueError(f"integer_root needs n ≥ 0 and k ≥ 1, got n={n}, k={k}")
    if n < 2 or k == 1:
        return n
    x = 1 << -(-n.bit_length() // k)  # 2^⌈bits/k⌉ > n^(1/k)
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def sqrt_down(x: Exact) -> Fraction:
    """A rational ≤ √x (0 for x ≤ 0): x / sqrt_up(x)."""
    x = Fraction(x)
    return Fraction(0) if x <= 0 else x / sqrt_up(x)


def sqrt_up(x: Exact, digits: int = 12) -> Fraction:
    """A rational ≥ √x with about ``digits`` decimals (exact if x is a perfect rational square)."""
    x = Fraction(x)
    scale = 10**digits
    p = math.isqrt(x.numerator * scale * scale // x.denominator)
    q = Fraction(p, scale)
    while q * q < x:
        q += Fraction(1, scale)
    return q


# --------------------------------------------------------------------------------------------
# float64 numbers that decide or are reported: the same on every CPU
# --------------------------------------------------------------------------------------------
#: A float64 number computed through BLAS or numpy's SIMD functions follows the CPU in its last bits (summation
#: order, AVX-512 vs AVX2 kernels): ~10⁻¹⁴ relative where a network's terms cancel.  Before such a number
#: decides anything (which points or boxes to keep, which step to take) it is rounded to KEY_BITS significant
#: bits, and ties are broken by position: values that are equal in exact arithmetic (a climbing proposal that
#: did not move, two mirror-image boxes) then compare equal on every machine except with probability
#: ~10⁻¹⁴ / 2⁻²⁰ ≈ 10⁻⁸ each.  A reported float bound is rounded outward to REPORT_BITS bits (still a bound).
KEY_BITS = 20
REPORT_BITS = 30


def machine_key(values, bits: int = KEY_BITS):
    """``values`` (a float or numpy array) rounded to ``bits`` significant bits, half to even, elementwise:
    a sort or comparison key that does not follow the CPU's last bits (see :data:`KEY_BITS`)."""
    import numpy as np

    m, e = np.frexp(np.asarray(values, dtype=float))
    return np.ldexp(np.round(m * 2.0**bits), e - bits)


def float_up(x: float, bits: int = REPORT_BITS) -> float:
    """The least float with ``bits`` significant bits that is ≥ x (exact: a proved upper bound stays one)."""
    if not math.isfinite(x) or x == 0:
        return x
    m, e = math.frexp(x)
    try:
        return math.ldexp(math.ceil(m * 2.0**bits), e - bits)
    except OverflowError:  # rounding up past the largest float: +inf is still an upper bound
        return math.inf


def float_down(x: float, bits: int = REPORT_BITS) -> float:
    """The largest float with ``bits`` significant bits that is ≤ x."""
    return -float_up(-x, bits) if math.isfinite(x) else x


def floats_up(values, bits: int = REPORT_BITS):
    """:func:`float_up` elementwise over a numpy array (±inf and nan kept): upper bounds stay upper bounds, and
    numbers that differ only in the last bits of a BLAS summation come out equal (but for a ~2^(bits−53) chance)."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    m, e = np.frexp(x)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.ldexp(np.ceil(m * 2.0**bits), e - bits)
    return np.where(np.isfinite(x), out, x)


def floats_down(values, bits: int = REPORT_BITS):
    """:func:`float_down` elementwise over a numpy array."""
    import numpy as np

    return -floats_up(-np.asarray(values, dtype=float), bits)
