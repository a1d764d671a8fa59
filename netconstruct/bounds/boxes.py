r"""Certificate of *any* feed-forward ReLU network against a radial target: branch and bound over boxes.

**Statement.**  Let N be a network of affine layers with ReLU (or identity) hidden activations and one
output, f(x) = g(‖x‖) on the ball B_R.  :func:`bound_boxes` returns, for each axis-parallel box
X = c + [−h, h], numbers lo(X) ≤ hi(X) with

    lo(X) ≤ N(x) − g(‖x‖) ≤ hi(X)   for every x ∈ X ∩ B_R,

and :func:`certify_any` splits boxes (the largest bound first) until the bounds over a cover of the ball
meet the best error found, or the budget is spent; its value max_X max(hi(X), −lo(X)) is a proved upper
bound of sup_{B_R} |N − f|.  A half keeps its parent's bound where its own is larger: the parent's bound holds on
the part of the half inside the parent, and those parts cover the parent (Lemma of :func:`split_boxes`), so the
bounds over the cover still bound the ball, and the value never grows as boxes are split.

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

4. The ball, not only the box: a box that reaches out of the ball is first contracted to the smallest box the
   ball's constraint gives (:func:`contract_to_ball`), and maxima of linear functions over it are also bounded by
   weak Lagrangian duality over box ∩ B_R (:func:`_dual_bound`); this tightens the pre-activation bounds of the
   first-layer ReLUs the box leaves unstable, and the final linear bounds.
5. The cone at the origin: on boxes near 0, g(ρ) ≥ g(0) + g'(0)ρ − ½Kρ² and g'(0)‖x‖ ≥ ⟨v, x⟩ (‖v‖ ≤ g'(0))
   make N − g ≤ (Λ − v)·x + const, so a box around the origin need not be split to see the error there
   (:func:`_origin_bounds`).

Each box is split along the axis where its linear bounds spread most (|Λ_i|·h_i, with the mean |Λ| and g's
Lipschitz constant over √d added so that no axis is starved).  The worst error found comes from box centres and from gradient ascent
(:mod:`.ascent`) started at the boxes with the largest bounds; it prunes every box whose bound is below it.

**Rounding.**  Everything is float64.  Each computed linear combination Σ a_i b_i of n terms differs
from the exact one by at most γ·Σ|a_i||b_i| (γ = 2(n + 8)·2⁻⁵³ with n the widest fan-in, which also covers
the rounding of the exact rational weights to float64, |w − fl(w)| ≤ 2⁻⁵³|fl(w)|); the same combinations
in absolute values are carried along and γ times them is added to every upper bound and subtracted from
every lower bound, and the ReLU upper relaxations are lifted by that much too so that they stay above
ReLU on [l, u].  So every returned bound holds for the network with its *exact* weights.  The products run
through BLAS, whose summation order follows the CPU's kernel; each returned bound is rounded outward to
:data:`BOUND_BITS` significant bits, so that the branch and bound takes the same steps on every CPU.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ..errors import NotCertifiable, TooLargeError
from ..exact import float_down, float_up, floats_down, floats_up, machine_key
from ..matrix import as_coo
from ..network import Network
from .ascent import ascend
from .frontier import Frontier
from .profile_tables import profile_table
from .symmetry import invariance, meets_domain

U = 2.0**-53
#: every box bound is rounded outward to this many significant bits: the products run through BLAS, whose summation
#: order follows the CPU's kernel, and a bound that differed in its last bit could change which box is split next
BOUND_BITS = 24
#: steps of the search for the box-and-ball bound's multiplier μ (:func:`_dual_bound`; any μ gives a bound)
BISECTION_STEPS = 6
#: … over this many octaves of μ below ‖ℓ‖/(2R)
_GRID_OCTAVES = 12
#: the largest precomputed product W_t ⊙ W_{t−1} (:class:`FloatNet`) kept, in numbers (32 MiB)
PRODUCT_ENTRIES = 2**22


@dataclass(frozen=True, eq=False)
class FloatNet:
    """The network's float64 weights, with what the rounding bounds need."""

    weights: tuple  # dense numpy arrays W_k (n_k × n_{k−1})
    abs_weights: tuple
    biases: tuple
    abs_biases: tuple
    relu: tuple  # per hidden layer: True for ReLU, False for identity
    gamma: float
    #: per layer t ≥ 1, (M₊, M₋) with M±[k, i·n + j] = max/min(W_t[i, k], 0)·W_{t−1}[k, j] (one rounding each), or None
    #: where that would hold more than :data:`PRODUCT_ENTRIES` numbers: the first substitution step from W_t is then
    #: two GEMMs over all boxes, s₊ @ M₊ + s₋ @ M₋ (see :func:`_backsub`)
    products: tuple = ()

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
    products = [None]
    for t in range(1, len(Ws)):
        m, n_k, n = Ws[t].shape[0], Ws[t].shape[1], Ws[t - 1].shape[1]
        if m * n_k * n > PRODUCT_ENTRIES:
            products.append(None)
            continue
        P, Q = np.maximum(Ws[t], 0.0), np.minimum(Ws[t], 0.0)
        products.append(tuple((X.T[:, :, None] * Ws[t - 1][:, None, :]).reshape(n_k, m * n) for X in (P, Q)))
    return FloatNet(tuple(Ws), tuple(np.abs(W) for W in Ws), tuple(bs), tuple(np.abs(b) for b in bs),
                    tuple(a == "relu" for a in acts[:-1]), gamma, tuple(products))


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
    """Substitute from the pre-activations of layer ``top`` (0-based; ``lam`` on its inputs h_{top−1}: the weight
    matrix W_top itself (m, n_top), or one matrix per box (B, m, n_top)) down to the input.  Returns (Λ on x
    (B, m, d), constant (B, m), margin (B, m)).

    All products are matrix products (BLAS); the rounding margin of a layer is one matrix–vector product,
    |Λ_z|·(|h_k| + |b_k| + |W_k||h_{k−1}|), since Σ_n |Λ_mn| Σ_j |W_nj||h_j| = |Λ|·(|W||h|).  From a weight matrix
    (the same for every box) the first step needs no per-box (m × n) array: with P = max(W, 0), Q = min(W, 0) and
    the relaxation slopes s ≥ 0 of each box, Λ_z = P·diag(s₊) + Q·diag(s₋), so its products with b, W and the
    margin's vector are products of P and Q with the boxes' scaled vectors (each term gets one more rounding,
    which γ's factor 2 covers)."""
    import numpy as np

    g = fn.gamma
    k = top - 1
    if lam.ndim == 2 and k < 0:  # no hidden layer: W_top is Λ on x for every box
        lam = np.broadcast_to(lam, (mags[0].shape[0],) + lam.shape)
    if lam.ndim == 2:  # the first step from W_top: GEMMs over all boxes at once
        sl, su, tu = relax[k]
        s_pos, s_neg = (su, sl) if upper else (sl, su)
        P, Q = np.maximum(lam, 0.0), np.minimum(lam, 0.0)
        ct = tu @ (P if upper else Q).T  # the chord's offsets, with the coefficients that take them (B, m)
        b_k = fn.biases[k]
        scale = mags[k + 1] + fn.abs_biases[k] + mags[k] @ fn.abs_weights[k].T  # (B, n_k)
        const = ct + (s_pos * b_k) @ P.T + (s_neg * b_k) @ Q.T
        margin = g * (np.abs(ct) + (s_pos * scale) @ P.T - (s_neg * scale) @ Q.T)
        W = fn.weights[k]
        if fn.products and fn.products[top] is not None and lam is fn.weights[top]:  # two GEMMs over all boxes
            Mp, Mq = fn.products[top]
            lam = (s_pos @ Mp + s_neg @ Mq).reshape(len(s_pos), P.shape[0], W.shape[1])
        elif P.shape[0] < W.shape[1]:  # few rows (the output's): Λ_z per box is the smaller array
            lam = (P * s_pos[:, None, :] + Q * s_neg[:, None, :]) @ W  # one of P, Q is 0 in each entry: one rounding
        else:  # many rows: the slopes scale W's rows, (B, n_k, n_{k−1}), and one product per box
            lam = P @ (s_pos[:, :, None] * W) + Q @ (s_neg[:, :, None] * W)
        k -= 1
    else:
        const = np.zeros(lam.shape[:2])
        margin = np.zeros(lam.shape[:2])
    for k in range(k, -1, -1):  # lam is on h_k = σ(z_k), z_k = W_k h_{k−1} + b_k
        sl, su, tu = relax[k]
        pos = lam >= 0
        s_pos, s_neg = (su, sl) if upper else (sl, su)
        lz = lam * np.where(pos, s_pos[:, None, :], s_neg[:, None, :])
        # the chord's offset t_u enters with the coefficients that take the upper relaxation
        chord = np.maximum(lam, 0.0) if upper else np.minimum(lam, 0.0)
        # t_u ≥ 0 and the chord's coefficients share one sign, so |chord|·|t_u| is |chord·t_u|, computed once
        ct = (chord @ tu[:, :, None])[:, :, 0]
        const += ct
        alz = np.abs(lz)
        # rounding: of the chord term, of lz itself (on |z_k| ≤ mags[k+1]), of Λ·b and of Λ·W over the box
        scale = mags[k + 1] + fn.abs_biases[k] + mags[k] @ fn.abs_weights[k].T  # (B, n_k)
        margin += g * (np.abs(ct) + (alz @ scale[:, :, None])[:, :, 0])
        const += lz @ fn.biases[k]
        lam = lz @ fn.weights[k]
    return lam, const, margin


