r"""Depth-3 ReLU networks for radial targets f(x) = g(‖x‖) on the ball B_R ⊂ R^d.

The classical construction behind the depth-2/depth-3 separations (Eldan & Shamir, COLT 2016,
Lemma for radial functions; Safran & Shamir, ICML 2017): the first hidden layer sums univariate
approximations of x_i² into S(x) ≈ ‖x‖², the second approximates t ↦ g(√t), the output is linear.

Construction (all numbers exact)
--------------------------------
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

import math
from dataclasses import dataclass
from fractions import Fraction

from .. import algebra
from ..errors import TooLargeError, UsageError
from ..exact import as_exact, Exact, format_exact, normalize, sqrt_up, to_fraction, upper_text
from ..network import Network
from ..targets import Target
from .univariate import interpolant, square_interpolant

KAPPA0 = Fraction(52816, 100000)  # ≥ max_{v∈[0,1]} v(1−v)(1+2v) = 0.528157…
STORAGE_BUDGET = Fraction(1, 10**30)
STORED_DIGITS = 40
DEFAULT_MAX_NEURONS = 5_000_000


def kappa0_exact() -> float:
    """max_{v∈[0,1]} v(1−v)(1+2v), attained at v = (1+√7)/6 (for the record and a test)."""
    v = (1 + math.sqrt(7)) / 6
    return v * (1 - v) * (1 + 2 * v)


@dataclass(frozen=True)
class Plan:
    """Parameters and predicted size of a depth-3 radial network, before anything is built."""

    d: int
    eps: Fraction
    radius: Fraction
    lipschitz: Fraction
    n: int
    M: int

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


def plan(d: int, eps: Exact, target: Target) -> Plan:
    """The (n, M) with the fewest neurons whose a-priori bound is ≤ ε (see the module docstring)."""
    if not isinstance(d, int) or d <= 0:
        raise UsageError(f"d must be a positive integer, got {d}")
    eps = Fraction(as_exact(eps, "eps"))
    if eps <= 0:
        raise UsageError(f"eps must be > 0, got {float(eps)}")
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


def build(d: int, eps: Exact, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS) -> Network:
    """Build the depth-3 network of the module docstring, refusing it before allocation if too large."""
    p = plan(d, eps, target)
    if p.neurons > max_neurons:
        raise TooLargeError(
            f"the depth-3 network for d={d}, eps={float(p.eps):g} needs {p.neurons:,} neurons "
            f"(~{p.memory_bytes() / 2**30:.1f} GiB to build), above --max-neurons {max_neurons:,}"
        )
    R = Fraction(target.radius)
    n, M = p.n, p.M
    delta = R / n

    # Layer 1: per coordinate, the ReLU part of the interpolant of s²; one shared neuron for the linear part.
    sq = square_interpolant(R, n)
    knots, coefs, linear, constant = sq.relu_form()
    per_coordinate = algebra.relu_sum(knots, coefs)
    squares = algebra.sum_outputs(algebra.parallel(*([per_coordinate] * d)))
    B = sqrt_up(d) * R  # Σ x_i ≥ −R√d ≥ −B on the ball
    linear_part = algebra.scale(linear, algebra.shifted_identity(algebra.ones_row(d), [-B]))
    shift = normalize(d * delta * delta / 16)
    S = algebra.sum_(squares, linear_part, constant=normalize(d * constant - shift))

    # Layer 2: G interpolates g(√t) at t = (kR/M)², constant outside [0, R²].
    tau = [normalize(Fraction(k * k) * R * R / (M * M)) for k in range(M + 1)]
    exact_vals = [target.g_mp(Fraction(k) * R / M, dps=60) for k in range(M + 1)]
    stored = [to_fraction(v, STORED_DIGITS) for v in exact_vals]
    storage_err = max(abs(v - Fraction(s).numerator / v.context.mpf(Fraction(s).denominator)) for s, v in zip(stored, exact_vals))
    G = interpolant(tau, stored)
    gk, gc, _, gconst = G.relu_form()
    profile = algebra.relu_sum(gk, gc, gconst)
    net = algebra.compose(profile, S)

    bound = {
        "sup_error": upper_text(p.bound),
        "radius_term": upper_text(p.radius_term),
        "interpolation_term": upper_text(p.interpolation_term),
        "storage_term": format_exact(STORAGE_BUDGET),
        "storage_error_measured": float(storage_err),
        "formula": "L*R*sqrt(d)/(4n) + kappa0*L*R/M + eta, kappa0 = 0.52816",
        "norm": "sup over the ball",
    }
    meta = {
        "construction": "radial_depth3",
        "paper": "Eldan & Shamir (COLT 2016); Safran & Shamir (ICML 2017); bound: docs/constructions/radial_depth3.md",
        "parameters": {
            "d": d,
            "eps": format_exact(p.eps),
            "n": n,
            "M": M,
            "delta": format_exact(delta),
            "shift": format_exact(shift),
            "passthrough_bias": format_exact(B),
        },
        "target": target.to_metadata(),
        "bounds": bound,
        "predicted": {"neurons": p.neurons, "layer1": p.layer1, "layer2": len(gk)},
    }
    return Network(net.layers, meta)
