r"""Certificate of the depth-2 ridge networks of :mod:`netconstruct.constructions.radial_depth2`.

The construction's identity Q(‖x‖²) − q₀ = Σ_v P_v(⟨v, x⟩) is exact, so

    sup_{‖x‖≤R} |N(x) − g(‖x‖)| ≤ sup_{[0,R]} |Q(r²) − g(r)| + Σ_v sup_{|s|≤‖v‖R} |h_v(s) − P_v(s)| + |b − q₀|,

with h_v the network's stored ridge in direction v (its neurons grouped by direction up to sign) and b
its output bias.  The first term is certified anew by interval arithmetic from the stored Chebyshev
coefficients; each ridge term is bounded exactly (per piece: the larger endpoint gap plus
δ²/8·max|P''|); a direction of the identity the network lacks contributes sup|P_v|.
"""

from __future__ import annotations

from fractions import Fraction

from ..constructions.polyapprox import EvenPolynomial, certify_poly_error
from ..constructions.radial_depth2 import RidgeClass, ideal_profiles, type_vectors
from ..exact import parse_exact, upper_text
from ..network import Network
from ..piecewise import ReluSum
from ..targets import certified_lipschitz
from ..reports import Certificate
from .base import NotCertifiable


def certify(net: Network, target, budget=None) -> Certificate:
    """Proved sup error of a stored depth-2 network built by :func:`build`.

    Re-derives Q (from the stored Chebyshev coefficients, its error certified anew) and the ideal
    profile P_v of every direction from the stored parameters; groups the network's first-layer
    neurons by direction (up to sign) into stored ridges h_v (read from the weights); and bounds
    Σ_v sup |h_v − P_v| exactly (per piece: endpoint gaps + δ²/8·max|P''|).  A direction of the
    identity that the network lacks contributes sup |P_v|.
    """
    params = net.metadata.get("parameters") or {}
    if net.metadata.get("construction") != "radial_depth2" or net.depth != 2 or net.activations != ["relu", "identity"]:
        raise NotCertifiable("not a radial_depth2 network")
    regime, d = params["regime"], int(params["d"])
    cheb = tuple(parse_exact(a) for a in params["chebyshev"])
    R = Fraction(target.radius)
    # the polynomial term needs a *proved* Lipschitz constant: re-prove one when the target's was given
    L = target.lipschitz if target.lipschitz_source.startswith("certified") else certified_lipschitz(target.expression, R)[0]
    poly = EvenPolynomial(R, cheb, certify_poly_error(target, R, cheb, Fraction(1, 10**5), lipschitz=L))
    ideal = {}
    for coef, ext, n, key in ideal_profiles(regime, d, poly):
        for v in type_vectors(key, d) if regime == "dimension" else key:
            ideal[v] = (coef, ext)
    # group stored neurons: direction (canonical sign) → list of (sign, bias, out coefficient)
    W1, (b2,) = net.layers[0].weight, net.layers[1].bias
    out = dict(net.layers[1].weight.row_entries()[0])
    groups: dict[tuple, list] = {}
    for j, row in enumerate(W1.row_entries()):
        if j not in out:
            continue
        v = [0] * d
        for i, a in row:
            v[i] = a
        first = next((a for a in v if a != 0), 0)
        if first == 0:
            raise NotCertifiable(f"neuron {j + 1} has a zero weight vector")
        sign = 1 if first > 0 else -1
        key = tuple(sign * a for a in v)
        groups.setdefault(key, []).append((sign, net.layers[0].bias[j], out[j]))
    total = Fraction(0)
    cache: dict = {}
    for v, terms in groups.items():
        if v not in ideal:
            raise NotCertifiable(f"direction {v} is not one of the construction's")
        coef, ext = ideal[v]
        sig = (coef, ext, tuple(sorted(terms)))
        if sig not in cache:
            cache[sig] = _ridge_gap(coef, ext, terms)
        total += cache[sig]
    for v, (coef, ext) in ideal.items():
        if v not in groups:
            total += sum(abs(c) * ext ** (2 * j) for j, c in enumerate(coef))
    const_gap = abs(Fraction(b2) - Fraction(poly.monomial[0]))
    value = poly.error + total + const_gap
    return Certificate(
        value,
        "exact ridge-by-ridge comparison with the polarisation/cubature identity + interval bound of |Q(r²) − g(r)|",
        {"polynomial_term": upper_text(poly.error), "ridge_term": upper_text(total + const_gap)},
    )


def _ridge_gap(coef, ext: Fraction, terms) -> Fraction:
    """sup_{|s| ≤ ext} |h(s) − P(s)| for h(s) = Σ c·ReLU(sign·s + b), exactly."""
    P = lambda s: sum(c * s ** (2 * j) for j, c in enumerate(coef))  # noqa: E731
    pts = {-ext, ext, Fraction(0)}
    for sg, b, _ in terms:
        k = Fraction(-b) * sg
        if -ext < k < ext:
            pts.add(k)
    pts = sorted(pts)
    if any(Fraction(-b) * sg <= -ext for sg, b, _ in terms):
        pts = [pts[0] - 1] + pts  # the sweep starts below every knot
    hvals = ReluSum(tuple(terms)).values(pts)
    if pts[0] < -ext:
        pts, hvals = pts[1:], hvals[1:]
    rc = RidgeClass(tuple(coef), ext, 1, 1)
    worst = Fraction(0)
    hv = [hs - P(s) for s, hs in zip(pts, hvals)]
    for a, b, ea, eb in zip(pts, pts[1:], hv, hv[1:]):
        lo, hi = (a, b) if a >= 0 else (-b, -a) if b <= 0 else (0, max(-a, b))
        worst = max(worst, max(abs(ea), abs(eb)) + (b - a) ** 2 / 8 * rc.p2_max(lo, hi))
    return worst