def _dot(L, X):
    """Σ_j L[b, m, j]·X[b, j] for L (B, m, d) and X (B, d): (B, m)."""
    return (L @ X[:, :, None])[:, :, 0]


def _box_max(L, C, H):
    """max ⟨L_bm, x⟩ over the box c_b + [−h_b, h_b], rounding included: (B, m)."""
    import numpy as np

    slack = 4 * (C.shape[1] + 8) * U
    return _dot(L, C) + _dot(np.abs(L), H) + slack * _dot(np.abs(L), np.abs(C) + H)


def _box_max_of(L, C, H, R: float):
    """:func:`_box_max` with the signature of :func:`_max_over_box_and_ball` (the ball ignored: plain CROWN)."""
    return _box_max(L, C, H)


def _dual_bound(Ls, a, b, R: float, norms=None, low=None, reach=None):
    r"""For the columns ℓ of ``Ls`` (d, n) and boxes [a, b] (columns of ``a``, ``b``, (d, n)): an upper bound, rounding
    included, of max ⟨ℓ, x⟩ over x ∈ [a, b] ∩ B_R (one column per problem: the per-problem μ then broadcasts along
    contiguous memory).

    **Lemma (box ∩ ball).**  For every μ ≥ 0,
        max_{x ∈ [a, b], ‖x‖ ≤ R} ⟨ℓ, x⟩ ≤ μR² + Σ_i max_{x_i ∈ [a_i, b_i]} (ℓ_i x_i − μ x_i²)
    (weak Lagrangian duality: the added term μ(R² − ‖x‖²) is ≥ 0 on the ball), and the i-th maximum, of a
    concave quadratic on an interval, is its value at x̂_i = clip(ℓ_i/(2μ), a_i, b_i).  μ is chosen by a short
    bisection (:data:`BISECTION_STEPS` steps, in float32) so that ‖x̂‖ ≈ R (the dual optimum); *any* μ gives a
    bound, so the search affects only tightness.  Rounding: the sum has d + 1 terms x̂_i(ℓ_i − μx̂_i) and μR², each
    computed with ≤ 3 roundings, so its computed value is within (d + 8)·2⁻⁵¹ of
    S = Σ_i |x̂_i|(|ℓ_i| + μ|x̂_i|) + μR², and that much is added; the float x̂_i is within a few ulps of the exact
    maximiser, which changes the value by μ·(ulps)², far below that margin.  S is bounded above through
    m_i ≥ max(|a_i|, |b_i|) ≥ |x̂_i|: S ≤ Σ_i |ℓ_i|m_i + μ(Σ_i m_i² + R²).

    Pieces a caller may have computed once for many columns (they change the work, not the bound): ``norms`` (n,)
    ‖ℓ‖, ``low`` the float32 (ℓ, a, b) of the search, ``reach`` (n,) arrays (Σ_i |ℓ_i|m_i, Σ_i m_i²) with any
    m_i ≥ max(|a_i|, |b_i|) — computed here from the columns where not given."""
    import numpy as np

    slack = 4 * (Ls.shape[0] + 8) * U
    # row-major (d, n): each coordinate a contiguous row, so that ‖x̂‖² below is a sum of rows in a fixed order
    L, a, b = np.ascontiguousarray(Ls), np.ascontiguousarray(a), np.ascontiguousarray(b)
    if norms is None:
        norms = np.sqrt(np.add.reduce(L * L, axis=0))
    # the search is over σ = 1/(2μ) from σ_in = R/‖ℓ‖ (there ‖clip(σℓ)‖ ≤ R) up to 2^12·σ_in, halving [σ_in, σ_out]
    # geometrically: products, square roots and conversions are correctly rounded, so the search takes the same
    # steps on every CPU (no exp or log, whose last bit follows the CPU's SIMD code); it runs in float32, and ‖x̂‖² is
    # summed coordinate by coordinate (no fused multiply-add, a fixed order).  Any μ ≥ 0 gives a bound.
    L32, a32, b32 = low if low is not None else (L.astype(np.float32), a.astype(np.float32), b.astype(np.float32))
    L32, a32, b32 = np.ascontiguousarray(L32), np.ascontiguousarray(a32), np.ascontiguousarray(b32)
    s_in = np.minimum(R / (norms + 1e-300), 2.0**100)  # finite all along the search
    s_out = s_in * 2.0**_GRID_OCTAVES
    x = np.empty(L32.shape, dtype=np.float32)
    for _ in range(BISECTION_STEPS):
        mid = np.sqrt(s_in * s_out)
        np.multiply(L32, np.minimum(mid, 1e30).astype(np.float32), out=x)  # finite: 0·σ = 0
        np.maximum(x, a32, out=x)
        np.minimum(x, b32, out=x)
        np.multiply(x, x, out=x)
        inside = np.add.reduce(x, axis=0) <= R * R
        s_in, s_out = np.where(inside, mid, s_in), np.where(inside, s_out, mid)
    mu = 0.5 / s_in
    xh = L * s_in
    np.maximum(xh, a, out=xh)
    np.minimum(xh, b, out=xh)  # the maximiser of ℓ_i x − μx² on [a_i, b_i]
    rest = xh * mu
    np.subtract(L, rest, out=rest)
    q = np.einsum("jn,jn->n", xh, rest)
    if reach is None:
        m = np.maximum(np.abs(a), np.abs(b))
        reach = (np.einsum("jn,jn->n", np.abs(L), m), np.einsum("jn,jn->n", m, m))
    size = reach[0] + mu * (reach[1] + R * R)
    return mu * R * R + q + slack * size


