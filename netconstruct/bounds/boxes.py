r"""Certificate of *any* feed-forward ReLU network against a radial target: branch and bound over boxes.

**Statement.**  Let N be a network of affine layers with ReLU (or identity) hidden activations and one
output, f(x) = g(‖x‖) on the ball B_R.  :func:`bound_boxes` returns, for each axis-parallel box
X = c + [−h, h], numbers lo(X) ≤ hi(X) with

    lo(X) ≤ N(x) − g(‖x‖) ≤ hi(X)   for every x ∈ X ∩ B_R,

and :func:`certify_any` splits boxes (the largest bound first) until the bounds over a cover of the ball
meet the best error found, or the budget is spent; its value max_X max(hi(X), −lo(X)) is a proved upper
bound of sup_{B_R} |N − f|.

**The bound on one box** (CROWN-style back-substitution, Zhang et al. 2018):

1. Pre-activation bounds of layer 1 are exact on the box: W₁c + b₁ ± |W₁|h.  Each ReLU with bounds
   [l, u] gets linear relaxations s_l·z ≤ ReLU(z) ≤ s_u·z + t_u (s_u = u/(u − l), t_u = −s_u·l on unstable
   neurons, s_l ∈ {0, 1} the adaptive lower slope; exact on stable ones).
2. Bounds of deeper pre-activations, and finally of N itself, are linear functions Λ·x + β of the input,
   obtained by substituting the relaxations layer by layer from the top (positive coefficients take the
   upper relaxation for an upper bound, negative ones the lower).
3. g(‖x‖) is bounded by a linear function too: with ρ_c = ‖c‖, ĉ = c/ρ_c, and ρ = ‖x‖,
   ρ − ρ_c − ⟨ĉ, x − c⟩ ∈ [0, ‖x − c‖²/(2(ρ_c − ‖x − c‖))]   (Cauchy–Schwarz; ρ_c > ‖h‖),
   and g(ρ) = g(ρ_j) + g'(ρ_j)(ρ − ρ_j) ± ½ max|g''|(ρ − ρ_j)² at the grid point ρ_j nearest to ρ_c
   (:mod:`.profile_tables`).  So N(x) − g(‖x‖) ≤ (Λ − g'(ρ_j)ĉ)·(x − c) + const + O(‖h‖²), whose maximum
   over the box is exact: Σ|Λ_i − g'ĉ_i|h_i.  Where this is not available (boxes near the origin, a kink
   of g) the zeroth-order bound max_X(Λx + β) − min g(ρ-range) is used; the smaller bound wins.

**Rounding.**  Everything is float64.  Each computed linear combination Σ a_i b_i of n terms differs
from the exact one by at most γ·Σ|a_i||b_i| (γ = 2(n + 8)·2⁻⁵³ with n the widest fan-in, which also covers
the rounding of the exact rational weights to float64, |w − fl(w)| ≤ 2⁻⁵³|fl(w)|); the same combinations
in absolute values are carried along and γ times them is added to every upper bound and subtracted from
every lower bound, and the ReLU upper relaxations are lifted by that much too so that they stay above
ReLU on [l, u].  So every returned bound holds for the network with its *exact* weights.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ..errors import NotCertifiable, TooLargeError
from ..exact import float_down, float_up, machine_key
from ..matrix import as_coo
from ..network import Network
from .profile_tables import profile_table

U = 2.0**-53


@dataclass(frozen=True, eq=False)
class FloatNet:
    """The network's float64 weights, with what the rounding bounds need."""

    weights: tuple  # dense numpy arrays W_k (n_k × n_{k−1})
    abs_weights: tuple
    biases: tuple
    abs_biases: tuple
    relu: tuple  # per hidden layer: True for ReLU, False for identity
    gamma: float

    @property
    def input_dim(self) -> int:
        return self.weights[0].shape[1]

    @property
    def widths(self) -> list[int]:
        return [w.shape[0] for w in self.weights]


