r"""Depth-2 ReLU networks for Lipschitz radial targets (Safran, Eldan & Shamir, COLT 2019).

SES 2019 ("Depth Separations in Neural Networks: What is Actually Being Separated?") show that an
O(1)-Lipschitz radial f(x) = g(‖x‖) on the ball is approximated to accuracy ε by a depth-2 network of
size poly(d) for every constant ε, and of size poly(1/ε) for every constant d — but not poly(d, 1/ε)
in general.  This module builds explicit networks in both regimes (our construction; the paper's own
is not reproduced here), from one recipe:

1. **Radial polynomial.** g(r) ≈ Q(r²) with deg Q = K (:mod:`.polyapprox`, certified error η_Q;
   K = O(LR/ε) independent of d).
2. **Exact ridge decomposition.** Q(‖x‖²) − q₀ = Σ_v P_v(⟨v, x⟩) with even polynomials P_v, an
   *exact* identity with rational directions v:

   * ``dimension`` regime — polarisation: x^{2β} = ((2j)!)⁻¹ Σ_v Π_i C(2β_i, β_i+v_i)(−1)^{β_i+v_i} ⟨v,x⟩^{2j}
     over integer v with |v_i| ≤ β_i.  Summed over ‖x‖^{2j} = Σ_{|β|=j} (j!/β!) x^{2β}, the coefficient
     of ⟨v,x⟩^{2j} depends only on the multiset of |v_i| (the direction's *type*) and is read off the
     generating function  (j!/(2j)!)·[z^j] Π_{i∈supp v} B_{|v_i|}(z) · A(z)^{d−|supp v|}.
     Directions: integer vectors with ‖v‖₁ ≤ K, i.e. O(d^K) — **polynomial in d** for fixed ε.
   * ``accuracy`` regime — a centrally symmetric cubature on S^{d−1} exact for degree 2K with
     **rational** unit nodes (t, √(1−t²)·u), t = (1−s²)/(1+s²), and exactly solved rational weights,
     built recursively (product rule); Σ ω⟨w,x⟩^{2k} = c_{k,d}‖x‖^{2k}, c_{k,d} = E_{S^{d−1}} w₁^{2k},
     so P_w = ω·ψ with ψ(s) = Σ_k (q_k/c_{k,d}) s^{2k}.  (2K+1)^{d−1} directions — **polynomial in 1/ε**
     for fixed d.
3. **ReLU ridges.** Each P_v is replaced on [−‖v‖R, ‖v‖R] by its even piecewise-linear interpolant
   h_v(s) = Σ_k c_k [ReLU(s − t_k) + ReLU(−s − t_k)] (2 neurons per knot, knots uniform on [0, ‖v‖R]).

Bound:  sup_{‖x‖≤R} |N(x) − g(‖x‖)| ≤ η_Q + Σ_v sup_{|s|≤‖v‖R} |h_v(s) − P_v(s)|, and on a knot interval
of length δ, |h − P| ≤ δ²/8 · max|P''|.  Knot counts are chosen by a Lagrange rule to minimise
neurons under that budget; the certificate re-derives every P_v from the stored parameters and
bounds the *stored* ridges against it in exact arithmetic.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, permutations
from math import comb, factorial

from ..errors import TooLargeError, UsageError
from ..exact import as_exact, Exact, format_exact, normalize, sqrt_up, upper_text
from ..matrix import Coo
from ..network import Layer, Network
from ..targets import Target
from .directions import circle_point
from .polyapprox import EvenPolynomial, degrees_below, least_degree

REGIMES = ("dimension", "accuracy")
DEFAULT_MAX_NEURONS = 2_000_000


# --------------------------------------------------------------------------------------------
# polarisation (dimension regime)
# --------------------------------------------------------------------------------------------
def _series_mul(a: list[Fraction], b: list[Fraction], K: int) -> list[Fraction]:
    out = [Fraction(0)] * (K + 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b[: K + 1 - i]):
                out[i + j] += x * y
    return out


def _series_pow(a: list[Fraction], n: int, K: int) -> list[Fraction]:
    out = [Fraction(1)] + [Fraction(0)] * K
    base = a
    while n:
        if n & 1:
            out = _series_mul(out, base, K)
        base = _series_mul(base, base, K)
        n >>= 1
    return out


def _B(v: int, K: int) -> list[Fraction]:
    """Σ_{b≥v} C(2b, b+v)(−1)^{b+v} z^b / b!  (v = 0 gives A(z))."""
    return [Fraction(comb(2 * b, b + v) * (-1) ** (b + v), factorial(b)) if b >= v else Fraction(0) for b in range(K + 1)]


def direction_types(K: int, d: int) -> list[tuple[int, ...]]:
    """Multisets of positive integers (sorted, descending) with sum ≤ K and at most d parts."""
    out = []
    for total in range(1, K + 1):
        def parts(n, maxp):
            if n == 0:
                yield ()
                return
            for p in range(min(n, maxp), 0, -1):
                for rest in parts(n - p, p):
                    yield (p,) + rest

        out += [t for t in parts(total, total) if len(t) <= d]
    return out


def type_count(t: tuple[int, ...], d: int) -> int:
    """Number of directions of type t in Z^d, counted up to sign."""
    m = len(t)
    arrangements = factorial(m)
    for v in set(t):
        arrangements //= factorial(t.count(v))
    return comb(d, m) * arrangements * 2**m // 2


def type_coefficients(t: tuple[int, ...], d: int, K: int) -> list[Fraction]:
    """c_j (j = 0…K): coefficient of ⟨v,x⟩^{2j} for each direction of type t (±v merged)."""
    m = len(t)
    series = _series_pow(_B(0, K), d - m, K)
    for v in t:
        series = _series_mul(series, _B(v, K), K)
    return [Fraction(0)] + [2 * Fraction(factorial(j), factorial(2 * j)) * series[j] for j in range(1, K + 1)]


def type_vectors(t: tuple[int, ...], d: int):
    """Every direction of type t, one per ± pair (first non-zero entry positive)."""
    m = len(t)
    for support in combinations(range(d), m):
        for perm in sorted(set(permutations(t))):
            for signs in range(2 ** (m - 1)):
                v = [0] * d
                for k, (i, a) in enumerate(zip(support, perm)):
                    s = -1 if k > 0 and (signs >> (k - 1)) & 1 else 1
                    v[i] = s * a
                yield tuple(v)


# --------------------------------------------------------------------------------------------
# rational sphere cubature (accuracy regime)
# --------------------------------------------------------------------------------------------
def sphere_moment(k: int, d: int) -> Fraction:
    """c_{k,d} = E[w₁^{2k}] for w uniform on S^{d−1} = (2k−1)!! / (d(d+2)…(d+2k−2))."""
    out = Fraction(1)
    for i in range(k):
        out *= Fraction(2 * i + 1, d + 2 * i)
    return out




def _solve(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    n = len(b)
    M = [row[:] + [rhs] for row, rhs in zip(A, b)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


@functools.lru_cache(maxsize=64)
def line_rule(d: int, K: int) -> tuple[tuple[Fraction, Fraction, Fraction], ...]:
    """Symmetric nodes (t, √(1−t²)) and weights for the law of w₁ (w uniform on S^{d−1}), exact for
    even moments up to 2K: nodes 0 and ±t_i, i = 1…K.  Returns (t, √(1−t²), weight of each of ±t)."""
    nodes = [(Fraction(0), Fraction(1))] + [circle_point(Fraction(2 * i - 1, 2 * (2 * K + 1)), 10**6) for i in range(1, K + 1)]
    A = [[(t ** (2 * k)) * (1 if i == 0 else 2) for i, (t, _) in enumerate(nodes)] for k in range(K + 1)]
    w = _solve(A, [sphere_moment(k, d) for k in range(K + 1)])
    return tuple((t, s, wi) for (t, s), wi in zip(nodes, w))


@functools.lru_cache(maxsize=32)
def sphere_rule(d: int, K: int) -> tuple[tuple[tuple[Fraction, ...], Fraction], ...]:
    """Rational unit vectors w (one per ± pair) and weights ω with Σ ω⟨w,x⟩^{2k} = c_{k,d}‖x‖^{2k}, k ≤ K."""
    if d == 1:
        return (((Fraction(1),), Fraction(1)),)
    full: dict[tuple[Fraction, ...], Fraction] = {}
    inner = sphere_rule(d - 1, K)
    for t, s, wt in line_rule(d, K):
        for tt in ((t,) if t == 0 else (t, -t)):
            for u, wu in inner:
                for sign in (1, -1):
                    w = (tt,) + tuple(sign * s * x for x in u)
                    # canonical representative of ±w
                    first = next(x for x in w if x != 0)
                    if first < 0:
                        w = tuple(-x for x in w)
                    full[w] = full.get(w, 0) + wt * wu / 2
    return tuple(sorted((w, normalize(om)) for w, om in full.items() if om != 0))


# --------------------------------------------------------------------------------------------
# ridges and the plan
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RidgeClass:
    """Directions sharing one profile P(s) = Σ_j coef_j s^{2j} on |s| ≤ extent, each with m knots."""

    coef: tuple[Fraction, ...]
    extent: Fraction
    count: int
    m: int
    key: object = None  # the direction type (dimension regime) or the tuple of directions (accuracy)

    def p2_max(self, a: Fraction, b: Fraction) -> Fraction:
        """An upper bound of |P''| on [a, b] ⊂ [0, ∞)."""
        top = max(abs(a), abs(b))
        return sum(abs(c) * 2 * j * (2 * j - 1) * top ** (2 * j - 2) for j, c in enumerate(self.coef) if j >= 1)

    def error(self) -> Fraction:
        """Bound of sup|h − P| for the even interpolant with m uniform pieces on [0, extent].

        Per piece it is δ²/8·max|P''|; the bound of |P''| grows with |s|, so the last piece is the worst.
        """
        delta = self.extent / self.m
        return delta * delta / 8 * self.p2_max(self.extent - delta, self.extent)


@dataclass(frozen=True)
class Plan2:
    regime: str
    d: int
    eps: Fraction
    poly: EvenPolynomial
    classes: tuple[RidgeClass, ...]

    @property
    def neurons(self) -> int:
        return sum(c.count * 2 * c.m for c in self.classes)

    @property
    def directions(self) -> int:
        return sum(c.count for c in self.classes)

    @property
    def ridge_error(self) -> Fraction:
        return sum(c.count * c.error() for c in self.classes)

    @property
    def bound(self) -> Fraction:
        return self.poly.error + self.ridge_error


def ideal_profiles(regime: str, d: int, poly: EvenPolynomial) -> list[tuple[tuple[Fraction, ...], Fraction, int, object]]:
    """(coefficients, extent, count, key) of each ridge class before knots are chosen."""
    K, q, R = poly.degree, poly.monomial, poly.radius
    out = []
    if regime == "dimension":
        for t in direction_types(K, d):
            c = type_coefficients(t, d, K)
            coef = tuple(normalize(Fraction(q[j]) * c[j]) for j in range(K + 1))
            if any(coef[1:]):
                out.append((coef, sqrt_up(sum(a * a for a in t)) * R, type_count(t, d), t))
    else:
        psi = tuple([Fraction(0)] + [Fraction(q[k]) / sphere_moment(k, d) for k in range(1, K + 1)])
        by_weight: dict[Fraction, list] = {}
        for w, om in sphere_rule(d, K):
            by_weight.setdefault(om, []).append(w)
        for om, ws in sorted(by_weight.items()):
            out.append((tuple(normalize(om * a) for a in psi), R, len(ws), tuple(ws)))
    return out


def _knots_for(profiles, budget: Fraction) -> list[int]:
    """m per class by the Lagrange rule  m = a^{1/3} √(Σ n a^{1/3} / E),  a = extent²·max|P''|/8, then fixed up."""
    a = [float(ext * ext * RidgeClass(coef, ext, n, 1).p2_max(0, ext) / 8) for coef, ext, n, _ in profiles]
    s = sum(n * ai ** (1 / 3) for (_, _, n, _), ai in zip(profiles, a))
    ms = [max(1, math.ceil(ai ** (1 / 3) * math.sqrt(s / float(budget)))) for ai in a]
    for _ in range(60):
        total = sum(n * RidgeClass(coef, ext, n, m).error() for (coef, ext, n, _), m in zip(profiles, ms))
        if total <= budget:
            break
        ms = [math.ceil(m * 1.05) + 1 for m in ms]
    return ms


def plan(regime: str, d: int, eps: Exact, target: Target, max_directions: int | None = 2_000_000,
         max_neurons: int | None = None) -> Plan2:
    """Exact size and bound of the depth-2 network, without building it.  Before any degree is certified, the
    least degree that can pass (:func:`.polyapprox.least_degree`, float screening) gives a lower bound of the
    directions and neurons; beyond ``max_directions`` or ``max_neurons`` the plan is refused in milliseconds."""
    if regime not in REGIMES:
        raise UsageError(f"unknown regime {regime!r} (dimension or accuracy)")
    if not isinstance(d, int) or d <= 0:
        raise UsageError(f"d must be a positive integer, got {d}")
    eps = Fraction(as_exact(eps, "eps"))
    if eps <= 0:
        raise UsageError("eps must be > 0")
    best: Plan2 | None = None
    K0 = least_degree(target, eps)
    if K0 is None:
        raise TooLargeError(f"no polynomial degree ≤ 200 reaches ε = {float(eps):g} for this target")
    least = direction_count(regime, d, K0)
    if (max_directions is not None and least > max_directions) or (max_neurons is not None and 2 * least > max_neurons):
        shown = f"{least:,}" if least < 10**15 else f"{float(least):.3g}"
        raise TooLargeError(f"the depth-2 {regime} construction for d={d}, eps={float(eps):g} needs degree ≥ {K0} and "
                            f"≥ {shown} ridge directions (≥ 2 neurons each), above the limit of "
                            f"{max_directions if max_neurons is None else min(max_directions or max_neurons, max_neurons // 2):,}")
    polys = degrees_below(target, eps)
    for poly in polys:
        ndirs = direction_count(regime, d, poly.degree)
        if max_directions is not None and ndirs > max_directions:
            if poly is polys[0]:
                raise TooLargeError(
                    f"the depth-2 {regime} construction for d={d}, eps={float(eps):g} needs degree {poly.degree} "
                    f"and {ndirs:,} ridge directions, above the limit of {max_directions:,}"
                )
            continue
        profiles = ideal_profiles(regime, d, poly)
        budget = eps - poly.error
        ms = _knots_for(profiles, budget)
        p = Plan2(regime, d, eps, poly, tuple(RidgeClass(c, e, n, m, key) for (c, e, n, key), m in zip(profiles, ms)))
        if best is None or p.neurons < best.neurons:
            best = p
    if best is None:
        raise TooLargeError(f"no polynomial degree ≤ 200 reaches ε = {float(eps):g} for this target")
    return best


def direction_count(regime: str, d: int, K: int) -> int:
    if regime == "dimension":
        return sum(type_count(t, d) for t in direction_types(K, d))
    return (2 * K + 1) ** (d - 1)  # each level multiplies by the 2K + 1 nodes of the line rule


def memory_bytes(p: Plan2) -> int:
    """Rough peak memory of :func:`build`: ~300 bytes per stored exact number (Python objects)."""
    per_neuron = (p.poly.degree if p.regime == "dimension" else p.d) + 2
    return 300 * p.neurons * per_neuron + 10_000_000


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def even_ridge(coef: tuple[Fraction, ...], extent: Fraction, m: int) -> tuple[list[Fraction], list[Fraction]]:
    """Knots t_k = k·extent/m (k < m) and coefficients c_k of the even interpolant of P."""
    delta = extent / m
    P = lambda s: sum(c * s ** (2 * j) for j, c in enumerate(coef))  # noqa: E731
    vals = [P(k * delta) for k in range(m + 1)]
    slopes = [(vals[k + 1] - vals[k]) / delta for k in range(m)]
    knots = [normalize(k * delta) for k in range(m)]
    coefs = [normalize(slopes[0])] + [normalize(slopes[k] - slopes[k - 1]) for k in range(1, m)]
    return knots, coefs


def build(regime: str, d: int, eps: Exact, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS) -> Network:
    p = plan(regime, d, eps, target, max_neurons=max_neurons)
    if p.neurons > max_neurons:
        raise TooLargeError(
            f"the depth-2 {regime} network for d={d}, eps={float(p.eps):g} needs {p.neurons:,} neurons "
            f"(degree {p.poly.degree}, {p.directions:,} directions, ~{memory_bytes(p) / 2**30:.1f} GiB to build), "
            f"above --max-neurons {max_neurons:,}"
        )
    rows, cols, vals, bias, out_vals = [], [], [], [], []
    j = 0
    for cls in p.classes:
        knots, coefs = even_ridge(cls.coef, cls.extent, cls.m)
        vectors = type_vectors(cls.key, d) if regime == "dimension" else cls.key
        for v in vectors:
            nz = [(i, a) for i, a in enumerate(v) if a != 0]
            for t, c in zip(knots, coefs):
                for sign in (1, -1):
                    for i, a in nz:
                        rows.append(j)
                        cols.append(i)
                        vals.append(sign * a)
                    bias.append(-t)
                    out_vals.append(c)
                    j += 1
    W1 = Coo.from_triplets((j, d), rows, cols, vals)
    W2 = Coo.from_triplets((1, j), [0] * j, range(j), out_vals)
    meta = {
        "construction": "radial_depth2",
        "paper": "Safran, Eldan & Shamir, COLT 2019 (depth 2, " + ("poly(d) at fixed eps" if regime == "dimension" else "poly(1/eps) at fixed d") + "); docs/constructions/radial_depth2.md",
        "parameters": {
            "regime": regime,
            "d": d,
            "eps": format_exact(p.eps),
            "degree": p.poly.degree,
            "chebyshev": [format_exact(a) for a in p.poly.cheb],
            "directions": p.directions,
            "knots": [c.m for c in p.classes] if len(p.classes) <= 64 else sorted({c.m for c in p.classes}),
        },
        "target": target.to_metadata(),
        "bounds": {
            "sup_error": upper_text(p.bound),
            "polynomial_term": upper_text(p.poly.error),
            "ridge_term": upper_text(p.ridge_error),
            "norm": "sup over the ball",
        },
        "predicted": {"neurons": p.neurons},
    }
    return Network((Layer(W1, tuple(normalize(b) for b in bias), "relu"), Layer(W2, (normalize(p.poly.monomial[0]),), "identity")), meta)