def _straddles(C, H, R: float):
    """Boxes that reach out of the ball (their farthest corner is beyond R): only there the dual bound helps."""
    import numpy as np

    far = np.abs(C) + H
    return np.sqrt((far * far).sum(1)) * (1 - 4 * (C.shape[1] + 8) * U) > R


def _refine_first_layer(u, l, W, off_u, off_l, C, H, R: float, pairs, reach=None):
    """u = max⟨w_m, x⟩ + off_u and l = min⟨w_m, x⟩ + off_l (box bounds of the first layer's rows w_m of ``W``), lowered
    and raised to the box-and-ball bounds (:func:`_dual_bound`) on the (box, row) ``pairs``; ``reach`` is
    (|C| + H)·|W|ᵀ where the caller has it.

    A direction whose maximising corner of the box (x_i = b_i where w_i > 0, a_i where w_i < 0, the end nearer 0 where
    w_i = 0; for the lower bound the mirror image) lies in the ball is left as it is: there the box bound is already the maximum over box ∩ B_R
    (about a third of the pairs on trained d = 10 networks).  Which directions are skipped changes only how tight
    the bound is, never whether it holds."""
    import numpy as np

    if not pairs.any():
        return u, l
    a, b = C - H, C + H
    pos, neg, zero = (W > 0).astype(float), (W < 0).astype(float), (W == 0).astype(float)
    # ‖corner‖² of each (box, row): Σ_i b_i²·[w_i > 0] + a_i²·[w_i < 0] + min(a_i², b_i²)·[w_i = 0] (upper; the lower
    # bound's corner is the mirror image)
    A2, B2 = a * a, b * b
    M2 = np.minimum(A2, B2) @ zero.T
    far_u = B2 @ pos.T + A2 @ neg.T + M2 > R * R
    far_l = A2 @ pos.T + B2 @ neg.T + M2 > R * R
    bu, mu_ = np.nonzero(pairs & far_u)
    bl, ml = np.nonzero(pairs & far_l)
    if not len(bu) and not len(bl):
        return u, l
    bi, neuron = np.concatenate([bu, bl]), np.concatenate([mu_, ml])
    cols = np.concatenate([mu_, ml + W.shape[0]])  # columns of [Wᵀ, −Wᵀ]: the lower bound's rows are −w
    WW = np.concatenate([W.T, -W.T], axis=1)
    rows = np.take(WW, cols, axis=1)  # (d, n), row-major
    near = np.abs(C) + H  # ≥ max(|a_i|, |b_i|) up to a rounding the margin's factor 4 covers
    if reach is None:
        reach = near @ np.abs(W).T
    reach = (reach[bi, neuron], (near * near).sum(1)[bi])
    norms = np.sqrt((W * W).sum(1))[neuron]
    d = W.shape[1]
    ends = np.take(np.concatenate([a.T, b.T]), bi, axis=1)  # (2d, n): the boxes' lower ends, then upper ends
    ends32 = ends.astype(np.float32)
    low = (np.take(WW.astype(np.float32), cols, axis=1), ends32[:d], ends32[d:])
    both = _dual_bound(rows, ends[:d], ends[d:], R, norms=norms, low=low, reach=reach)
    n = len(bu)
    u, l = u.copy(), l.copy()
    u[bu, mu_] = np.minimum(u[bu, mu_], both[:n] + np.broadcast_to(off_u, u.shape)[bu, mu_])
    l[bl, ml] = np.maximum(l[bl, ml], -both[n:] + np.broadcast_to(off_l, l.shape)[bl, ml])
    return u, l


