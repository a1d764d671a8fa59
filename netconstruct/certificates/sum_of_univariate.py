r"""Rigorous sup-norm error bounds over the ball for depth-3 "sum of univariate pieces" networks.

Structure recognised (in *any* network, not only the ones netconstruct builds): depth 3,
activations (relu, relu, identity), one output, and

* every first-layer neuron reads a single coordinate, or is provably linear on the ball
  (b ≥ R‖w‖, checked exactly), or is constant;
* the second weight matrix has rank one, W₂ = u vᵀ, so every second-layer neuron reads the same
  scalar S(x) = vᵀ y(x).

Then S(x) = Σ_i h_i(x_i) + C with piecewise-linear h_i, and N(x) = G(S(x)) with a piecewise-linear G.
Write e(x) = S(x) − ‖x‖² = C₀ + Σ_i ε_i(x_i), ε_i(s) = h_i(s) − h_i(0) − s².  From exact, per-piece
analysis of the concave quadratics ε_i (rational arithmetic; square roots rounded the safe way):

    β_i = max ε_i,   γ_i = min ε_i,   α_i = sup_{s≠0} ε_i(s)/|s|   on [−R, R],

so, for ‖x‖ = r,   C₀ + Σγ_i ≤ e(x) ≤ C₀ + min(Σβ_i, ‖α₊‖₂ · r)   (Cauchy–Schwarz on Σα_i|x_i|).

On a shell r_a ≤ ‖x‖ ≤ r_b, S also obeys the Lagrangian bounds of :mod:`netconstruct.bounds.shells`
(min_λ [max((1+λ)r_a², (1+λ)r_b²) + Σ_i max_t(ε_i(t) − λt²)] and the matching lower bound), which use that
few coordinates can be large on the ball; the tighter of the two bounds is taken on each side.

For r in [r_a, r_b] the network value lies in G([S_lo, S_hi]) (range of a PL function: exact) and the target in an interval enclosure of g([r_a, r_b]) (mpmath ``iv``); their
largest difference bounds the error on that shell.  A branch-and-bound over shells (bisect the
worst) returns a number that is a proof: sup_{‖x‖≤R} |N(x) − g(‖x‖)| ≤ certificate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..arith import interval_bounds
from ..bounds.shells import ball_sum, few_coordinates, square_error
from ..bounds.interval_max import certified_max
from ..exact import Exact, normalize, sqrt_down, sqrt_up
from ..matrix import Outer
from ..network import Network
from ..piecewise import ReluSum
from ..reports import Certificate
from .base import NotCertifiable


@dataclass(frozen=True)
class RadialStructure:
    """N(x) = G(S(x)), S(x) = Σ_i h_i(x_i) + const, with every h_i and G a :class:`ReluSum`."""

    d: int
    radius: Fraction
    coords: list[ReluSum]
    const: Exact
    G: ReluSum

    def coordinate_knots(self) -> list[list[Fraction]]:
        return [[k for k in h.knots() if -self.radius < k < self.radius] for h in self.coords]


def _rank_one(W) -> tuple[list[Exact], list[tuple[int, Exact]]]:
    """W = u vᵀ exactly, or raise NotCertifiable.  Returns (u, sparse v)."""
    if isinstance(W, Outer):
        if W.left.shape[1] != 1:
            raise NotCertifiable("second weight matrix is factored with rank > 1")
        u = [0] * W.shape[0]
        for r, v in zip(W.left.rows, W.left.values):
            u[r] = v
        return u, list(zip(W.right.cols, W.right.values))
    rows = W.row_entries()
    base = next((row for row in rows if row), None)
    if base is None:
        return [0] * W.shape[0], []
    bdict = dict(base)
    p0, v0 = base[0]
    u = []
    for row in rows:
        if not row:
            u.append(0)
            continue
        if len(row) != len(base) or row[0][0] != p0:
            raise NotCertifiable("second weight matrix does not have rank one")
        f = Fraction(row[0][1]) / v0
        for c, v in row:
            if bdict.get(c) is None or v != f * bdict[c]:
                raise NotCertifiable("second weight matrix does not have rank one")
        u.append(normalize(f))
    return u, list(base)


def analyse(net: Network, radius: Exact) -> RadialStructure:
    """Recognise the structure of the module docstring (raises :class:`NotCertifiable`)."""
    R = Fraction(radius)
    if net.depth != 3 or net.activations != ["relu", "relu", "identity"] or net.output_dim != 1:
        raise NotCertifiable("the certificate needs a depth-3 ReLU network with one output")
    l1, l2, l3 = net.layers
    d = net.input_dim
    u, v = _rank_one(l2.weight)
    vmap = dict(v)
    groups: list[dict] = [dict() for _ in range(d)]
    lin = [Fraction(0)] * d
    const: Exact = 0
    for j, row in enumerate(l1.weight.row_entries()):
        c = vmap.get(j, 0)
        if c == 0:
            continue
        b = l1.bias[j]
        if len(row) == 0:
            const += c * max(b, 0)
        elif len(row) == 1:
            i, w = row[0]
            key = (w, b)
            groups[i][key] = groups[i].get(key, 0) + c
        else:
            norm2 = sum(Fraction(w) ** 2 for _, w in row)
            if b < 0 or b * b < R * R * norm2:
                raise NotCertifiable(f"first-layer neuron {j + 1} reads several coordinates and is not linear on the ball")
            for i, w in row:
                lin[i] += c * w
            const += c * b
    coords = []
    cache: dict = {}
    for i in range(d):
        key = (tuple(sorted(groups[i].items())), lin[i])
        if key not in cache:
            cache[key] = ReluSum(tuple((w, b, c) for (w, b), c in sorted(groups[i].items())), 0, normalize(lin[i]))
        coords.append(cache[key])
    a = {c: val for c, val in l3.weight.row_entries()[0]}
    out_terms = tuple((u[k], l2.bias[k], a.get(k, 0)) for k in range(len(u)) if a.get(k, 0) != 0)
    return RadialStructure(d, R, coords, normalize(const), ReluSum(out_terms, l3.bias[0]))


# --------------------------------------------------------------------------------------------
# exact per-coordinate error analysis
# --------------------------------------------------------------------------------------------
def coordinate_bounds(h: ReluSum, R: Fraction) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """(h(0), β, γ, α) for ε(s) = h(s) − h(0) − s² on [−R, R] (see the module docstring)."""
    beta = Fraction(-(10**30))
    gamma = Fraction(10**30)
    alpha = Fraction(0)
    for p, q, _, slope, off in square_error(h, R).pieces:
        # ε(s) = slope·s + off − s² on [p, q]
        eps_p, eps_q = off + slope * p - p * p, off + slope * q - q * q
        gamma = min(gamma, eps_p, eps_q)
        s_star = min(max(slope / 2, p), q)
        beta = max(beta, off + slope * s_star - s_star * s_star)
        # α: sup of ε(s)/|s|; on the side s > 0 write ε(s)/s = slope + off/s − s, on s < 0 mirror.
        if q <= 0:
            p, q, slope = -q, -p, -slope  # ε(−t)/t = −slope + off/t − t for t ∈ [−q, −p]
        cands = []
        for s in (p, q):
            if s > 0:
                cands.append(slope + off / s - s)
            elif off == 0:
                cands.append(slope)  # limit s → 0⁺ (ε is continuous with ε(0) = 0)
            else:
                cands.append(Fraction(10**30))  # would mean ε(0⁺) ≠ 0: refuse to be clever
        if off < 0:
            st2 = -off  # stationary point s* = √(−off): value slope − 2√(−off)
            if p * p <= st2 <= q * q:
                cands.append(slope - 2 * sqrt_down(st2))
        alpha = max(alpha, max(cands))
    return Fraction(h(0)), beta, gamma, alpha


def certify_radial(
    net: Network,
    g_interval: Callable[[Fraction, Fraction], tuple[Fraction, Fraction]],
    radius: Exact,
    initial_shells: int = 512,
    max_steps: int = 3000,
    structure: RadialStructure | None = None,
    workers: int | None = 1,
) -> Certificate:
    """A proved upper bound of sup_{‖x‖≤R} |N(x) − g(‖x‖)| (see the module docstring).  The initial shells are
    bounded on ``workers`` local processes (each shell's bound is a function of the shell alone: the same value
    anywhere)."""
    R = Fraction(radius)
    st = structure or analyse(net, R)
    counts: dict[int, list] = {}  # distinct coordinate functions (analyse shares equal ones) and multiplicities
    for h in st.coords:
        counts.setdefault(id(h), [h, 0])[1] += 1
    C0 = Fraction(st.const)
    sum_beta = sum_gamma = alpha2 = Fraction(0)
    for h, n in counts.values():
        h0, beta, gamma, alpha = coordinate_bounds(h, R)
        C0 += n * h0
        sum_beta += n * beta
        sum_gamma += n * gamma
        alpha2 += n * alpha * alpha
    alpha_norm = sqrt_up(alpha2) if alpha2 > 0 else Fraction(0)
    e_lo = C0 + sum_gamma
    e_box = C0 + sum_beta
    groups = tuple((square_error(h, R), n) for h, n in counts.values())
    bs = ball_sum(groups)
    few = few_coordinates(groups, R)

    def shell_bound(ra: Fraction, rb: Fraction) -> Fraction:
        t0 = max(ra * ra + e_lo, bs.lower(ra, rb) + C0)
        t1 = rb * rb + min(e_box, C0 + alpha_norm * rb) if alpha_norm else rb * rb + e_box
        t1 = max(min(t1, bs.upper(ra, rb) + C0), t0)
        Gmin, Gmax = st.G.range(t0, t1)
        glo, ghi = g_interval(ra, rb)
        if ghi - Gmin > Gmax - glo:  # the least S is what binds: Lemma G4's exact vertex bound may lower it
            vertex = few.lower(ra, rb)
            if vertex is not None and vertex + C0 > t0:
                t0 = min(vertex + C0, t1)
                Gmin, Gmax = st.G.range(t0, t1)
        return max(Gmax - glo, ghi - Gmin)

    def first(spans):
        import multiprocessing

        from ..parallel import default_workers, run

        n = default_workers() if workers is None else workers
        # the bound is a closure: workers get it by fork (a forkserver or spawn start method would have to pickle it)
        if n <= 1 or len(spans) < 64 or multiprocessing.get_context().get_start_method() != "fork":
            return [shell_bound(lo, hi) for lo, hi in spans]
        parts = [spans[i::n] for i in range(n)]  # interleaved: inner and outer shells cost differently
        done = run(_bound_shells, parts, context=shell_bound, workers=n)
        out: list = [None] * len(spans)
        for i, part in enumerate(done):
            out[i::n] = part
        return out

    value, _, shells, (ra, rb) = certified_max(
        shell_bound, None, Fraction(0), R, pieces=initial_shells, max_steps=max_steps,
        stall_every=200, min_width=R / 2**24, first=first,
    )
    levels = sorted({float(k) for ks in st.coordinate_knots() for k in ks if k > 0})
    members = [[i for i, h in enumerate(st.coords) if id(h) == key] for key in counts]
    points = tuple(p for r in (ra, (ra + rb) / 2, rb) if (p := _lowest_point(st, few, members, float(r))) is not None)
    return Certificate(
        value,
        "exact per-coordinate analysis + interval enclosure of g over shells (branch and bound)",
        {"shells": shells, "worst_shell_radius": float((ra + rb) / 2), "S_minus_norm2_range": [float(e_lo), float(e_box)]},
        tuple(levels),
        points,
    )


def _bound_shells(shell_bound, spans) -> list[Fraction]:
    """The bounds of the shells ``spans`` (a worker's share of the initial shells)."""
    return [shell_bound(lo, hi) for lo, hi in spans]


def _lowest_point(st: RadialStructure, few, members: list[list[int]], r: float) -> tuple | None:
    """The point of the sphere ‖x‖ = r where S is least (the vertex of :class:`~netconstruct.bounds.shells.FewCoordinates`),
    each coordinate given the sign at which its h is smaller — a structured candidate for the worst error."""
    groups = few.minimiser(r)
    if groups is None:
        return None
    x = [0.0] * st.d
    for g, us in groups:
        for i, u in zip(members[g], us):
            t = math.sqrt(max(u, 0.0))
            h = st.coords[i]
            x[i] = t if float(h(Fraction(t))) <= float(h(Fraction(-t))) else -t
    norm = math.sqrt(sum(v * v for v in x))
    if norm > float(st.radius):
        x = [v * float(st.radius) / norm * (1 - 1e-15) for v in x]
    return tuple(x)


def target_interval(target, prec: int = 113) -> Callable[[Fraction, Fraction], tuple[Fraction, Fraction]]:
    """g over [a, b] as exact rational endpoints of an outward-rounded enclosure."""

    def f(a: Fraction, b: Fraction):
        return interval_bounds(target.g_interval(a, b, prec))

    return f


def certify(net: Network, target, budget=None) -> Certificate:
    """The registry entry: this certificate for ``net`` against the radial ``target`` (its initial shells on
    ``budget.workers`` local processes; with a Dask scheduler here)."""
    workers = 1 if budget is None or budget.scheduler else budget.workers
    return certify_radial(net, target_interval(target), target.radius, workers=workers)
