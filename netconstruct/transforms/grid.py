"""Exact evaluation on the input grid ``x̃ = lo + (hi − lo)·u / 2^B`` (``u`` integer).

Both the original network (rational weights of any size) and the transformed one are evaluated
**exactly**: activations are kept as integer arrays with one common denominator per neuron —
machine integers (``int64``) when an a-priori bound proves they cannot overflow, Python integers
otherwise — and the transformed network's read-out (rational weights) is split into 30-bit limbs so
that every product stays exact.  No floating point enters a claim made here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from ..errors import NetconstructError
from ..matrix import Coo, Outer, as_coo
from ..network import Network

_SAFE = 2**62


def grid_points(d: int, bits: int, limit: int, sample: int, seed: int) -> tuple[np.ndarray, str]:
    """All ``2^{dB}`` grid indices when that is ≤ ``limit``; else a seeded sample plus structured points."""
    G = 2**bits
    if G**d <= limit:
        axes = np.meshgrid(*[np.arange(G, dtype=np.int64)] * d, indexing="ij")
        return np.stack([a.ravel() for a in axes], axis=1), f"all {G**d} grid points"
    rng = np.random.default_rng(seed)
    pts = [rng.integers(0, G, size=(sample, d), dtype=np.int64)]
    if d <= 12:
        corners = np.array(np.meshgrid(*[[0, G - 1]] * d, indexing="ij")).reshape(d, -1).T
        pts.append(corners.astype(np.int64))
    edges = sorted({0, G - 1} | {2**j - 1 for j in range(1, bits)} | {2**j for j in range(1, bits)})
    for i in range(d):
        block = rng.integers(0, G, size=(len(edges), d), dtype=np.int64)
        block[:, i] = edges
        pts.append(block)
    U = np.unique(np.concatenate(pts), axis=0)
    return U, f"{len(U)} grid points ({sample} random, seed {seed}, plus corners and dyadic boundary indices)"


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b)


def _denominator(values) -> int:
    q = 1
    for v in values:
        q = _lcm(q, Fraction(v).denominator)
    return q


def _int_affine(rows, bias, Y: np.ndarray, q: Sequence[int]):
    """``W·(Y/q) + b`` as ``(integer array, denominators)``; int64 when provably safe."""
    ymax = [int(np.abs(Y[:, i]).max()) if len(Y) else 0 for i in range(Y.shape[1])]
    K_rows, C, Qs = [], [], []
    for j, row in enumerate(rows):
        coefs = [(i, Fraction(w) / q[i]) for i, w in row]
        Q = _denominator([c for _, c in coefs] + [bias[j]])
        K_rows.append([(i, int(c * Q)) for i, c in coefs])
        C.append(int(Fraction(bias[j]) * Q))
        Qs.append(Q)
    safe = all(sum(abs(k) * ymax[i] for i, k in r) + abs(c) < _SAFE for r, c in zip(K_rows, C)) and max(ymax + [0]) < _SAFE
    n_out = len(K_rows)
    if safe:
        K = np.zeros((Y.shape[1], n_out), dtype=np.int64)
        for j, r in enumerate(K_rows):
            for i, k in r:
                K[i, j] = k
        out = Y.astype(np.int64) @ K + np.array(C, dtype=np.int64)
    else:
        Yo = Y.astype(object)
        out = np.empty((Y.shape[0], n_out), dtype=object)
        for j, r in enumerate(K_rows):
            acc = np.full(Y.shape[0], C[j], dtype=object)
            for i, k in r:
                acc = acc + Yo[:, i] * k
            out[:, j] = acc
    return out, Qs


def original_on_grid(net: Network, low, high, bits: int, U: np.ndarray) -> list[list[Fraction]]:
    """``N(x̃(u))`` exactly for every row ``u`` of ``U`` (ReLU / identity activations)."""
    return unpack(_original_packed(net, low, high, bits, U))


def pack(numerators: np.ndarray, denominators: Sequence[int]) -> tuple:
    """Exact values as (integer numerators — int64 where they fit, else Python ints —, one denominator per
    output): cheap to send between processes, unlike lists of Fractions."""
    num = np.asarray(numerators)
    if num.dtype == object and len(num) and max(abs(int(v)) for v in num.ravel()) < 2**62:
        num = num.astype(np.int64)
    return num, tuple(int(q) for q in denominators)


def unpack(packed: tuple) -> list[list[Fraction]]:
    """The Fractions of :func:`pack`'s output, row by row."""
    num, den = packed
    den = [int(q) for q in den]
    # tolist(): Python ints at once (3× faster than int() of each numpy scalar; object arrays are ints already)
    return [[Fraction(v, den[j]) for j, v in enumerate(row)] for row in np.asarray(num).tolist()]


