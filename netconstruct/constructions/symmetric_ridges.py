r"""Depth-2 networks for radial targets at d = 4, 5: ridges along a direction set symmetric under B_d.

**The network.**  Let V be a union of orbits O of the hyperoctahedral group B_d (sign changes and permutations of
the coordinates, order 2^d·d!) acting on primitive integer vectors, ±v merged: the first L orbits in the order
of their sorted generators 0 ≤ v₁ ≤ … ≤ v_d by largest entry, then lexicographically — (0,…,0,1), (0,…,1,1), …,
(1,…,1), then the vectors of [−2, 2]^d, and so on; L ("orbits") is what the plan chooses.  Every orbit O
gets its own even piecewise-linear profile ψ_O with m uniform pieces on [0, ρ_O], ρ_O ≥ ‖v‖R, and

    N(x) = b + Σ_O Σ_{v ∈ O} ψ_O(⟨v, x⟩),   ψ_O(t) = ψ_O(0) + Σ_{j<m} a_{O,j} [ReLU(t − s_{O,j}) + ReLU(−t − s_{O,j})],

2m neurons per direction.  N is B_d-invariant by construction (each orbit is mapped onto itself, with its
profile), and so is the error N − f for a radial f.

**Why it works** (Safran, Eldan & Shamir, COLT 2019: at fixed d depth 2 needs only poly(1/ε) neurons).  By the
Funk–Hecke identity f(x) = E_w ψ(⟨w, x⟩) for one even profile ψ (the inverse Abel transform of g); a
direction set that integrates smooth functions on the sphere well, with a PL profile per orbit, approximates
that average.  Here the profiles are not computed from the transform but *fitted*: the values ψ_O(s_{O,j}) and
b minimise the largest error over points of the fundamental domain {0 ≤ x₁ ≤ … ≤ x_d} ∩ B_R (a linear
program: N is linear in them; HiGHS), which also absorbs the cubature error and any kink of g.

**Proof of accuracy.**  A posteriori, as for the ridge average: every network built is certified by the box
branch and bound (:mod:`netconstruct.bounds.boxes`) before it is returned.  Its cost does not grow with the
whole ball: the network's B_d-invariance is checked exactly on its neurons (:mod:`netconstruct.bounds.symmetry`),
and only boxes that meet the fundamental domain are bounded — a 1/(2^d·d!) share of the ball (1/384 at d = 4,
1/3840 at d = 5).  The plan's size comes from the fit's sampled error, enlarged until the certificate is ≤ ε.
Sizes and the measured exponent of 1/ε: docs/constructions/radial_depth2.md, docs/performance.md.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

from .. import algebra
from ..errors import TooLargeError
from ..exact import format_exact, machine_key, normalize, upper_text
from ..matrix import Coo
from ..network import Network
from ..targets import Target
from .ridge_average import checked_eps

DIMENSIONS = (4, 5)
SAFETY = 0.85  # the fit aims for a sampled error ≤ SAFETY·ε; the certificate then proves ≤ ε
DEFAULT_MAX_NEURONS = 60_000
MAX_K = {4: 3, 5: 2}  # orbits are drawn from [−K, K]^d
MAX_PIECES = 48
#: the least ε planned at each d (below, the certificate of the result takes more than minutes)
MIN_EPS = {4: Fraction(1, 50), 5: Fraction(1, 20)}


# --------------------------------------------------------------------------------------------
# directions: orbits of B_d
# --------------------------------------------------------------------------------------------
def orbit(v: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The B_d orbit of the integer vector v, ±u merged (each as the member whose first non-zero entry is > 0),
    in a fixed order."""
    out = set()
    for p in set(itertools.permutations(v)):
        for signs in itertools.product((1, -1), repeat=len(v)):
            u = tuple(s * a for s, a in zip(signs, p))
            first = next(a for a in u if a)
            out.add(u if first > 0 else tuple(-a for a in u))
    return sorted(out)


@functools.lru_cache(maxsize=16)
def generators(d: int, K: int) -> tuple[tuple[int, ...], ...]:
    """One sorted non-negative primitive vector 0 ≤ v₁ ≤ … ≤ v_d ≤ K per orbit of V_K (module docstring), by
    increasing max entry, then lexicographically."""
    out = []
    for v in itertools.combinations_with_replacement(range(K + 1), d):
        if v[-1] and math.gcd(*v) == 1:
            out.append(v)
    return tuple(sorted(out, key=lambda v: (v[-1], v)))


def orbit_set(d: int, L: int) -> tuple[tuple[int, ...], ...]:
    """The generators of the first L orbits (module docstring)."""
    return generators(d, MAX_K.get(d, 2))[:L]


def direction_count(d: int, L: int) -> int:
    return sum(len(orbit(v)) for v in orbit_set(d, L))