def float_net(net: Network) -> FloatNet:
    """Dense float64 weights of ``net``, or :class:`NotCertifiable` when the certificate does not apply."""
    import numpy as np

    if net.output_dim != 1:
        raise NotCertifiable(f"the network has {net.output_dim} outputs (one is needed)")
    acts = net.activations
    if acts[-1] != "identity" or any(a not in ("relu", "identity") for a in acts[:-1]):
        raise NotCertifiable(f"the box certificate needs ReLU/identity hidden layers and a linear output ({', '.join(acts)})")
    entries = sum(layer.n_in * layer.n_out for layer in net.layers)
    if entries > 50_000_000:
        raise TooLargeError(f"the box certificate would hold {entries:,} dense weights (about {8 * entries / 2**30:.1f} GiB)")
    Ws, bs = [], []
    for layer in net.layers:
        W = np.zeros(layer.weight.shape)
        coo = as_coo(layer.weight)
        try:
            for r, c, v in zip(coo.rows, coo.cols, coo.values):
                W[r, c] = float(v)
            bs.append(np.array([float(b) for b in layer.bias]))
        except OverflowError:
            raise NotCertifiable("a weight or bias is beyond float64's range") from None
        Ws.append(W)
    fan_in = max(max(w.shape[1] for w in Ws), max(w.shape[0] for w in Ws)) + 1
    gamma = 2 * (fan_in + 8) * U / (1 - 2 * (fan_in + 8) * U)
    return FloatNet(tuple(Ws), tuple(np.abs(W) for W in Ws), tuple(bs), tuple(np.abs(b) for b in bs),
                    tuple(a == "relu" for a in acts[:-1]), gamma)


def _relaxation(l, u, relu: bool, gamma: float):
    """(s_lower, s_upper, t_upper) with s_l·z ≤ σ(z) ≤ s_u·z + t_u for z ∈ [l, u] (arrays)."""
    import numpy as np

    if not relu:
        one = np.ones_like(l)
        return one, one, np.zeros_like(l)
    active = l >= 0
    dead = u <= 0
    unstable = ~(active | dead)
    width = np.where(unstable, u - l, 1.0)
    su = np.where(active, 1.0, np.where(unstable, u / width, 0.0))
    tu = np.where(unstable, -su * l, 0.0)
    # lift the chord so that its float version stays above ReLU at both ends of [l, u]
    tu = tu + np.where(unstable, 4 * gamma * (np.abs(tu) + np.abs(u)), 0.0)
    sl = np.where(active, 1.0, np.where(unstable & (u >= -l), 1.0, 0.0))
    return sl, su, tu


def _backsub(fn: FloatNet, lam, top: int, relax, mags, upper: bool):
    """Substitute from the pre-activations of layer ``top`` (0-based; ``lam`` (B, m, n_top) on its inputs
    h_{top−1}) down to the input.  Returns (Λ on x (B, m, d), constant (B, m), margin (B, m))."""
    import numpy as np

    g = fn.gamma
    B, m = lam.shape[0], lam.shape[1]
    const = np.zeros((B, m))
    margin = np.zeros((B, m))
    for k in range(top - 1, -1, -1):  # lam is on h_k = σ(z_k), z_k = W_k h_{k−1} + b_k
        sl, su, tu = relax[k]
        pos, neg = np.maximum(lam, 0.0), np.minimum(lam, 0.0)
        if upper:
            lz = pos * su[:, None, :] + neg * sl[:, None, :]
            const += np.einsum("bmn,bn->bm", pos, tu)
            margin += g * np.einsum("bmn,bn->bm", pos, np.abs(tu))
        else:
            lz = pos * sl[:, None, :] + neg * su[:, None, :]
            const += np.einsum("bmn,bn->bm", neg, tu)
            margin += g * np.einsum("bmn,bn->bm", -neg, np.abs(tu))
        alz = np.abs(lz)
        margin += g * np.einsum("bmn,bn->bm", alz, mags[k + 1])  # rounding of lz itself, on |z_k|
        const += np.einsum("bmn,n->bm", lz, fn.biases[k])
        # |Λ||W||h| over the box covers the rounding of Λ·W and of the float weights
        margin += g * (np.einsum("bmn,n->bm", alz, fn.abs_biases[k]) + np.einsum("bmn,nj,bj->bm", alz, fn.abs_weights[k], mags[k]))
        lam = np.einsum("bmn,nj->bmj", lz, fn.weights[k])
    return lam, const, margin