def _original_packed(net: Network, low, high, bits: int, U: np.ndarray) -> tuple:
    G = 2**bits
    q = []
    cols = []
    for i in range(net.input_dim):
        lo, delta = Fraction(low[i]), (Fraction(high[i]) - Fraction(low[i])) / G
        qi = _lcm(lo.denominator, delta.denominator)
        q.append(qi)
        cols.append(int(lo * qi) + int(delta * qi) * U[:, i].astype(object))
    Y = np.stack(cols, axis=1)  # Python integers; _int_affine moves to int64 where that is provably safe
    for layer in net.layers:
        Y, q = _int_affine(as_coo(layer.weight).row_entries(), layer.bias, Y, q)
        if layer.activation == "relu":
            Y = np.maximum(Y, 0)
        elif layer.activation != "identity":
            raise NetconstructError(f"exact grid evaluation needs relu/identity, not {layer.activation}")
    return pack(Y, q)


# --- the transformed network: integers inside, rational read-out --------------------------------
def _csr(m: Coo):
    from scipy import sparse

    vals = []
    for v in m.values:
        if Fraction(v).denominator != 1:
            raise NetconstructError("integer evaluation met a non-integer weight")
        vals.append(int(v))
    return sparse.csr_matrix(
        (np.array(vals, dtype=np.int64), (np.asarray(m.rows, dtype=np.int64), np.asarray(m.cols, dtype=np.int64))),
        shape=m.shape,
    )


@dataclass(frozen=True)
class Prepared:
    """The transformed network ready for integer evaluation on the grid: layer 1 in terms of the grid
    index u (W·(lo + δ∘u) + b is integer there by construction), integer hidden layers, exact read-out."""

    W1: object
    b1: np.ndarray
    mids: tuple
    readout: "_Readout"
    chunk: int
    headroom: bool = False  # the a-priori bound over the whole grid proves no int64 overflow anywhere


