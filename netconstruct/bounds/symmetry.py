r"""Symmetries of a network that a certificate may use: sign changes and permutations of the coordinates.

**Lemma (fundamental domain).**  Let G be a group of orthogonal maps of R^d with N∘P = N for every P ∈ G.  A
radial target satisfies f∘P = f, so |N − f| is G-invariant and

    sup_{‖x‖≤R} |N(x) − f(x)| = sup_{x ∈ F ∩ B_R} |N(x) − f(x)|

for any F meeting every orbit.  For the sign changes (x_i ↦ −x_i), F = {x ≥ 0}; for the sign changes and the
permutations together (the hyperoctahedral group B_d, order 2^d·d!), F = {0 ≤ x_1 ≤ x_2 ≤ … ≤ x_d}: every
point is mapped into F by taking absolute values and sorting them.

**The check** (:func:`invariance`) is exact and covers networks with one hidden layer, N(x) = Σ_j a_j σ(⟨w_j, x⟩ +
b_j) + c: N∘P = N whenever the multiset of neurons {(w_j, b_j, a_j)} is mapped onto itself by w ↦ Pᵀw.  It is
enough to check the generators — x₁ ↦ −x₁ for the sign changes (with the permutations) or every x_i ↦ −x_i (alone),
and the adjacent transpositions for the permutations.  Deeper networks are reported as having no symmetry
(nothing is assumed that was not checked).
"""

from __future__ import annotations

from collections import Counter

from ..matrix import as_coo
from ..network import Network

#: names of the groups, the largest first
GROUPS = ("hyperoctahedral", "signs", "permutations")


def _neurons(net: Network) -> Counter:
    """The multiset of (w_j, b_j, a_j) of a one-hidden-layer network (exact rationals)."""
    first, out = net.layers
    d, width = first.n_in, first.n_out
    rows = [[0] * d for _ in range(width)]
    coo = as_coo(first.weight)
    for r, c, v in zip(coo.rows, coo.cols, coo.values):
        rows[r][c] = v
    a = [0] * width
    oc = as_coo(out.weight)
    for r, c, v in zip(oc.rows, oc.cols, oc.values):
        a[c] = v
    return Counter((tuple(rows[j]), first.bias[j], a[j]) for j in range(width))


def invariance(net: Network) -> str | None:
    """The largest of :data:`GROUPS` under which ``net`` is exactly invariant (by the neuron-multiset criterion of
    the module docstring), or None (also for networks that do not have exactly one hidden layer)."""
    if net.depth != 2 or net.output_dim != 1 or net.activations[0] not in ("relu", "identity"):
        return None
    d = net.input_dim
    if d < 2 or net.layers[0].n_out > 200_000:
        return None
    neurons = _neurons(net)

    def mapped(f) -> bool:
        return Counter({(f(w), b, a): n for (w, b, a), n in neurons.items()}) == neurons

    def flip(i):
        return lambda w: tuple(-v if k == i else v for k, v in enumerate(w))

    def swap(i):
        return lambda w: w[:i] + (w[i + 1], w[i]) + w[i + 2:]

    perms = all(mapped(swap(i)) for i in range(d - 1))
    if perms and mapped(flip(0)):
        return "hyperoctahedral"
    if all(mapped(flip(i)) for i in range(d)):
        return "signs"
    return "permutations" if perms else None


def meets_domain(group: str | None, C, H):
    """For boxes c + [−h, h] (rows of C, H): False where the box certainly misses the fundamental domain F of
    ``group`` (module docstring) — such a box may be dropped; True where it may meet F.  Exact in float64: the
    comparisons are of the box ends as computed, which are the boxes the branch and bound bounds."""
    import numpy as np

    if group is None:
        return np.ones(len(C), bool)
    lo, hi = C - H, C + H
    ok = np.ones(len(C), bool)
    if group in ("hyperoctahedral", "signs"):
        ok &= (hi >= 0).all(axis=1)
    if group in ("hyperoctahedral", "permutations"):
        # a nondecreasing point x_1 ≤ … ≤ x_d in the box exists iff max(lo_1..lo_i) ≤ hi_i for every i
        ok &= (np.maximum.accumulate(lo, axis=1) <= hi).all(axis=1)
    return ok


def into_domain(group: str | None, X):
    """Each row of X moved into F by an element of the group (absolute values, then sorted)."""
    import numpy as np

    if group in ("hyperoctahedral", "signs"):
        X = np.abs(X)
    if group in ("hyperoctahedral", "permutations"):
        X = np.sort(X, axis=1)
    return X
