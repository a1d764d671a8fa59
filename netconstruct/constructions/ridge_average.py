r"""Depth-2 networks for radial targets as an average of one ridge profile over directions (d = 2, 3).

**Identity (Funk–Hecke / Abel).**  For w uniform on S^{d−1} and ‖x‖ = r, ⟨w, x⟩ has the law of r·u with
u's density ∝ (1 − u²)^{(d−3)/2} on [−1, 1].  So f(x) = g(‖x‖) equals E_w ψ(⟨w, x⟩) for an even ψ iff
g(r) = E_u ψ(r u), a one-dimensional Abel-type equation with the solutions

* d = 3 (u uniform; Archimedes):  g(r) = (1/r)∫₀^r ψ  ⇔  ψ(s) = g(|s|) + |s|·g'(|s|);
* d = 2 (u = cos θ):  g(r) = (2/π)∫₀^r ψ(s)(r² − s²)^{−1/2} ds  ⇔
  ψ(s) = d/ds ∫₀^s r g(r)(s² − r²)^{−1/2} dr = ∫₀^{π/2} [sin α·g(s sin α) + s sin²α·g'(s sin α)] dα
  (substitute r = s sin α; both integrands are as smooth as g and g').

**Discretisation** (our construction; Safran, Eldan & Shamir, COLT 2019, prove that depth 2 needs only
poly(1/ε) neurons at fixed d — this is an explicit network in that regime):

* directions: d = 2, N directions θ_k = kπ/N (the trapezoid rule on the circle with ±w merged, ψ even);
  d = 3, a product rule — K levels w₃ = (k + ½)/K (the midpoint rule for the uniform law of w₃) times M
  azimuths, staggered by half a step on odd levels — with ±w merged; every direction weighs 1/n;
  each direction is a *rational* unit vector (rational point of the circle, inverse stereographic
  projection on the sphere) next to the ideal one;
* each ridge is the even piecewise-linear interpolant ψ̃ of ψ at m pieces on [0, R], knots spread so
  that |ψ''|^{1/2} is equidistributed: ψ̃(t) = ψ̃(0) + Σ_j c_j [ReLU(t − s_j) + ReLU(−t − s_j)]
  (s₀ = 0 gives c₀|t|): 2m neurons per direction, n·2m in all;
* N(x) = (1/n) Σ_k ψ̃(⟨w_k, x⟩) + shift, the constant shift centring the error.

**Proof of accuracy.**  Not a priori: every network built is certified by the box certificate
(:mod:`netconstruct.bounds.boxes`, a proof of sup_{‖x‖≤R} |N − f| ≤ value) before it is returned;
the plan's size comes from float64 estimates and is enlarged until the certificate is ≤ ε.  Measured
sizes and the log-log slope in 1/ε are in ``docs/constructions/radial_depth2.md`` and
``docs/performance.md``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from .. import algebra
from ..errors import TooLargeError, UsageError
from ..exact import as_exact, float_up, format_exact, normalize, upper_text
from ..arith import multiprecision
from ..matrix import Coo
from .directions import circle_point, sphere_point
from ..network import Network
from ..targets import Target

DIMENSIONS = (2, 3)
SAFETY = 0.85  # the plan aims for a sampled error ≤ SAFETY·ε, the certificate then proves ≤ ε
DEFAULT_MAX_NEURONS = 200_000
#: the least ε planned at each d: the plan's float search and the box certificate of the result grow fast below
#: it (measured on the 2-core machine: d = 2, ε = 5·10⁻⁴ and d = 3, ε = 0.01 build and certify within a minute or
#: two; d = 2, ε = 10⁻⁴ and d = 3, ε = 0.003 take more than 3 minutes); docs/reliability.md
MIN_EPS = {2: Fraction(1, 2000), 3: Fraction(1, 100)}


# --------------------------------------------------------------------------------------------
# the ridge profile ψ (float64: it only shapes the network; the certificate checks the result)
# --------------------------------------------------------------------------------------------
def profile(d: int, target: Target, s):
    """ψ(s) for s ≥ 0 (numpy array), from the inversion formulas of the module docstring."""
    import numpy as np

    s = np.abs(np.asarray(s, dtype=float))
    if d == 3:
        return target.g_float(s) + s * target.dg_float(s)
    nodes, weights = np.polynomial.legendre.leggauss(96)
    alpha = (nodes + 1) * np.pi / 4
    weights = weights * np.pi / 4
    sa = np.sin(alpha)
    arg = s[:, None] * sa[None, :]
    vals = sa * target.g_float(arg.ravel()).reshape(arg.shape) + s[:, None] * sa**2 * target.dg_float(arg.ravel()).reshape(arg.shape)
    return vals @ weights


@functools.lru_cache(maxsize=1)
def _legendre_nodes() -> tuple:
    """The 96-point Gauss–Legendre rule on [−1, 1] at 40 digits (mpmath's, as (node, weight) pairs)."""
    import mpmath

    ctx = multiprecision(40).ctx
    return tuple(mpmath.calculus.quadrature.GaussLegendre(ctx).calc_nodes(6, ctx.prec))


def profile_values(d: int, target: Target, knots: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    """ψ at the rational ``knots``, by the formulas of :func:`profile` evaluated at 40 digits and rounded to 12
    significant digits: the stored weights come from these, so they are the same on every CPU (numpy's float
    sin/exp differ in the last bit between AVX-512 and AVX2 kernels, and a 12-digit rounding would follow)."""
    mp = multiprecision(40)
    ctx = mp.ctx
    out = []
    for s in knots:
        s_mp = mp.const(abs(Fraction(s)))
        if d == 3:
            v = target.g_mp(s_mp, 40) + s_mp * target.dg_mp(s_mp, 40)
        else:  # ψ(s) = ∫₀^{π/2} [sin α·g(s sin α) + s sin²α·g'(s sin α)] dα, Gauss–Legendre in α
            v = ctx.mpf(0)
            for node, weight in _legendre_nodes():
                sa = ctx.sin((node + 1) * ctx.pi / 4)
                v += weight * (sa * target.g_mp(s_mp * sa, 40) + s_mp * sa * sa * target.dg_mp(s_mp * sa, 40))
            v *= ctx.pi / 4
        out.append(Fraction(ctx.nstr(v, 12, min_fixed=-ctx.inf, max_fixed=ctx.inf) if v else "0"))
    return tuple(out)


def adapted_knots(d: int, target: Target, m: int) -> tuple[Fraction, ...]:
    """m + 1 rational knots 0 = s₀ < … < s_m = R spreading |ψ''|^{1/2} (plus a floor) evenly."""
    import numpy as np

    R = float(target.radius)
    s = np.linspace(0.0, R, 4097)
    p = profile(d, target, s)
    d2 = np.abs(np.gradient(np.gradient(p, s), s))
    dens = np.sqrt(np.minimum(d2, 1e6)) + 0.05 * np.sqrt(max(float(d2.mean()), 1e-6))
    cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(s))])
    raw = np.interp(np.linspace(0, cum[-1], m + 1), cum, s)
    grid = 2**16
    Rq = Fraction(target.radius)
    ticks = sorted({min(max(int(round(v / R * grid)), 0), grid) for v in raw[1:-1]} - {0, grid})
    return (Fraction(0),) + tuple(normalize(Rq * t / grid) for t in ticks) + (normalize(Rq),)


