r"""Depth-3 ReLU networks for radial targets f(x) = g(‖x‖) on the ball B_R ⊂ R^d.

The classical construction behind the depth-2/depth-3 separations (Eldan & Shamir, COLT 2016,
Lemma for radial functions; Safran & Shamir, ICML 2017): the first hidden layer sums univariate
approximations of x_i² into S(x) ≈ ‖x‖², the second approximates t ↦ g(√t), the output is linear.

Two knot schemes for the squares (``knots``): "uniform" (below, the textbook construction) and
"geometric" — uniform near 0, geometric above (:mod:`.geometric_knots`), with a radius error proved by
the Lagrangian shell bounds of :mod:`netconstruct.bounds.shells`; size O(d·log(d/ε)/√ε) instead of d^{3/2}/ε.
:func:`plan` picks the smaller by default.

Construction (all numbers exact; uniform knots)
------------------------------------------------
* h = piecewise-linear interpolant of s² at knots kΔ, k = −n…n, Δ = R/n.  Its 2n − 1 interior knots
  become 2n − 1 ReLUs per coordinate; its common linear part −(2n−1)Δ·s is carried for all
  coordinates at once by the single neuron ReLU(Σ_i x_i + B), B ≥ R√d, which is linear on the ball.
* S(x) = Σ_i h(x_i) − c with the centring shift c = dΔ²/16.
* G = interpolant of φ(t) = g(√clip(t, 0, R²)) at τ_k = (kR/M)², k = 0…M (knots uniform in r),
  constant outside [0, R²]: M + 1 ReLUs reading the same S (a rank-one second weight matrix).
* N(x) = G(S(x)).  Neurons: d(2n − 1) + 1 + (M + 1); depth 3.

A-priori bound (proved in ``docs/constructions/radial_depth3.md``)
------------------------------------------------------------------
Write u = Δ√d = R√d/n and e(x) = S(x) − ‖x‖².  Since 0 ≤ h(s) − s² ≤ min(Δ²/4, Δ|s|),

    −u²/16 ≤ e(x) ≤ min(u²/4, u‖x‖) − u²/16,

and a short case analysis gives |√max(‖x‖² + e, 0) − ‖x‖| ≤ u/4 for every x in the ball.  The
interpolation error of G against φ is at most κ₀·L·R/M with κ₀ = max_{v∈[0,1]} v(1−v)(1+2v) ≈ 0.52816
(attained on the first interval; later ones give ≤ L·R/(2M)).  Hence

    sup_{‖x‖≤R} |N(x) − g(‖x‖)|  ≤  L·R·√d/(4n) + κ₀·L·R/M + η,

where η bounds the rounding of the stored values g(r_k) (40 significant digits).  The pair (n, M)
is the one with the fewest neurons among those whose bound is ≤ ε.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction

from .. import algebra
from ..limits import ensure_memory
from ..errors import TooLargeError, UsageError
from ..exact import as_exact, Exact, format_exact, normalize, sqrt_up, to_fraction, upper_text
from ..network import Network
from ..targets import Target
from . import geometric_knots as gk
from .geometric_knots import Knots
from .univariate import interpolant, square_interpolant_at

KAPPA0 = Fraction(52816, 100000)  # ≥ max_{v∈[0,1]} v(1−v)(1+2v) = 0.528157…
STORAGE_BUDGET = Fraction(1, 10**30)
STORED_DIGITS = 40
DEFAULT_MAX_NEURONS = 5_000_000
KNOTS = ("geometric", "uniform")


def kappa0_exact() -> float:
    """max_{v∈[0,1]} v(1−v)(1+2v), attained at v = (1+√7)/6 (for the record and a test)."""
    v = (1 + math.sqrt(7)) / 6
    return v * (1 - v) * (1 + 2 * v)


@dataclass(frozen=True)
class Plan:
    """Uniform knots kR/n: parameters and predicted size, before anything is built."""

    d: int
    eps: Fraction
    radius: Fraction
    lipschitz: Fraction
    n: int
    M: int
    scheme = "uniform"

    @property
    def half_knots(self) -> tuple[Exact, ...]:
        return tuple(normalize(Fraction(k) * self.radius / self.n) for k in range(self.n + 1))

    @property
    def shift(self) -> Exact:
        delta = self.radius / self.n
        return normalize(self.d * delta * delta / 16)

    @property
    def layer1(self) -> int:
        return self.d * (2 * self.n - 1) + 1

    @property
    def layer2(self) -> int:
        return self.M + 1

    @property
    def neurons(self) -> int:
        return self.layer1 + self.layer2

    @property
    def radius_term(self) -> Fraction:
        return self.lipschitz * self.radius * sqrt_up(self.d) / (4 * self.n)

    @property
    def interpolation_term(self) -> Fraction:
        return KAPPA0 * self.lipschitz * self.radius / self.M

    @property
    def bound(self) -> Fraction:
        return self.radius_term + self.interpolation_term + STORAGE_BUDGET

    def memory_bytes(self) -> int:
        """Rough peak memory of building it (exact numbers held as Python objects)."""
        return 400 * self.layer1 + 400 * self.layer2 + 10_000_000


@dataclass(frozen=True)
class GeometricPlan(Plan):
    """Knots uniform near 0 and geometric above (:mod:`.geometric_knots`), with a proved radius error."""

    knots: Knots | None = None
    radius_error: Fraction = Fraction(0)  # δ, proved (radius term = L·δ)
    shells: int = 0
    scheme = "geometric"

    @property
    def half_knots(self) -> tuple[Exact, ...]:
        return tuple(normalize(k) for k in self.knots.knots)

    @property
    def shift(self) -> Exact:
        return normalize(self.knots.shift)

    @property
    def layer1(self) -> int:
        return self.d * (2 * self.knots.interior + 1) + 1

    @property
    def radius_term(self) -> Fraction:
        return self.lipschitz * self.radius_error


def _check(d: int, eps: Exact) -> Fraction:
    if not isinstance(d, int) or isinstance(d, bool) or d <= 0:
        raise UsageError(f"d must be a positive integer, got {d}")
    eps = Fraction(as_exact(eps, "eps"))
    if eps <= 0:
        raise UsageError(f"eps must be > 0, got {float(eps)}")
    return eps


def plan(d: int, eps: Exact, target: Target, knots: str | None = None, max_neurons: int | None = None) -> Plan:
    """The plan with the fewest neurons whose proved bound is ≤ ε: for ``knots`` "uniform" or
    "geometric", or (None) whichever of the two is smaller.  The geometric search gives up beyond
    ``max_neurons`` (then the caller refuses the size)."""
    if knots not in (None,) + KNOTS:
        raise UsageError(f"--knots must be one of {', '.join(KNOTS)}, got {knots!r}")
    cap = 10**9 if max_neurons is None else max_neurons + 1
    least_any, least_uniform = least_neurons(d, eps, target)
    if least_any > cap or (knots == "uniform" and least_uniform > cap):
        least = least_uniform if knots == "uniform" else least_any
        raise TooLargeError(f"the depth-3 network for d={d}, eps={float(Fraction(eps)):.3g} needs at least {least:,.0f} "
                            f"neurons, above --max-neurons {cap - 1:,}")
    if knots == "uniform":
        return plan_uniform(d, eps, target)
    if knots == "geometric" or least_uniform > cap:
        return plan_geometric(d, eps, target, limit=cap)
    uniform = plan_uniform(d, eps, target)
    try:  # the geometric search stops as soon as it cannot beat the uniform plan
        geometric = plan_geometric(d, eps, target, limit=min(uniform.neurons, cap))
    except TooLargeError:
        return uniform
    return min((geometric, uniform), key=lambda p: p.neurons)


def least_neurons(d: int, eps: Exact, target: Target) -> tuple[int, int]:
    """Lower bounds of the neurons of any depth-3 plan and of the uniform one, in closed form (no search):
    every plan needs M ≥ κ₀LR/(ε − storage) second-layer pieces (its interpolation term b/M must stay below the
    whole budget), and the uniform one also n ≥ LR√d/(4(ε − storage)) knots per coordinate.  A refusal that
    rests on these costs microseconds, whatever ε or L (10⁻³⁰⁰, 10³⁰⁰)."""
    eps = _check(d, eps)
    budget = eps - STORAGE_BUDGET
    if budget <= 0:
        raise TooLargeError(f"eps = {float(eps):.3g} is below the rounding budget of the stored weights "
                            f"({float(STORAGE_BUDGET):g})")
    L, R = Fraction(target.lipschitz), Fraction(target.radius)
    m = math.ceil(KAPPA0 * L * R / budget)
    n = math.ceil(L * R * sqrt_up(d) / 4 / budget)
    return m + 2, d * (2 * n - 1) + m + 2


def plan_uniform(d: int, eps: Exact, target: Target) -> Plan:
    """The (n, M) with the fewest neurons whose a-priori bound is ≤ ε (see the module docstring)."""
    eps = _check(d, eps)
    L, R = Fraction(target.lipschitz), Fraction(target.radius)
    a = L * R * sqrt_up(d) / 4  # radius term = a / n
    b = KAPPA0 * L * R  # interpolation term = b / M
    budget = eps - STORAGE_BUDGET
    n = max(1, math.floor(a / budget) + 1)
    best: tuple[int, int, int] | None = None
    for _ in range(10_000_000):
        rest = budget - a / n
        if rest > 0:
            M = max(1, math.ceil(b / rest))
            total = d * (2 * n - 1) + 1 + M + 1
            if best is None or total < best[0]:
                best = (total, n, M)
        if best is not None and d * (2 * n - 1) + 2 > best[0]:
            break
        n += 1
    assert best is not None
    return Plan(d, eps, R, L, best[1], best[2])


@functools.lru_cache(maxsize=64)
def _geometric(d: int, eps: Fraction, L: Fraction, R: Fraction, limit: int) -> GeometricPlan:
    from ..bounds.shells import ball_sum, square_error

    budget = eps - STORAGE_BUDGET
    b = KAPPA0 * L * R
    er = float(budget / L)
    best: GeometricPlan | None = None
    for m, (est, n0, ng, rho, frac) in gk.search(d, R, er, limit):
        if best is not None and d * (2 * m + 1) + 3 > best.neurons:
            break
        if L * Fraction(est) >= budget:
            continue
        # the float estimate never exceeds the proved δ, so this M is a lower bound of the one needed:
        # a candidate that cannot beat the best plan even with it is not worth proving
        if best is not None and d * (2 * m + 1) + 2 + math.ceil(b / (budget - L * Fraction(est))) >= best.neurons:
            continue
        kn = gk.exact_knots(R, n0, ng, rho, (frac * er) ** 2)
        h = square_interpolant_at(kn.knots).relu_sum()
        delta, shells = gk.radius_error(ball_sum(((square_error(h, R), d),)), kn.shift, R)
        rest = budget - L * delta
        if rest <= 0:
            continue
        M = max(1, math.ceil(b / rest))
        p = GeometricPlan(d, eps, R, L, 0, M, kn, delta, shells)
        if best is None or p.neurons < best.neurons:
            best = p
    if best is None:
        searched = min(limit - 1, d * (2 * gk.MAX_INTERIOR + 1))
        raise TooLargeError(f"no depth-3 network with geometric knots for d={d}, eps={float(eps):g} within {searched:,} "
                            f"neurons (the search covers up to {gk.MAX_INTERIOR:,} interior knots per coordinate and "
                            f"--max-neurons {limit - 1:,})")
    return best


def plan_geometric(d: int, eps: Exact, target: Target, limit: int = 10**9) -> GeometricPlan:
    """The geometric knot set (and M) with the fewest neurons whose proved bound is ≤ ε: m = 1, 2, … interior
    knots are tried in turn (:func:`.geometric_knots.search`) until d(2m+1) + 3 exceeds the best plan so far
    (or ``limit``)."""
    eps = _check(d, eps)
    return _geometric(d, eps, Fraction(target.lipschitz), Fraction(target.radius), limit)


def build(d: int, eps: Exact, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS,
          knots: str | None = None) -> Network:
    """Build the depth-3 network of the module docstring, refusing it before allocation if too large."""
    p = plan(d, eps, target, knots, max_neurons)
    if p.neurons > max_neurons:
        raise TooLargeError(
            f"the depth-3 network for d={d}, eps={float(p.eps):g} needs {p.neurons:,} neurons "
            f"(~{p.memory_bytes() / 2**30:.1f} GiB to build), above --max-neurons {max_neurons:,}"
        )
    ensure_memory(p.memory_bytes(), f"the depth-3 network for d={d}, eps={float(p.eps):g} ({p.neurons:,} neurons)")
    R = Fraction(target.radius)
    M = p.M

    # Layer 1: per coordinate, the ReLU part of the interpolant of s²; one shared neuron for the linear part.
    sq = square_interpolant_at(p.half_knots)
    knots, coefs, linear, constant = sq.relu_form()
    per_coordinate = algebra.relu_sum(knots, coefs)
    squares = algebra.sum_outputs(algebra.parallel(*([per_coordinate] * d)))
    B = sqrt_up(d) * R  # Σ x_i ≥ −R√d ≥ −B on the ball
    linear_part = algebra.scale(linear, algebra.shifted_identity(algebra.ones_row(d), [-B]))
    shift = p.shift
    S = algebra.sum_(squares, linear_part, constant=normalize(d * constant - shift))

    # Layer 2: G interpolates g(√t) at t = (kR/M)², constant outside [0, R²].
    tau = [normalize(Fraction(k * k) * R * R / (M * M)) for k in range(M + 1)]
    exact_vals = [target.g_mp(Fraction(k) * R / M, dps=60) for k in range(M + 1)]
    stored = [to_fraction(v, STORED_DIGITS) for v in exact_vals]
    storage_err = max(abs(v - Fraction(s).numerator / v.context.mpf(Fraction(s).denominator)) for s, v in zip(stored, exact_vals))
    G = interpolant(tau, stored)
    gk_, gc, _, gconst = G.relu_form()
    profile = algebra.relu_sum(gk_, gc, gconst)
    net = algebra.compose(profile, S)

    if p.scheme == "uniform":
        formula = "L*R*sqrt(d)/(4n) + kappa0*L*R/M + eta, kappa0 = 0.52816"
        scheme_params = {"n": p.n, "M": M, "delta": format_exact(R / p.n)}
    else:
        formula = "L*delta_r + kappa0*L*R/M + eta, delta_r = proved radius error (Lagrangian shell bounds)"
        scheme_params = {"M": M, "uniform_pieces": p.knots.uniform, "ratio": format_exact(p.knots.ratio),
                         "radius_error": upper_text(p.radius_error), "radius_error_shells": p.shells}
    bound = {
        "sup_error": upper_text(p.bound),
        "radius_term": upper_text(p.radius_term),
        "interpolation_term": upper_text(p.interpolation_term),
        "storage_term": format_exact(STORAGE_BUDGET),
        "storage_error_measured": float(storage_err),
        "formula": formula,
        "norm": "sup over the ball",
    }
    meta = {
        "construction": "radial_depth3",
        "paper": "Eldan & Shamir (COLT 2016); Safran & Shamir (ICML 2017); bound: docs/constructions/radial_depth3.md",
        "parameters": {
            "d": d,
            "eps": format_exact(p.eps),
            "knots": p.scheme,
            **scheme_params,
            "half_line_knots": [format_exact(k) for k in p.half_knots],
            "shift": format_exact(shift),
            "passthrough_bias": format_exact(B),
        },
        "target": target.to_metadata(),
        "bounds": bound,
        "predicted": {"neurons": p.neurons, "layer1": p.layer1, "layer2": len(gk_)},
    }
    return Network(net.layers, meta)