def _radius(v, R: Fraction) -> Fraction:
    """ρ_O = R·⌈64‖v‖⌉/64 ≥ ‖v‖R: the end of the orbit's profile (rational)."""
    n2 = sum(a * a for a in v)
    q = math.isqrt(64 * 64 * n2)
    if q * q < 64 * 64 * n2:
        q += 1
    return Fraction(R) * q / 64


# --------------------------------------------------------------------------------------------
# the fit (float64 + HiGHS; it shapes the network, the certificate checks the result)
# --------------------------------------------------------------------------------------------
def _points(d: int, R: float):
    """Points of the fundamental domain {0 ≤ x₁ ≤ … ≤ x_d} ∩ B_R: random points of the ball folded into it, rays
    along the orbit generators, and the origin."""
    import numpy as np

    from ..bounds.symmetry import into_domain

    rng = np.random.default_rng(2019)
    P = rng.standard_normal((4000, d))
    P *= R * rng.random((4000, 1)) ** (1 / d) / np.linalg.norm(P, axis=1, keepdims=True)
    S = rng.standard_normal((1500, d))
    S *= R / np.linalg.norm(S, axis=1, keepdims=True)  # the sphere, where errors peak
    rays = []
    for v in generators(d, 2):
        u = np.array(v, float) / np.linalg.norm(v)
        rays.append(np.linspace(0, R, 41)[:, None] * u[None, :])
    return into_domain("hyperoctahedral", np.vstack([P, S, *rays, np.zeros((1, d))]))


def _design(d: int, L: int, m: int, R: float, X):
    """The LP's matrix: column (O, j) = Σ_{v∈O} hat_j(|⟨v, x⟩|) (the PL hat at knot j of the orbit's grid), then a
    column of ones; rounded to 2⁻³⁶ so that BLAS's last bits do not move the LP."""
    import numpy as np

    cols = []
    for g in orbit_set(d, L):
        V = np.array(orbit(g), dtype=float)
        rho = float(_radius(g, Fraction(R)))
        T = np.abs(X @ V.T) / rho * m  # in knot units
        j = np.minimum(np.floor(T).astype(int), m - 1)
        frac = T - j
        block = np.zeros((len(X), m + 1))
        rows = np.repeat(np.arange(len(X)), V.shape[0])
        np.add.at(block, (rows, j.ravel()), (1 - frac).ravel())
        np.add.at(block, (rows, j.ravel() + 1), frac.ravel())
        cols.append(block)
    A = np.hstack(cols + [np.ones((len(X), 1))])
    return np.round(A * 2.0**36) / 2.0**36