def _max_over_box_and_ball(L, C, H, R: float):
    """max ⟨L_bm, x⟩ over box ∩ B_R: the smaller of the box bound and, on boxes that reach out of the ball, the
    dual bound of :func:`_dual_bound` (rounding included), (B, m)."""
    import numpy as np

    out = _box_max(L, C, H)
    st = _straddles(C, H, R)
    if st.any():
        idx = np.nonzero(st)[0]
        m = L.shape[1]
        bi = np.repeat(idx, m)
        mi = np.tile(np.arange(m), len(idx))
        CT, HT = np.take(C.T, bi, axis=1), np.take(H.T, bi, axis=1)  # (d, n), row-major
        dual = _dual_bound(np.take(L.reshape(-1, L.shape[2]).T, bi * m + mi, axis=1), CT - HT, CT + HT, R)
        out[bi, mi] = np.minimum(out[bi, mi], dual)
    return out


def _network_bounds(fn: FloatNet, C, H, R: float | None):
    """Linear bounds of N on the boxes ∩ B_R: (Λ_u, β_u, Λ_l, β_l), each β with its rounding margin folded in.
    A first-layer ReLU left unstable by its box bounds gets the box-and-ball bounds (:func:`_dual_bound`) where its
    box reaches out of the ball (elsewhere tighter bounds change no relaxation); ``R=None`` is plain CROWN on the box.
    Deeper layers keep their box bounds: their linear bounds carry the relaxations' slack, and the ball's bound there
    cost more than it gave (trained 10→64→32→1, 60 s: upper 1.233 with every layer refined, 1.213 with the first only,
    1.309 with none; 10→64→64→1: 1.420 / 1.419)."""
    import numpy as np

    g = fn.gamma
    mags = [np.abs(C) + H]  # |h_k| bounds: inputs, then post-activations
    relax = []
    L = len(fn.weights)
    straddle = _straddles(C, H, R)[:, None] if R is not None else None
    for k in range(L - 1):
        if k == 0:  # W₁x over the box, as GEMMs over all boxes: centre ± Σ|w_i|h_i, with _box_max's margin
            W, A = fn.weights[0], fn.abs_weights[0]
            reach = mags[0] @ A.T  # Σ_i |w_i|(|c_i| + h_i)
            err = g * (reach + fn.abs_biases[0])
            off_u, off_l = fn.biases[0] + err, fn.biases[0] - err
            mid, spread = C @ W.T, H @ A.T + 4 * (C.shape[1] + 8) * U * reach
            u, l = mid + spread + off_u, mid - spread + off_l
        else:
            lu, cu, mu = _backsub(fn, fn.weights[k], k, relax, mags, True)
            ll, cl, ml = _backsub(fn, fn.weights[k], k, relax, mags, False)
            box = (np.abs(C) + H)[:, :, None]
            off_u = cu + fn.biases[k] + mu + g * ((np.abs(lu) @ box)[:, :, 0] + np.abs(cu) + fn.abs_biases[k])
            off_l = cl + fn.biases[k] - ml - g * ((np.abs(ll) @ box)[:, :, 0] + np.abs(cl) + fn.abs_biases[k])
            u = _box_max(lu, C, H) + off_u
            l = -_box_max(-ll, C, H) + off_l
        if k == 0 and fn.relu[k] and R is not None:  # the first layer only: see the docstring
            u, l = _refine_first_layer(u, l, fn.weights[0], off_u, off_l, C, H, R, straddle & (l < 0) & (u > 0), reach)
        relax.append(_relaxation(l, u, fn.relu[k], g))
        mags.append(np.maximum(np.abs(l), np.abs(u)))
    lu, cu, mu = _backsub(fn, fn.weights[-1], L - 1, relax, mags, True)
    ll, cl, ml = _backsub(fn, fn.weights[-1], L - 1, relax, mags, False)
    b = fn.biases[-1][0]
    ab = fn.abs_biases[-1][0]
    mu = mu[:, 0] + g * (np.abs(cu[:, 0]) + ab)
    ml = ml[:, 0] + g * (np.abs(cl[:, 0]) + ab)
    return lu[:, 0, :], cu[:, 0] + b + mu, ll[:, 0, :], cl[:, 0] + b - ml