def _network_bounds(fn: FloatNet, C, H):
    """Linear bounds of N on the boxes: (Λ_u, β_u, Λ_l, β_l), each β with its rounding margin folded in."""
    import numpy as np

    g = fn.gamma
    B = C.shape[0]
    mags = [np.abs(C) + H]  # |h_k| bounds: inputs, then post-activations
    relax = []
    L = len(fn.weights)
    for k in range(L - 1):
        if k == 0:
            mid = C @ fn.weights[0].T + fn.biases[0]
            rad = H @ fn.abs_weights[0].T
            err = g * ((np.abs(C) + H) @ fn.abs_weights[0].T + fn.abs_biases[0])
            l, u = mid - rad - err, mid + rad + err
        else:
            lam = np.broadcast_to(fn.weights[k], (B,) + fn.weights[k].shape)
            lu, cu, mu = _backsub(fn, lam, k, relax, mags, True)
            ll, cl, ml = _backsub(fn, lam, k, relax, mags, False)
            u = np.einsum("bmj,bj->bm", lu, C) + np.einsum("bmj,bj->bm", np.abs(lu), H) + cu + fn.biases[k]
            l = np.einsum("bmj,bj->bm", ll, C) - np.einsum("bmj,bj->bm", np.abs(ll), H) + cl + fn.biases[k]
            eu = mu + g * (np.einsum("bmj,bj->bm", np.abs(lu), np.abs(C) + H) + np.abs(cu) + fn.abs_biases[k])
            el = ml + g * (np.einsum("bmj,bj->bm", np.abs(ll), np.abs(C) + H) + np.abs(cl) + fn.abs_biases[k])
            u, l = u + eu, l - el
        relax.append(_relaxation(l, u, fn.relu[k], g))
        post_hi = np.maximum(np.abs(l), np.abs(u))
        mags.append(post_hi)
    lam = np.broadcast_to(fn.weights[-1], (B,) + fn.weights[-1].shape)
    lu, cu, mu = _backsub(fn, lam, L - 1, relax, mags, True)
    ll, cl, ml = _backsub(fn, lam, L - 1, relax, mags, False)
    b = fn.biases[-1][0]
    ab = fn.abs_biases[-1][0]
    mu = mu[:, 0] + g * (np.abs(cu[:, 0]) + ab)
    ml = ml[:, 0] + g * (np.abs(cl[:, 0]) + ab)
    return lu[:, 0, :], cu[:, 0] + b + mu, ll[:, 0, :], cl[:, 0] + b - ml


def _radius_range(C, H, R: float):
    """[ρ_lo, ρ_hi] of ‖x‖ over box ∩ ball (outward by a few ulps)."""
    import numpy as np

    near = np.maximum(np.abs(C) - H, 0.0)
    far = np.abs(C) + H
    lo = np.sqrt((near * near).sum(1)) * (1 - 4 * U * (C.shape[1] + 2))
    hi = np.minimum(np.sqrt((far * far).sum(1)) * (1 + 4 * U * (C.shape[1] + 2)), R)
    return lo, hi


