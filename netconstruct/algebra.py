"""A small algebra of networks (Jentzen, Kuckuck & von Wurstemberger, *Mathematical Introduction to
Deep Learning*, Ch. 2; the R package nnR implements the same operations).

Constructions are written with these operations so that they read like their proofs and so that
depth and size follow from the rules below instead of hand-assembled matrices:

============================  ==========================================  ===========================
operation                     realisation                                 depth
============================  ==========================================  ===========================
``affine(W, b)``              x ↦ W x + b                                 1
``compose(f, g)``             x ↦ f(g(x)) (g's last affine layer merged   depth f + depth g − 1
                              into f's first one)
``parallel(f1, …, fm)``       (x1, …, xm) ↦ (f1(x1), …, fm(xm))           common depth
``stack(f1, …, fm)``          x ↦ (f1(x), …, fm(x))                       common depth
``sum_(f1, …, fm)``           x ↦ f1(x) + … + fm(x)                       common depth
``scale(c, f)``               x ↦ c f(x)                                  depth f
``shifted_identity(n, B)``    x ↦ ReLU(x + B) − B = x on {x ≥ −B}         2 (one neuron per output)
============================  ==========================================  ===========================

All weights stay exact; ``compose`` keeps a rank-one product factored (see :mod:`netconstruct.matrix`).
"""

from __future__ import annotations

from typing import Sequence

from .errors import NetconstructError
from .exact import Exact, normalize
from .matrix import Coo, as_coo, block_diag, matmul, vstack
from .network import Layer, Network


def affine(W: Coo, b: Sequence[Exact]) -> Network:
    """The depth-1 network x ↦ W x + b."""
    return Network((Layer(W, tuple(normalize(v) for v in b), "identity"),))


def identity_matrix(n: int, scale: Exact = 1) -> Coo:
    return Coo((n, n), tuple(range(n)), tuple(range(n)), tuple([normalize(scale)] * n))


def ones_row(n: int, value: Exact = 1) -> Coo:
    return Coo((1, n), tuple([0] * n), tuple(range(n)), tuple([normalize(value)] * n))


def _last_is_affine(net: Network) -> None:
    if net.layers[-1].activation != "identity":
        raise NetconstructError("compose: the inner network must end with an affine (identity) layer")


def compose(outer: Network, inner: Network) -> Network:
    """outer ∘ inner: merge inner's last affine layer into outer's first layer."""
    _last_is_affine(inner)
    if outer.input_dim != inner.output_dim:
        raise NetconstructError(
            f"compose: outer network takes {outer.input_dim} inputs but inner network gives {inner.output_dim}"
        )
    last = inner.layers[-1]
    first = outer.layers[0]
    W = matmul(first.weight, last.weight)
    b = [x + y for x, y in zip(first.weight.exact_apply(list(last.bias)), first.bias)]
    merged = Layer(W, tuple(normalize(v) for v in b), first.activation)
    return Network(inner.layers[:-1] + (merged,) + outer.layers[1:])


def _common_depth(nets: Sequence[Network], op: str) -> int:
    depths = {n.depth for n in nets}
    if len(depths) != 1:
        raise NetconstructError(f"{op}: networks have different depths {sorted(depths)}")
    for i in range(nets[0].depth):
        if len({n.layers[i].activation for n in nets}) != 1:
            raise NetconstructError(f"{op}: networks use different activations in layer {i + 1}")
    return depths.pop()


def _as_coo(layer: Layer) -> Coo:
    return as_coo(layer.weight)


def parallel(*nets: Network) -> Network:
    """Block-diagonal combination: inputs and outputs are concatenated."""
    depth = _common_depth(nets, "parallel")
    layers = []
    for i in range(depth):
        W = block_diag(_as_coo(n.layers[i]) for n in nets)
        b = tuple(v for n in nets for v in n.layers[i].bias)
        layers.append(Layer(W, b, nets[0].layers[i].activation))
    return Network(tuple(layers))


def stack(*nets: Network) -> Network:
    """Same input for every network, outputs concatenated."""
    depth = _common_depth(nets, "stack")
    if len({n.input_dim for n in nets}) != 1:
        raise NetconstructError("stack: networks have different input dimensions")
    layers = []
    for i in range(depth):
        if i == 0:
            W = vstack([_as_coo(n.layers[0]) for n in nets])
        else:
            W = block_diag(_as_coo(n.layers[i]) for n in nets)
        b = tuple(v for n in nets for v in n.layers[i].bias)
        layers.append(Layer(W, b, nets[0].layers[i].activation))
    return Network(tuple(layers))


def sum_(*nets: Network, constant: Exact = 0) -> Network:
    """x ↦ f1(x) + … + fm(x) + constant (outputs of equal dimension)."""
    dims = {n.output_dim for n in nets}
    if len(dims) != 1:
        raise NetconstructError("sum: networks have different output dimensions")
    k = dims.pop()
    tr, tc, tv = [], [], []
    for j in range(len(nets)):
        for i in range(k):
            tr.append(i)
            tc.append(j * k + i)
            tv.append(1)
    adder = affine(Coo.from_triplets((k, k * len(nets)), tr, tc, tv), [constant] * k)
    return compose(adder, stack(*nets))


def sum_outputs(net: Network, constant: Exact = 0) -> Network:
    """x ↦ Σ_j f(x)_j + constant."""
    return compose(affine(ones_row(net.output_dim), [constant]), net)


def scale(c: Exact, net: Network) -> Network:
    return compose(affine(identity_matrix(net.output_dim, c), [0] * net.output_dim), net)


def shifted_identity(W: Coo, lower_bound: Sequence[Exact]) -> Network:
    """x ↦ ReLU(W x + B) − B, equal to W x wherever W x ≥ −B (one ReLU per output).

    ``lower_bound`` is −B; the caller proves W x ≥ −B on the input domain.
    """
    B = [normalize(-v) for v in lower_bound]
    n = W.shape[0]
    return Network(
        (
            Layer(W, tuple(B), "relu"),
            Layer(identity_matrix(n), tuple(normalize(-v) for v in B), "identity"),
        )
    )


def relu_sum(knots: Sequence[Exact], coefs: Sequence[Exact], constant: Exact = 0) -> Network:
    """The univariate depth-2 network s ↦ constant + Σ_k coefs[k] · ReLU(s − knots[k])."""
    m = len(knots)
    W1 = Coo((m, 1), tuple(range(m)), tuple([0] * m), tuple([1] * m))
    W2 = Coo.from_triplets((1, m), [0] * m, range(m), coefs)
    return Network(
        (
            Layer(W1, tuple(normalize(-t) for t in knots), "relu"),
            Layer(W2, (normalize(constant),), "identity"),
        )
    )