def contract_to_ball(C, H, R: float):
    r"""The smallest box around box ∩ B_R that the ball's own constraint gives, per axis (one pass is a fixpoint).

    **Lemma.**  On [a, b] ∩ B_R, with ν_j = dist(0, [a_j, b_j]):  x_i² ≤ R² − Σ_{j≠i} ν_j², so x_i lies in
    [a_i, b_i] ∩ [−t_i, t_i] with t_i = (R² − Σ_{j≠i} ν_j²)^{1/2}.  Cutting the far ends leaves every ν_j as it was,
    so a second pass changes nothing.  Rounding: the box's ends c ∓ h are moved outward by their worst rounding, the
    sum of the others is lowered by its worst rounding
    (2(d + 2)·2⁻⁵³ of the whole sum), t_i raised by a few ulps and rounded outward to :data:`BOUND_BITS` bits (a
    reduction's last bit follows the CPU; the rounded t does not).  Returns (C, H) of the contracted boxes, each
    containing its box ∩ B_R; an axis the ball does not cut by more than 2⁻²⁰ of its width, and a box that misses
    the ball, are returned as they are."""
    import numpy as np

    d = C.shape[1]
    pad = 2 * U * (np.abs(C) + H)  # c ∓ h rounded: outward by its worst rounding
    a, b = C - H - pad, C + H + pad
    near = np.maximum(np.maximum(a, -b), 0.0)
    sq = near * near
    total = sq.sum(1, keepdims=True)
    rest = np.maximum(total - sq - 4 * (d + 2) * U * total, 0.0)
    t = np.sqrt(np.maximum(R * R * (1 + 4 * U) - rest, 0.0)) * (1 + 4 * U)
    a2 = np.maximum(a, floats_down(-t, BOUND_BITS))
    b2 = np.minimum(b, floats_up(t, BOUND_BITS))
    a2 = np.minimum(a2, b2)
    C2 = (a2 + b2) / 2
    H2 = np.maximum(b2 - C2, C2 - a2) * (1 + 4 * U)
    # an axis the ball does not cut (by more than 2⁻²⁰ of its width) keeps its centre and half-width exactly: no box
    # grows, however small it gets; a box that misses the ball stays as it is (and is dropped by the caller)
    cut = ((a2 - a) + (b - b2) > (b - a) * 2.0**-20) & ~(total > R * R)
    return np.where(cut, C2, C), np.where(cut, H2, H)


def split_boxes(C, H, axis):
    r"""The two halves of each box c + [−h, h] along its ``axis``: centres c ∓ h_i/2·e_i, half-width h_i/2 along the axis,
    returned as (centres, half-widths) of the first halves, then the second.

    **Lemma (cover).**  Computed in float64 the centres c ∓ h_i/2 may be off by ≤ 2⁻⁵³(|c_i| + h_i) (when c and h
    are not dyadic fractions of a common power of two — a non-dyadic radius, a contracted box); the halves' half-width
    along the axis is therefore h_i/2 + 2·2⁻⁵³(|c_i| + h_i), so that the two halves together contain the box exactly
    (they overlap by a few ulps, which costs nothing: every point is bounded at least once)."""
    import numpy as np

    n = len(C)
    rows = np.arange(n)
    half = H[rows, axis] / 2
    Hn = H.copy()
    Hn[rows, axis] = half + 2 * U * (np.abs(C[rows, axis]) + H[rows, axis])
    off = np.zeros_like(H)
    off[rows, axis] = half
    return np.concatenate([C - off, C + off]), np.concatenate([Hn, Hn])


def _radius_range(C, H, R: float):
    """[ρ_lo, ρ_hi] of ‖x‖ over box ∩ ball (outward by a few ulps)."""
    import numpy as np

    near = np.maximum(np.abs(C) - H, 0.0)
    far = np.abs(C) + H
    lo = np.sqrt((near * near).sum(1)) * (1 - 4 * U * (C.shape[1] + 2))
    hi = np.minimum(np.sqrt((far * far).sum(1)) * (1 + 4 * U * (C.shape[1] + 2)), R)
    return lo, hi