def bound_boxes(fn: FloatNet, table, C, H, linear_target: bool = True):
    """(lo, hi) with lo ≤ N(x) − g(‖x‖) ≤ hi on each box ∩ ball (see the module docstring); without
    ``linear_target`` only the zeroth-order bound of g (its range on the radius interval) is used."""
    import numpy as np

    g = fn.gamma
    lu, bu, ll, bl = _network_bounds(fn, C, H)
    rlo, rhi = _radius_range(C, H, table.radius)
    glo, ghi = table.g_range(rlo, rhi)
    # zeroth order: max over the box of the linear bounds minus the range of g
    up0 = np.einsum("bj,bj->b", lu, C) + np.einsum("bj,bj->b", np.abs(lu), H)
    lo0 = np.einsum("bj,bj->b", ll, C) - np.einsum("bj,bj->b", np.abs(ll), H)
    scale_u = np.einsum("bj,bj->b", np.abs(lu), np.abs(C) + H)
    scale_l = np.einsum("bj,bj->b", np.abs(ll), np.abs(C) + H)
    hi = up0 + bu - glo + g * scale_u
    lo = lo0 + bl - ghi - g * scale_l
    # second order where ρ_c > 2‖h‖ and g'' is bounded on the radius range
    rc = np.sqrt((C * C).sum(1))
    hn = np.sqrt((H * H).sum(1)) * (1 + 8 * U * (C.shape[1] + 2))
    ok = (rc > 2 * hn) & linear_target
    if ok.any():
        step = table.step
        j = np.clip(np.rint(rc / step).astype(int), 0, table.cells)
        rj = j * step
        span_lo, span_hi = np.minimum(rlo, rj), np.maximum(rhi, rj)
        k2 = table.curvature(span_lo, span_hi)
        ok &= np.isfinite(k2)
    if ok.any():
        idx = np.nonzero(ok)[0]
        Cs, Hs, rcs, hns = C[idx], H[idx], rc[idx], hn[idx]
        ch = Cs / rcs[:, None]
        m = (table.dg_lo[j[idx]] + table.dg_hi[j[idx]]) / 2
        m_rad = (table.dg_hi[j[idx]] - table.dg_lo[j[idx]]) / 2
        g0_lo, g0_hi = table.g_lo[j[idx]], table.g_hi[j[idx]]
        off = rcs - rj[idx]  # ρ_c − ρ_j
        # ρ − ρ_c = ⟨ĉ, x − c⟩ + q, 0 ≤ q ≤ qmax; |ρ − ρ_j| ≤ dmax
        qmax = hns * hns / (2 * (rcs - hns))
        dmax = hns + np.abs(off)
        rem = 0.5 * k2[idx] * dmax * dmax + m_rad * dmax  # curvature + width of the g' enclosure
        # N − g ≤ (Λ_u − mĉ)(x − c) + Λ_u·c + β_u − g0 − m·off − m·q + rem
        cu_ = np.einsum("bj,bj->b", lu[idx], Cs) + bu[idx]
        cl_ = np.einsum("bj,bj->b", ll[idx], Cs) + bl[idx]
        slope_u = np.einsum("bj,bj->b", np.abs(lu[idx] - m[:, None] * ch), Hs)
        slope_l = np.einsum("bj,bj->b", np.abs(ll[idx] - m[:, None] * ch), Hs)
        mq_lo, mq_hi = np.minimum(m * qmax, 0.0), np.maximum(m * qmax, 0.0)
        sc = (np.abs(cu_) + np.abs(cl_) + scale_u[idx] + scale_l[idx] + np.abs(g0_hi) + np.abs(m) * (rcs + hns + np.abs(off)) + 1.0)
        marg = 4 * g * sc + 16 * U * np.abs(m) * (rcs + hns) * Cs.shape[1]
        hi2 = cu_ + slope_u - g0_lo - m * off - mq_lo + rem + marg
        lo2 = cl_ - slope_l - g0_hi - m * off - mq_hi - rem - marg
        hi[idx] = np.minimum(hi[idx], hi2)
        lo[idx] = np.maximum(lo[idx], lo2)
    return lo, hi


@dataclass(frozen=True)
class BoxResult:
    """Outcome of :func:`certify_any`: ``upper`` is proved; ``lower`` the worst float64 error at a box centre."""

    upper: float
    lower: float
    worst_point: tuple
    regions: int  # boxes bounded
    live: int  # boxes in the final cover
    seconds: float
    stopped: str  # "tolerance", "below", "above", "regions", "time"
    probe_points: tuple = field(default=(), compare=False)