@functools.lru_cache(maxsize=256)
def fit(d: int, L: int, m: int, target: Target):
    """(profile values (orbits × (m + 1)), output bias, sampled sup error) minimising the largest error on
    :func:`_points` — a linear program (variables: the values and the bias, and t ≥ |error| at each point)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, hstack as sphstack, vstack as spvstack

    R = float(target.radius)
    X = _points(d, R)
    y = np.round(target.g_float(np.linalg.norm(X, axis=1)) * 2.0**36) / 2.0**36
    A = _design(d, L, m, R, X)
    n = A.shape[1]
    As = csr_matrix(A)
    ones = csr_matrix(np.ones((len(X), 1)))
    # A c − t ≤ y and −A c − t ≤ −y
    G = spvstack([sphstack([As, -ones]), sphstack([-As, -ones])]).tocsr()
    h = np.concatenate([y, -y])
    cost = np.zeros(n + 1)
    cost[-1] = 1.0
    res = linprog(cost, A_ub=G, b_ub=h, bounds=[(None, None)] * n + [(0, None)], method="highs")
    if res.status != 0:
        raise TooLargeError(f"the profile fit failed ({res.message})")
    c = res.x[:n]
    c = np.array([float(f"{v:.10g}") for v in c])  # 10 digits: the same weights whatever the LP's last bits
    err = float(machine_key(np.abs(A @ c - y).max()))  # decides plans: 20 bits, not BLAS's last ones
    values = c[:-1].reshape(L, m + 1)
    values.setflags(write=False)  # cached: shared by the plan and assemble
    return values, float(c[-1]), err


# --------------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SymmetricPlan:
    d: int
    eps: Fraction
    orbits: int  # L
    pieces: int
    estimate: float  # sampled sup error of the fitted network

    @property
    def directions(self) -> int:
        return direction_count(self.d, self.orbits)

    @property
    def neurons(self) -> int:
        return 2 * self.pieces * self.directions


def _check(d: int, eps) -> Fraction:
    return checked_eps("symmetric ridge", DIMENSIONS, MIN_EPS, d, eps)


def _fit_error(d: int, L: int, m: int, target: Target) -> float:
    return fit(d, L, m, target)[2]  # cached with the fit: assemble reuses the plan's LP solution


def plan(d: int, eps, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS, goal_factor: float = SAFETY) -> SymmetricPlan:
    """The (orbits, pieces) with the fewest neurons whose fitted sampled error is ≤ ``goal_factor``·ε: for each
    number of orbits L the least number of pieces by doubling, then bisection (the fitted error falls with the
    pieces until the direction set's own error dominates); L grows until even one piece per ridge has more
    neurons than the best plan found."""
    eps = _check(d, eps)
    goal = goal_factor * float(eps)
    best: SymmetricPlan | None = None
    for L in range(1, len(generators(d, MAX_K[d])) + 1):
        n = direction_count(d, L)
        cap = max_neurons if best is None else best.neurons - 1
        top = min(MAX_PIECES, cap // (2 * n))
        if top < 1:
            break
        if _fit_error(d, L, top, target) > goal:
            continue
        hi = 1
        while hi < top and _fit_error(d, L, hi, target) > goal:
            hi = min(2 * hi, top)
        lo = hi // 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _fit_error(d, L, mid, target) <= goal:
                hi = mid
            else:
                lo = mid
        cand = SymmetricPlan(d, eps, L, hi, _fit_error(d, L, hi, target))
        if best is None or cand.neurons < best.neurons:
            best = cand
    if best is None:
        raise TooLargeError(f"no symmetric ridge network of at most {max_neurons:,} neurons reaches eps = {float(eps):g} "
                            f"at d = {d} by the fit's sampled error")
    return best


# --------------------------------------------------------------------------------------------
# the network, in the algebra
# --------------------------------------------------------------------------------------------
def assemble(p: SymmetricPlan, target: Target) -> Network:
    """N(x) = b + Σ_O Σ_{v∈O} ψ_O(⟨v, x⟩) with the fitted profiles (module docstring)."""
    d, L, m = p.d, p.orbits, p.pieces
    R = Fraction(target.radius)
    values, bias, _ = fit(d, L, m, target)
    ridges = []
    constant = Fraction(repr(bias))
    profiles = []
    for g, vals in zip(orbit_set(d, L), values):
        rho = _radius(g, R)
        knots = [rho * j / m for j in range(m + 1)]
        c = [Fraction(repr(float(v))) for v in vals]
        slopes = [(c[j + 1] - c[j]) / (knots[j + 1] - knots[j]) for j in range(m)]
        coefs = [slopes[0]] + [slopes[j] - slopes[j - 1] for j in range(1, m)]
        half = algebra.relu_sum(knots[:-1], coefs)  # t ↦ Σ_j a_j ReLU(t − s_j)
        members = orbit(g)
        constant += c[0] * len(members)
        for v in members:
            for sign in (1, -1):
                row = Coo.from_triplets((1, d), [0] * d, range(d), [sign * a for a in v])
                ridges.append(algebra.compose(half, algebra.affine(row, [0])))
        profiles.append({"generator": list(g), "directions": len(members), "end": format_exact(rho),
                         "values": [format_exact(v) for v in c]})
    net = algebra.sum_outputs(algebra.sum_(*ridges), normalize(constant))
    meta = {
        "construction": "symmetric_ridges",
        "paper": "Safran, Eldan & Shamir (COLT 2019), depth 2, poly(1/eps) at fixed d; B_d-symmetric ridges with "
                 "fitted profiles: docs/constructions/radial_depth2.md",
        "parameters": {"d": d, "eps": format_exact(p.eps), "orbits": L, "directions": p.directions, "pieces": m,
                       "profiles": profiles, "bias": format_exact(Fraction(repr(bias)))},
        "target": target.to_metadata(),
        "predicted": {"neurons": p.neurons, "sampled_error_float64": p.estimate},
    }
    return net.with_metadata(**meta)


def build(d: int, eps, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS, attempts: int = 4,
          seconds: float = 300.0, progress=None) -> Network:
    """Plan, build and *certify* (box branch and bound on the fundamental domain): the returned network carries a
    proved bound ≤ ε in ``metadata.bounds``; a failed certificate tightens the fit's goal and tries again."""
    from ..bounds.boxes import certify_any

    eps = _check(d, eps)
    factor = SAFETY
    last = None
    for _ in range(attempts):
        p = plan(d, eps, target, max_neurons, factor)
        last = p
        net = assemble(p, target)
        res = certify_any(net, target, tol=0.0, stop_below=float(eps), seconds=seconds, progress=progress)
        if res.stopped == "below" and res.symmetry == "hyperoctahedral":
            return net.with_metadata(bounds={
                "sup_error": upper_text(Fraction(res.upper)),
                "method": "box branch and bound on the fundamental domain of B_d (symmetry checked exactly) at build time",
                "boxes": res.regions,
                "norm": "sup over the ball",
            })
        factor *= 0.8
    raise TooLargeError(f"the symmetric ridge network for d={d}, eps={float(eps):g} could not be certified within "
                        f"{max_neurons:,} neurons (last tried {last.neurons if last else 0:,})")


@functools.lru_cache(maxsize=64)
def certified(d: int, eps: Fraction, target: Target, max_neurons: int = DEFAULT_MAX_NEURONS) -> Network:
    """:func:`build`, cached per (d, ε, target): ``separation`` asks for the size and then the network."""
    return build(d, eps, target, max_neurons)