def checked_eps(name: str, dims, min_eps: dict, d: int, eps) -> Fraction:
    """ε read exactly, or a one-line error: a d outside ``dims`` or ε ≤ 0 (UsageError), ε below ``min_eps[d]`` — where
    planning and certifying the network take more than minutes — (TooLargeError, before anything is built)."""
    if d not in dims:
        raise UsageError(f"the {name} construction is for d = {' or '.join(map(str, dims))} (got d = {d}); "
                         f"use --regime dimension or the polynomial cubature for other d")
    eps = Fraction(as_exact(eps, "eps"))
    if eps <= 0:
        raise UsageError("eps must be > 0")
    if eps < min_eps[d]:
        raise TooLargeError(f"the {name} network at d = {d} is built for eps ≥ {float(min_eps[d]):g} (got "
                            f"{float(eps):g}): below, planning and certifying it take more than minutes; use depth 3")
    return eps


def _shift(v: float) -> Fraction:
    """The centring shift (a float64 estimate through BLAS) to 6 significant digits: it only centres the error,
    and 6 digits do not follow the CPU's last bits (a 12-digit rounding would, ~1% of the time)."""
    return Fraction(f"{v:.6g}")


# --------------------------------------------------------------------------------------------
# directions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The direction set: d = 2 uses ``count`` = N; d = 3 uses ``levels`` K × ``azimuths`` M."""

    d: int
    count: int = 0
    levels: int = 0
    azimuths: int = 0

    @property
    def n(self) -> int:
        return self.count if self.d == 2 else self.levels * self.azimuths

    def float_directions(self):
        import numpy as np

        if self.d == 2:
            th = np.arange(self.count) * np.pi / self.count
            return np.stack([np.cos(th), np.sin(th)], 1)
        out = []
        for k in range(self.levels):
            u = (k + 0.5) / self.levels
            ph = 2 * np.pi * (np.arange(self.azimuths) + 0.5 * (k % 2)) / self.azimuths
            c = math.sqrt(1 - u * u)
            out.append(np.stack([c * np.cos(ph), c * np.sin(ph), np.full(self.azimuths, u)], 1))
        return np.concatenate(out)

    def directions(self) -> list[tuple[Fraction, ...]]:
        """The stored rational unit vectors (next to :meth:`float_directions`)."""
        if self.d == 2:
            return [circle_point(Fraction(k, self.count), 2**24) for k in range(self.count)]
        return [sphere_point(Fraction(2 * k + 1, 2 * self.levels), Fraction(2 * j + (k % 2), self.azimuths), 2**22)
                for k in range(self.levels) for j in range(self.azimuths)]

    def to_json(self) -> dict:
        if self.d == 2:
            return {"rule": "equally spaced angles k*pi/N (+-w merged)", "N": self.count}
        return {"rule": "K midpoint levels of w3 x M staggered azimuths (+-w merged)", "K": self.levels, "M": self.azimuths}