def _origin_bounds(table, lu, bu, ll, bl, C, H, rhi, R: float, gamma: float):
    r"""(hi, lo) of N(x) − g(‖x‖) on boxes ∩ B_R from the expansion of g at ρ = 0.

    **Lemma (the cone at the origin).**  If |g''| ≤ K on [0, ρ_hi] and g(0) ∈ [g₀⁻, g₀⁺], g'(0) ∈ [m⁻, m⁺],
    then for ρ = ‖x‖ ≤ ρ_hi:  g₀⁻ + m⁻ρ − ½Kρ² ≤ g(ρ) ≤ g₀⁺ + m⁺ρ + ½Kρ².  With N ≤ Λ_u·x + β_u,
        N − g ≤ Λ_u·x − m⁻‖x‖ + β_u − g₀⁻ + ½Kρ_hi²,
    and where m⁻ ≥ 0, m⁻‖x‖ ≥ ⟨v, x⟩ for every v with ‖v‖ ≤ m⁻ (Cauchy–Schwarz); v = m⁻Λ_u/‖Λ_u‖ (shrunk by
    a few ulps) turns the cone into the linear function (Λ_u − v)·x, whose maximum over box ∩ ball is
    :func:`_max_over_box_and_ball`.  So a box around the origin is not split where ‖Λ_u‖ ≤ g'(0): its bound
    is the error at the origin plus ½Kρ_hi² and the relaxation's slack.  Where m⁻ < 0, −m⁻‖x‖ ≤ |m⁻|ρ_hi.
    The lower bound is the mirror image (Λ_l, m⁺, g₀⁺).  Rounding: the coefficients Λ ∓ v are computed with
    an error ≤ 2⁻⁵²(|Λ| + |v|) per entry, added over the box; the rest as in :func:`_box_max`."""
    import numpy as np

    d = C.shape[1]
    K = table.curvature(np.zeros_like(rhi), rhi)
    g0_lo, g0_hi = table.g_lo[0], table.g_hi[0]
    m_lo, m_hi = table.dg_lo[0], table.dg_hi[0]
    rem = 0.5 * K * rhi * rhi
    AC = np.abs(C) + H

    def cone(L, s):
        """An upper bound of max over box ∩ ball of ⟨L, x⟩ − s‖x‖ (s a number)."""
        if not np.isfinite(s):
            return np.full(len(L), np.inf)
        if s <= 0:
            return _max_over_box_and_ball(L[:, None, :], C, H, R)[:, 0] - s * rhi
        norm = np.sqrt((L * L).sum(1)) * (1 + 4 * (d + 2) * U) + 1e-300
        v = L * (s * (1 - 8 * U) / norm)[:, None]
        M = L - v
        slack = 2 * U * ((np.abs(L) + np.abs(v)) * AC).sum(1)
        return _max_over_box_and_ball(M[:, None, :], C, H, R)[:, 0] + slack

    marg = 4 * gamma * (np.abs(bu) + np.abs(bl) + abs(g0_hi) + abs(g0_lo) + rem + 1.0)
    hi = cone(lu, m_lo) + bu - g0_lo + rem + marg
    lo = -cone(-ll, -m_hi) + bl - g0_hi - rem - marg
    bad = ~np.isfinite(K)
    return np.where(bad, np.inf, hi), np.where(bad, -np.inf, lo)


def bound_boxes(fn: FloatNet, table, C, H, linear_target: bool = True):
    """(lo, hi) with lo ≤ N(x) − g(‖x‖) ≤ hi on each box ∩ ball (see the module docstring); without
    ``linear_target`` only the zeroth-order bound of g (its range on the radius interval) is used."""
    return bound_and_split_axis(fn, table, C, H, linear_target)[:2]


def bound_and_split_axis(fn: FloatNet, table, C, H, linear_target: bool = True):
    """:func:`bound_boxes` and, for each box, the axis to split it along: the largest |Λ_u,i|·h_i + |Λ_l,i|·h_i,
    the axis along which the network's linear bounds spread most over the box (scores compared after
    :func:`netconstruct.exact.machine_key`, the first of the largest: the same axis on every CPU)."""
    import numpy as np

    g = fn.gamma
    R = math.nextafter(table.radius, math.inf)  # ≥ the exact radius
    lu, bu, ll, bl = _network_bounds(fn, C, H, R if linear_target else None)
    rlo, rhi = _radius_range(C, H, table.radius)
    glo, ghi = table.g_range(rlo, rhi)
    # zeroth order: max over the box ∩ ball of the linear bounds minus the range of g
    up0 = (_max_over_box_and_ball if linear_target else _box_max_of)(lu[:, None, :], C, H, R)[:, 0]
    lo0 = -(_max_over_box_and_ball if linear_target else _box_max_of)(-ll[:, None, :], C, H, R)[:, 0]
    scale_u = np.einsum("bj,bj->b", np.abs(lu), np.abs(C) + H)
    scale_l = np.einsum("bj,bj->b", np.abs(ll), np.abs(C) + H)
    hi = up0 + bu - glo + g * scale_u
    lo = lo0 + bl - ghi - g * scale_l
    # second order where ρ_c > 2‖h‖ and g'' is bounded on the radius range
    rc = np.sqrt((C * C).sum(1))
    hn = np.sqrt((H * H).sum(1)) * (1 + 8 * U * (C.shape[1] + 2))
    ok = (rc > 2 * hn) & linear_target
    near = ~ok & linear_target
    if near.any():  # the expansion of g at ρ = 0 (the cone at the origin)
        idx = np.nonzero(near)[0]
        h3, l3 = _origin_bounds(table, lu[idx], bu[idx], ll[idx], bl[idx], C[idx], H[idx], rhi[idx], R, g)
        hi[idx] = np.minimum(hi[idx], h3)
        lo[idx] = np.maximum(lo[idx], l3)
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
        # max over the box ∩ ball of ⟨L, x − c⟩ (L = Λ − mĉ): the box's Σ|L_i|h_i, or the box-and-ball bound minus ⟨L, c⟩
        Lu, Ll = lu[idx] - m[:, None] * ch, ll[idx] - m[:, None] * ch
        slope_u = np.minimum(np.einsum("bj,bj->b", np.abs(Lu), Hs),
                             _max_over_box_and_ball(Lu[:, None, :], Cs, Hs, R)[:, 0] - np.einsum("bj,bj->b", Lu, Cs)
                             + 4 * g * np.einsum("bj,bj->b", np.abs(Lu), np.abs(Cs)))
        slope_l = np.minimum(np.einsum("bj,bj->b", np.abs(Ll), Hs),
                             _max_over_box_and_ball(-Ll[:, None, :], Cs, Hs, R)[:, 0] + np.einsum("bj,bj->b", Ll, Cs)
                             + 4 * g * np.einsum("bj,bj->b", np.abs(Ll), np.abs(Cs)))
        mq_lo, mq_hi = np.minimum(m * qmax, 0.0), np.maximum(m * qmax, 0.0)
        sc = (np.abs(cu_) + np.abs(cl_) + scale_u[idx] + scale_l[idx] + np.abs(g0_hi) + np.abs(m) * (rcs + hns + np.abs(off)) + 1.0)
        marg = 4 * g * sc + 16 * U * np.abs(m) * (rcs + hns) * Cs.shape[1]
        hi2 = cu_ + slope_u - g0_lo - m * off - mq_lo + rem + marg
        lo2 = cl_ - slope_l - g0_hi - m * off - mq_hi - rem - marg
        hi[idx] = np.minimum(hi[idx], hi2)
        lo[idx] = np.maximum(lo[idx], lo2)
    lam = np.abs(lu) + np.abs(ll)
    # the floor (mean |Λ| and g's Lipschitz constant per axis) keeps every long axis in play: where the network is
    # flat on a box (Λ ≈ 0) the longest axis is split
    spread = (lam + lam.mean(1, keepdims=True) + table.lipschitz / math.sqrt(C.shape[1])) * H
    axis = np.argmax(machine_key(spread), axis=1)
    # outward to BOUND_BITS bits: still bounds, and the same numbers whatever BLAS's summation order
    return floats_down(lo, BOUND_BITS), floats_up(hi, BOUND_BITS), axis