def _initial(d: int, R: float, per_axis: int):
    import numpy as np

    import itertools

    k = per_axis  # k^d boxes: 16, 8², 4³, 2⁴ for d ≤ 4, one box beyond (no numpy limit on the number of axes)
    ticks = (np.arange(k) + 0.5) / k * 2 * R - R
    C = np.array(list(itertools.product(ticks.tolist(), repeat=d)), dtype=float).reshape(k**d, d)
    H = np.full_like(C, R / k)
    return C, H


#: a branch-and-bound step's boxes are bounded in at most this many pieces (in parallel where there are workers);
#: the cut does not depend on the workers, and :func:`bound_boxes` treats every box alone, so neither the cut nor
#: the backend changes a single bound
PIECES_PER_STEP = 4
#: a step of fewer (boxes × widest layer) units than this (≈ 10 ms of bounding) is bounded in this process
_INLINE_WORK = 250_000


def _bound_piece(context, piece) -> tuple:
    """:func:`bound_boxes` on one piece of a step (``context`` = (float net, profile table, linear_target),
    ``piece`` = (centres, half-widths))."""
    fn, table, linear_target = context
    return bound_boxes(fn, table, piece[0], piece[1], linear_target)


def certify_any(net: Network, target, tol: float = 1e-3, stop_below: float | None = None,
                max_regions: int = 2_000_000, seconds: float = 60.0,
                progress: Callable[[str], None] | None = None, linear_target: bool = True,
                workers: int | None = 1, scheduler: str | None = None, atol: float = 0.0) -> BoxResult:
    """Branch and bound over boxes covering the ball (see the module docstring).

    Stops when the proved bound is within ``tol`` (relative) plus ``atol`` (absolute) of the worst error found at a
    box centre, upper ≤ lower·(1 + tol) + atol ("tolerance"), when it is ≤ ``stop_below`` ("below"), when the error found exceeds ``stop_below``
    ("above"), or when ``max_regions`` boxes were bounded or ``seconds`` passed (the bound is then still
    valid, only looser).  ``linear_target=False`` is the plain CROWN baseline of the benchmark (g bounded by
    its range on each box).  Each step's boxes are bounded in up to :data:`PIECES_PER_STEP` pieces by
    :mod:`netconstruct.parallel` (``workers`` local processes or a Dask ``scheduler``): the same steps and
    the same bounds whatever the backend, so a run stopped by its box budget gives the same bytes."""
    import numpy as np

    from ..parallel import executor

    fn = float_net(net)
    d = fn.input_dim
    R = float(target.radius)
    if Fraction(R) != Fraction(target.radius):
        R = math.nextafter(R, math.inf)
    table = profile_table(target.expression, Fraction(target.radius), Fraction(target.lipschitz))
    t0 = time.monotonic()
    per_axis = {1: 16, 2: 8, 3: 4, 4: 2}.get(d, 1)
    C, H = _initial(d, R, per_axis)
    widest = sum(w.shape[0] * w.shape[1] for w in fn.weights[1:]) + fn.weights[0].shape[0] * (d + 4)
    batch = int(max(16, min(8192, 3_000_000 // max(1, widest))))

    part = max(16, -(-batch // PIECES_PER_STEP))  # a step bounds ≤ batch boxes: ≤ PIECES_PER_STEP pieces

    def evaluate(C, H):
        if not len(C):
            return np.zeros(0)
        out = ex.map(_bound_piece, [(C[s:s + part], H[s:s + part]) for s in range(0, len(C), part)],
                     here=len(C) * widest < _INLINE_WORK)  # a tiny step: cheaper here than a round trip
        lo, hi = np.concatenate([a for a, _ in out]), np.concatenate([b for _, b in out])
        # boxes outside the ball carry no constraint
        rlo, _ = _radius_range(C, H, R)
        outside = rlo > R
        return np.where(outside, -np.inf, np.maximum(hi, -lo))

    def centre_points(C):
        """Box centres, those outside the ball moved radially onto its sphere (points of the ball)."""
        r = np.linalg.norm(C, axis=1, keepdims=True)
        return np.where(r > R, C * (R / np.maximum(r, 1e-300)) * (1 - 1e-15), C)

    def centre_errors(C):
        P = centre_points(C)
        return np.abs(net(P)[:, 0] - target.g_float(np.linalg.norm(P, axis=1)))

    ex = executor((fn, table, linear_target), workers, scheduler, PIECES_PER_STEP)
    with ex:  # one set of workers (or one Dask client) for every step
        Ub = evaluate(C, H)
        keep = np.isfinite(Ub)
        C, H, Ub = C[keep], H[keep], Ub[keep]
        ce = centre_errors(C)
        best_i = int(np.argmax(machine_key(ce)))  # the first of the largest, the same on every CPU
        best, best_x = float(ce[best_i]), centre_points(C[best_i:best_i + 1])[0]
        regions = len(C)
        pruned = -np.inf
        stopped = "tolerance"
        last_report = t0
        while True:
            top = float(Ub.max()) if len(Ub) else -np.inf
            if top <= best * (1 + tol) + atol + 1e-15:
                stopped = "tolerance"
                break
            if stop_below is not None and max(top, pruned) <= stop_below:
                stopped = "below"
                break
            if stop_below is not None and best > stop_below:
                stopped = "above"
                break
            if regions >= max_regions:
                stopped = "regions"
                break
            if time.monotonic() - t0 > seconds:
                stopped = "time"
                break
            # prune boxes that cannot beat the error already found (their bound is ≤ the true sup)
            drop = Ub <= best
            if drop.any():
                pruned = max(pruned, float(Ub[drop].max()))
                C, H, Ub = C[~drop], H[~drop], Ub[~drop]
                if not len(Ub):
                    continue
            n = min(len(Ub), max(batch // 2, 1))
            # the n largest bounds, ties (mirror-image boxes) by position: the same boxes on every CPU
            sel = np.argsort(-machine_key(Ub), kind="stable")[:n] if n < len(Ub) else np.arange(len(Ub))
            rest = np.ones(len(Ub), bool)
            rest[sel] = False
            Cs, Hs = C[sel], H[sel]
            axis = np.argmax(Hs, axis=1)
            Hn = Hs.copy()
            Hn[np.arange(n), axis] /= 2
            off = np.zeros_like(Hs)
            off[np.arange(n), axis] = Hn[np.arange(n), axis]
            Cn = np.concatenate([Cs - off, Cs + off])
            Hn = np.concatenate([Hn, Hn])
            Un = evaluate(Cn, Hn)
            regions += len(Cn)
            keep = np.isfinite(Un)
            Cn, Hn, Un = Cn[keep], Hn[keep], Un[keep]
            ce = centre_errors(Cn)
            if len(ce) and machine_key(ce.max()) > machine_key(best):
                i = int(np.argmax(machine_key(ce)))
                best, best_x = float(ce[i]), centre_points(Cn[i:i + 1])[0]
            C = np.concatenate([C[rest], Cn])
            H = np.concatenate([H[rest], Hn])
            Ub = np.concatenate([Ub[rest], Un])
            if progress is not None and time.monotonic() - last_report > 1.0:
                last_report = time.monotonic()
                progress(f"box certificate: {regions:,} boxes, bound {max(float(Ub.max()) if len(Ub) else 0, pruned):.6g}, "
                         f"found {best:.6g}")
    top = float_up(max(float(Ub.max()) if len(Ub) else -np.inf, pruned, best))  # outward: still a bound
    probes = tuple(tuple(float(v) for v in C[i]) for i in np.argsort(-machine_key(Ub), kind="stable")[:8]) if len(Ub) else ()
    return BoxResult(top, float_down(best), tuple(float(v) for v in best_x), regions, len(Ub), time.monotonic() - t0, stopped, probes)