# --------------------------------------------------------------------------------------------
# the plan: smallest (directions, pieces) whose float64 error estimate is ≤ SAFETY·ε
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RidgePlan:
    d: int
    eps: Fraction
    layout: Layout
    pieces: int
    estimate: float  # sampled sup error of the float network (after centring)
    shift: float

    @property
    def neurons(self) -> int:
        return 2 * self.pieces * self.layout.n


def _sample_points(d: int, R: float):
    import numpy as np

    rng = np.random.default_rng(12345)
    if d == 2:
        r = np.linspace(0, R, 121)[:, None]
        ph = np.linspace(0, np.pi, 541)[None, :]
        return np.stack([(r * np.cos(ph)).ravel(), (r * np.sin(ph)).ravel()], 1)
    P = rng.standard_normal((12000, 3))
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    P *= R * rng.random((12000, 1)) ** (1 / 3)
    D = rng.standard_normal((150, 3))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    return np.concatenate([P, (np.linspace(0, R, 60)[:, None, None] * D[None]).reshape(-1, 3)])


@functools.lru_cache(maxsize=512)
def _ridge_table(d: int, target: Target, pieces: int):
    """(knots, float values of ψ at them) of the ridge with ``pieces`` pieces (cached per target)."""
    import numpy as np

    knots = adapted_knots(d, target, pieces)
    return knots, profile(d, target, np.array([float(k) for k in knots]))