@dataclass(frozen=True)
class BoxResult:
    """Outcome of :func:`certify_any`: ``upper`` is proved; ``lower`` the worst float64 error at a box centre."""

    upper: float
    lower: float
    worst_point: tuple
    regions: int  # boxes bounded
    live: int  # boxes in the final cover
    seconds: float
    stopped: str  # "tolerance", "below", "above", "regions", "time", "memory"
    probe_points: tuple = field(default=(), compare=False)
    symmetry: str | None = None  # the group whose fundamental domain was covered (checked exactly), or None


def _initial(d: int, R: float, per_axis: int, positive: bool = False):
    """k^d boxes covering [−R, R]^d (``positive``: [0, R]^d): 16, 8², 4³, 2⁴ for d ≤ 4, one box beyond (no numpy
    limit on the number of axes)."""
    import numpy as np

    import itertools

    k = per_axis
    lo, width = (0.0, R) if positive else (-R, 2 * R)
    ticks = (np.arange(k) + 0.5) / k * width + lo
    C = np.array(list(itertools.product(ticks.tolist(), repeat=d)), dtype=float).reshape(k**d, d)
    H = np.full_like(C, width / (2 * k))
    return C, H


#: gradient ascents start from the centres of this many boxes with the largest bounds (and the best point so far) …
ASCENT_STARTS = 16
#: … at the start and then every this many branch-and-bound steps (a count, not a time: the same run on every machine)
ASCENT_EVERY = 16

#: a branch-and-bound step's boxes are bounded in at most this many pieces (in parallel where there are workers);
#: the cut does not depend on the workers, and :func:`bound_boxes` treats every box alone, so neither the cut nor
#: the backend changes a single bound
PIECES_PER_STEP = 4
#: a step of fewer (boxes × widest layer) units than this (≈ 10 ms of bounding) is bounded in this process
_INLINE_WORK = 250_000