def prepare_transformed(net: Network, low, high, bits: int) -> Prepared:
    """Everything :func:`transformed_on_grid` needs, computed once per network (not per piece)."""
    G = 2**bits
    first = as_coo(net.layers[0].weight)
    deltas = [(Fraction(high[i]) - Fraction(low[i])) / G for i in range(net.input_dim)]
    vals = [Fraction(v) * deltas[c] for c, v in zip(first.cols, first.values)]
    shift = [Fraction(x) for x in net.layers[0].bias]
    for r, c, v in zip(first.rows, first.cols, first.values):
        shift[r] += Fraction(v) * Fraction(low[c])
    if any(x.denominator != 1 for x in vals + shift):
        raise NetconstructError("the first layer is not integer on the grid (not a bound-weights network?)")
    W1 = _csr(Coo.from_triplets(first.shape, first.rows, first.cols, [int(x) for x in vals]))
    b1 = np.array([int(x) for x in shift], dtype=np.int64)[:, None]
    mids = []
    for layer in net.layers[1:-1]:
        w = layer.weight
        mats = (_csr(w.left), _csr(w.right)) if isinstance(w, Outer) else (_csr(w),)
        absm = [abs(m).astype(float) for m in mats]
        mids.append((mats, absm, np.array([int(x) for x in layer.bias], dtype=np.int64)[:, None]))
    # chunks small enough that every activation array (width × chunk int64) stays within a few MiB:
    # fresh arrays of hundreds of MiB cost more in page faults than the arithmetic itself
    chunk = max(64, 600_000 // max(net.widths))
    return Prepared(W1, b1, tuple(mids), _Readout(net.layers[-1]), chunk, _headroom(W1, b1, mids, G))


def _headroom(W1, b1, mids, G: int) -> bool:
    """Whether |activation| ≤ |W|·bound + |b|, propagated from 0 ≤ u ≤ G − 1 over the whole grid, keeps every
    intermediate product below 2⁶² (with 1% slack for the float arithmetic of the bound itself)."""
    bound = abs(W1).astype(float) @ np.full(W1.shape[1], float(G - 1)) + np.abs(b1[:, 0]).astype(float)
    for mats, absm, bias in mids:
        for m in reversed(absm):
            bound = m @ bound
            if float(bound.max(initial=0.0)) * 1.01 >= _SAFE:
                return False
        bound = bound + np.abs(bias[:, 0]).astype(float)
        if float(bound.max(initial=0.0)) * 1.01 >= _SAFE:
            return False
    return True


def evaluate_prepared(prep: Prepared, U: np.ndarray) -> list[list[Fraction]]:
    """The prepared transformed network at the grid points U, exactly (int64 with proved headroom)."""
    return unpack(evaluate_packed(prep, U))


def evaluate_packed(prep: Prepared, U: np.ndarray) -> tuple:
    """:func:`evaluate_prepared` as :func:`pack`'s (numerators, denominators)."""
    out: list = []
    for s in range(0, len(U), prep.chunk):
        A = prep.W1 @ U[s : s + prep.chunk].T.astype(np.int64)
        A += prep.b1
        np.maximum(A, 0, out=A)
        for mats, absm, bias in prep.mids:
            if not prep.headroom:  # the bound over this chunk's actual values (A ≥ 0 after the ReLU)
                bound = A.max(axis=1).astype(float)
                for m in reversed(absm):  # every intermediate product stays below 2^62 (with 1% slack)
                    bound = m @ bound
                    if float(bound.max(initial=0.0)) * 1.01 + float(np.abs(bias).max(initial=0)) >= _SAFE:
                        raise NetconstructError("integer evaluation would overflow int64")
            for m in reversed(mats):
                A = m @ A
            A += bias
            np.maximum(A, 0, out=A)
        out.append(prep.readout(A))
    if not out:
        return np.zeros((0, len(prep.readout.rows)), dtype=np.int64), prep.readout.denominators
    nums = [o[0] for o in out]
    if any(n.dtype == object for n in nums):
        nums = [n.astype(object) for n in nums]
    return np.concatenate(nums), prep.readout.denominators


def transformed_on_grid(net: Network, low, high, bits: int, U: np.ndarray) -> list[list[Fraction]]:
    """The transformed network at the grid points, exactly (its hidden weights are integers)."""
    return evaluate_prepared(prepare_transformed(net, low, high, bits), U)


class _Readout:
    """Rational affine read-out of integer activations, exactly: each row's weights, scaled to integers
    by their common denominator, are split into 30-bit limbs (int64 products), recombined in Python ints."""

    def __init__(self, layer):
        self.rows = []
        for j, row in enumerate(as_coo(layer.weight).row_entries()):
            D = _denominator([w for _, w in row] + [layer.bias[j]])
            ints = [(i, int(Fraction(w) * D)) for i, w in row]
            limbs = []
            for sign in (1, -1):
                part = [(i, sign * k) for i, k in ints if sign * k > 0]
                t = 0
                while part:
                    limb = np.zeros(layer.n_in, dtype=np.int64)
                    for i, k in part:
                        limb[i] += k & (2**30 - 1)
                    limbs.append((limb, sign << (30 * t)))
                    part = [(i, k >> 30) for i, k in part if k >> 30]
                    t += 1
            self.rows.append((D, int(Fraction(layer.bias[j]) * D), limbs))

    @property
    def denominators(self) -> tuple:
        return tuple(D for D, _, _ in self.rows)

    def __call__(self, A: np.ndarray) -> tuple:
        """The read-out of the activations A (one column per point), packed (see :func:`pack`)."""
        if int(np.abs(A).sum(axis=0).max(initial=0)) >= 2**31:
            raise NetconstructError("read-out activations too large for the limb evaluation")
        out = np.empty((A.shape[1], len(self.rows)), dtype=object)
        for j, (D, c, limbs) in enumerate(self.rows):
            total = np.full(A.shape[1], c, dtype=object)
            for limb, scale in limbs:
                total = total + (limb @ A).astype(object) * scale
            out[:, j] = total
        return pack(out, self.denominators)


def band_measure(low, high, bits: int, band_bits: int) -> Fraction:
    """Fraction of the box where some coordinate lies in a read-in band ``(a_t − η, a_t)``."""
    G = 2**bits
    keep = Fraction(1)
    for _ in range(len(low)):
        keep *= 1 - Fraction(G - 1, G * 2**band_bits)
    return 1 - keep


__all__ = ["grid_points", "original_on_grid", "transformed_on_grid", "band_measure", "pack", "unpack"]


def original_piece(context, U: np.ndarray) -> tuple:
    """:func:`original_on_grid` on one piece of the grid (``context`` = (net, low, high, bits)), packed."""
    return _original_packed(*context, U)


def transformed_piece(context, U: np.ndarray) -> tuple:
    """The transformed network on one piece of the grid (``context`` = its :class:`Prepared` form), packed."""
    return evaluate_packed(context, U)


def on_grid(piece_fn, net: Network, low, high, bits: int, U: np.ndarray, workers: int | None = 1,
            scheduler: str | None = None, progress=None, piece_size: int = 4096) -> list[list[Fraction]]:
    """Exact values at every row of U, computed in pieces of ``piece_size`` points by
    :func:`netconstruct.parallel.run` (same values, same order, whatever the backend).  For the transformed
    network the integer matrices are prepared once and sent to each worker once."""
    from ..parallel import chunks, run

    parts = [U[a:b] for a, b in chunks(len(U), piece_size)]
    context = prepare_transformed(net, low, high, bits) if piece_fn is transformed_piece else (net, low, high, bits)
    out = run(piece_fn, parts, context, workers, scheduler, progress)
    return [row for part in out for row in unpack(part)]