def _estimate(d: int, target: Target, layout: Layout, pieces: int, X, gx) -> tuple[float, float]:
    """(centred sampled sup error, centring shift) of the float network on the points X."""
    import numpy as np

    knots, vals = _ridge_table(d, target, pieces)
    kn = np.array([float(k) for k in knots])
    W = layout.float_directions()
    step = max(1, 4_000_000 // len(W))
    Q = np.concatenate([np.interp(np.abs(X[a:a + step] @ W.T), kn, vals).mean(1) for a in range(0, len(X), step)])
    e = Q - gx
    shift = -(float(e.max()) + float(e.min())) / 2
    return (float(e.max()) - float(e.min())) / 2, shift


ASPECTS = (2.0, 3.0, 4.0)  # azimuths per level at d = 3
BIG_SCALE = {2: 96, 3: 20}  # direction sets this large leave the ridge's own error dominant


def _layout(d: int, scale: int, aspect: float) -> Layout:
    if d == 2:
        return Layout(2, count=scale)
    return Layout(3, levels=scale, azimuths=max(3, int(round(aspect * scale))))


def plan(d: int, eps, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS) -> RidgePlan:
    """The network of the family with the fewest neurons whose float64 estimate is ≤ SAFETY·ε.

    For each number of pieces (increasing), the smallest direction set that passes is found by
    bisection on its scale (the error falls as directions are added); the search stops once even the
    smallest direction set with that many pieces has more neurons than the best plan found."""
    import numpy as np

    eps = checked_eps("ridge-average", DIMENSIONS, MIN_EPS, d, eps)
    X = _sample_points(d, float(target.radius))
    gx = target.g_float(np.linalg.norm(X, axis=1))
    goal = SAFETY * float(eps)
    best: RidgePlan | None = None
    aspects = (1.0,) if d == 2 else ASPECTS
    for pieces in range(1, 1000):
        smallest = 2 * pieces * _layout(d, 2, min(aspects)).n
        if smallest > max_neurons or (best is not None and smallest >= best.neurons):
            break
        for aspect in aspects:
            cap = max_neurons if best is None else best.neurons - 1
            top = BIG_SCALE[d]
            while top > 2 and 2 * pieces * _layout(d, top, aspect).n > cap:
                top -= 1
            if _estimate(d, target, _layout(d, top, aspect), pieces, X, gx)[0] > goal:
                continue  # even many directions do not help: the ridge needs more pieces
            hi = 2
            while hi < top and _estimate(d, target, _layout(d, hi, aspect), pieces, X, gx)[0] > goal:
                hi = min(2 * hi, top)
            lo = max(1, hi // 2)  # fails (or is below the smallest scale)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _estimate(d, target, _layout(d, mid, aspect), pieces, X, gx)[0] <= goal:
                    hi = mid
                else:
                    lo = mid
            lay = _layout(d, hi, aspect)
            est, shift = _estimate(d, target, lay, pieces, X, gx)
            if est <= goal and (best is None or 2 * pieces * lay.n < best.neurons):
                best = RidgePlan(d, eps, lay, pieces, est, shift)
    if best is None:
        raise TooLargeError(f"no ridge-average network of at most {max_neurons:,} neurons reaches eps = {float(eps):g} "
                            f"(d = {d}) by the float64 estimate")
    return best


def grow(p: RidgePlan, target: Target) -> RidgePlan:
    """The next larger plan, when the certificate of ``p`` exceeded ε: more directions and pieces."""
    import numpy as np

    lay = p.layout
    bigger = (Layout(2, count=math.ceil(lay.count * 1.2) + 1) if lay.d == 2 else
              Layout(3, levels=math.ceil(lay.levels * 1.15) + 1, azimuths=math.ceil(lay.azimuths * 1.15) + 1))
    pieces = math.ceil(p.pieces * 1.15) + 1
    X = _sample_points(p.d, float(target.radius))
    est, shift = _estimate(p.d, target, bigger, pieces, X, target.g_float(np.linalg.norm(X, axis=1)))
    return RidgePlan(p.d, p.eps, bigger, pieces, est, shift)


# --------------------------------------------------------------------------------------------
# the network, written in the algebra
# --------------------------------------------------------------------------------------------
def assemble(p: RidgePlan, target: Target) -> Network:
    """N(x) = (1/n) Σ_k ψ̃(⟨w_k, x⟩) + ψ̃(0) + shift with the even ridge ψ̃ = ψ̃(0) + Σ_j c_j[ReLU(t−s_j) + ReLU(−t−s_j)]."""
    d = p.d
    knots, _ = _ridge_table(d, target, p.pieces)
    vals = list(profile_values(d, target, knots))
    slopes = [(vals[j + 1] - vals[j]) / (knots[j + 1] - knots[j]) for j in range(p.pieces)]
    coefs = [slopes[0]] + [slopes[j] - slopes[j - 1] for j in range(1, p.pieces)]
    half = algebra.relu_sum(knots[:-1], coefs)  # t ↦ Σ_j c_j ReLU(t − s_j)
    n = p.layout.n
    ridges = []
    for w in p.layout.directions():
        for sign in (1, -1):
            row = Coo.from_triplets((1, d), [0] * d, range(d), [sign * a for a in w])
            ridges.append(algebra.compose(half, algebra.affine(row, [0])))
    constant = normalize(vals[0] + _shift(p.shift))
    net = algebra.scale(Fraction(1, n), algebra.sum_(*ridges))
    net = algebra.sum_outputs(net, constant)
    meta = {
        "construction": "ridge_average",
        "paper": "Safran, Eldan & Shamir (COLT 2019), depth 2, poly(1/eps) at fixed d; "
                 "ridge profile by the inverse Funk-Hecke (Abel) transform: docs/constructions/radial_depth2.md",
        "parameters": {
            "d": d,
            "eps": format_exact(p.eps),
            "directions": n,
            "layout": p.layout.to_json(),
            "pieces": p.pieces,
            "knots": [format_exact(k) for k in knots],
            "shift": format_exact(_shift(p.shift)),
        },
        "target": target.to_metadata(),
        "predicted": {"neurons": p.neurons, "sampled_error_float64": float_up(p.estimate)},
    }
    return net.with_metadata(**meta)


@functools.lru_cache(maxsize=64)
def certified(d: int, eps: Fraction, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS) -> Network:
    """:func:`build`, cached per (d, ε, target): ``separation`` asks for the size and then the network."""
    return build(d, eps, target, max_neurons)


def build(d: int, eps, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS, attempts: int = 6,
          seconds: float = 120.0, progress=None) -> Network:
    """Plan, build and *certify*: the returned network carries a proved bound ≤ ε in ``metadata.bounds``."""
    from ..bounds.boxes import certify_any

    p = plan(d, eps, target, max_neurons)
    for _ in range(attempts):
        if p.neurons > max_neurons:
            break
        net = assemble(p, target)
        res = certify_any(net, target, tol=0.0, stop_below=float(p.eps), seconds=seconds, progress=progress)
        if res.stopped == "below":
            return net.with_metadata(bounds={
                "sup_error": upper_text(Fraction(res.upper)),
                "method": "box branch and bound (certificates/boxes.py) at build time",
                "boxes": res.regions,
                "norm": "sup over the ball",
            })
        p = grow(p, target)
    raise TooLargeError(f"the ridge-average network for d={d}, eps={float(Fraction(eps)):g} could not be certified "
                        f"within {max_neurons:,} neurons (last tried {p.neurons:,})")