def max_live_boxes(d: int, max_memory: int | None = None) -> int:
    """The most live boxes the frontier may hold within ``max_memory`` bytes (default: the project's memory budget,
    half of RAM): a box is 2d + 3 eight-byte numbers (centre, half-widths, bound, key, split axis), and the
    frontier's arrays, grown by doubling and copied when they grow, reach three times what they hold."""
    from ..limits import default_max_memory

    budget = default_max_memory() if max_memory is None else max_memory
    return max(1, budget // (3 * 8 * (2 * d + 3)))


def _bound_piece(context, piece) -> tuple:
    """:func:`bound_boxes` on one piece of a step (``context`` = (float net, profile table, linear_target),
    ``piece`` = (centres, half-widths))."""
    fn, table, linear_target = context
    return bound_and_split_axis(fn, table, piece[0], piece[1], linear_target)


def certify_any(net: Network, target, tol: float = 1e-3, stop_below: float | None = None,
                max_regions: int = 2_000_000, seconds: float = 60.0,
                progress: Callable[[str], None] | None = None, linear_target: bool = True,
                workers: int | None = 1, scheduler: str | None = None, atol: float = 0.0,
                symmetry: str = "auto", max_memory: int | None = None) -> BoxResult:
    """Branch and bound over boxes covering the ball (see the module docstring).

    Stops when the proved bound is within ``tol`` (relative) plus ``atol`` (absolute) of the worst error found at a
    box centre, upper ≤ lower·(1 + tol) + atol ("tolerance"), when it is ≤ ``stop_below`` ("below"), when the error found exceeds ``stop_below``
    ("above"), or when ``max_regions`` boxes were bounded, ``seconds`` passed or the live boxes would outgrow
    ``max_memory`` bytes ("memory", :func:`max_live_boxes`) — the bound is then still valid, only looser.  ``linear_target=False`` is the plain CROWN baseline of the benchmark (g bounded by
    its range on each box).  Each step's boxes are bounded in up to :data:`PIECES_PER_STEP` pieces by
    :mod:`netconstruct.parallel` (``workers`` local processes or a Dask ``scheduler``): the same steps and
    the same bounds whatever the backend, so a run stopped by its box budget gives the same bytes.

    ``symmetry="auto"``: where the network is exactly invariant under sign changes and/or permutations of the
    coordinates (:func:`.symmetry.invariance`), only boxes meeting the fundamental domain are bounded (the lemma of
    :mod:`.symmetry`: the supremum is the same) — up to 2^d·d! fewer boxes; ``"none"`` covers the whole ball."""
    import numpy as np

    from ..parallel import executor

    fn = float_net(net)
    d = fn.input_dim
    R = float(target.radius)
    if Fraction(R) != Fraction(target.radius):
        R = math.nextafter(R, math.inf)
    table = profile_table(target.expression, Fraction(target.radius), Fraction(target.lipschitz))
    t0 = time.monotonic()
    group = invariance(net) if symmetry == "auto" else None
    positive = group in ("hyperoctahedral", "signs")
    per_axis = {1: 16, 2: 8, 3: 4, 4: 2}.get(d, 1) // (2 if positive and d <= 4 else 1)
    C, H = _initial(d, R, per_axis, positive)
    widest = sum(w.shape[0] * w.shape[1] for w in fn.weights[1:]) + fn.weights[0].shape[0] * (d + 4)
    batch = int(max(16, min(8192, 8_000_000 // max(1, widest))))

    part = max(16, -(-batch // PIECES_PER_STEP))  # a step bounds ≤ batch boxes: ≤ PIECES_PER_STEP pieces
    most_live = max_live_boxes(d, max_memory)

    def evaluate(C, H):
        if not len(C):
            return np.zeros(0), np.zeros(0, int), C, H
        C, H = contract_to_ball(C, H, R)
        out = ex.map(_bound_piece, [(C[s:s + part], H[s:s + part]) for s in range(0, len(C), part)],
                     here=len(C) * widest < _INLINE_WORK)  # a tiny step: cheaper here than a round trip
        lo, hi, axis = (np.concatenate([o[i] for o in out]) for i in range(3))
        # boxes outside the ball, or outside the fundamental domain of the network's symmetry, carry no constraint
        rlo, _ = _radius_range(C, H, R)
        outside = (rlo > R) | ~meets_domain(group, C, H)
        return np.where(outside, -np.inf, np.maximum(hi, -lo)), axis, C, H

    def centre_points(C):
        """Box centres, those outside the ball moved radially onto its sphere (points of the ball)."""
        r = np.linalg.norm(C, axis=1, keepdims=True)
        return np.where(r > R, C * (R / np.maximum(r, 1e-300)) * (1 - 1e-15), C)

    def centre_errors(C, on_ball=False):
        P = C if on_ball else centre_points(C)
        return np.abs(net(P)[:, 0] - target.g_float(np.linalg.norm(P, axis=1)))

    ex = executor((fn, table, linear_target), workers, scheduler, PIECES_PER_STEP)
    with ex:  # one set of workers (or one Dask client) for every step
        Ub, Ax, C, H = evaluate(C, H)
        keep = np.isfinite(Ub)
        live = Frontier(d)
        live.push(C[keep], H[keep], Ub[keep], Ax[keep])
        ce = centre_errors(C[keep])
        best_i = int(np.argmax(machine_key(ce)))  # the first of the largest, the same on every CPU
        best, best_x = float(ce[best_i]), centre_points(C[keep][best_i:best_i + 1])[0]

        def climb(best, best_x):
            """Gradient ascent (:mod:`.ascent`) from the centres of the boxes with the largest bounds and from the
            best point so far: a larger error found is a better lower bound and prunes more boxes."""
            starts = np.concatenate([centre_points(live.boxes(live.largest(ASCENT_STARTS))[0]), best_x[None, :]])
            P, _ = ascend(fn.weights, fn.biases, fn.relu, target, starts)
            e = centre_errors(P, on_ball=True)
            i = int(np.argmax(machine_key(e)))
            if machine_key(e[i]) > machine_key(best):
                return float(e[i]), P[i]
            return best, best_x

        best, best_x = climb(best, best_x)
        steps = 0
        regions = len(live)
        pruned = -np.inf
        stopped = "tolerance"
        last_report = t0
        while True:
            top = live.top()
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
            if len(live) + batch > most_live:  # a step adds at most ``batch`` boxes
                stopped = "memory"
                break
            # prune boxes that cannot beat the error already found (their bound is ≤ the true sup)
            pruned = max(pruned, live.prune(best))
            if not len(live):
                continue
            # the largest bounds, ties (mirror-image boxes) by age: the same boxes on every CPU (all of them, in order,
            # when there are no more than a step takes)
            n = max(batch // 2, 1)
            sel = live.largest(n) if n < len(live) else live.slots()
            Cs, Hs, Us, As = live.boxes(sel)
            live.take(sel)
            Cn, Hn = split_boxes(Cs, Hs, As)
            Un, An, Cn, Hn = evaluate(Cn, Hn)
            # a half keeps its parent's bound where its own is larger: the parent's holds on the part of the half
            # inside the parent, and those parts cover the parent (Lemma of split_boxes), so the bounds over the
            # cover still bound the ball — and the bound never grows as boxes are split
            Un = np.minimum(Un, np.concatenate([Us, Us]))
            regions += len(Cn)
            keep = np.isfinite(Un)
            Cn, Hn, Un, An = Cn[keep], Hn[keep], Un[keep], An[keep]
            ce = centre_errors(Cn)
            if len(ce) and machine_key(ce.max()) > machine_key(best):
                i = int(np.argmax(machine_key(ce)))
                best, best_x = float(ce[i]), centre_points(Cn[i:i + 1])[0]
            live.push(Cn, Hn, Un, An)
            steps += 1
            if len(live) and steps % ASCENT_EVERY == 0:
                best, best_x = climb(best, best_x)
            if progress is not None and time.monotonic() - last_report > 1.0:
                last_report = time.monotonic()
                progress(f"box certificate: {regions:,} boxes, bound {max(live.top() if len(live) else 0, pruned):.6g}, "
                         f"found {best:.6g}")
    top = float_up(max(live.top(), pruned, best))  # outward: still a bound
    probes = tuple(tuple(float(v) for v in c) for c in live.boxes(live.largest(8))[0])
    return BoxResult(top, float_down(best), tuple(float(v) for v in best_x), regions, len(live), time.monotonic() - t0, stopped,
                     probes, group)
