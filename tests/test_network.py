"""The network model and the algebra: evaluation paths agree; depth/size follow the algebra's rules."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netconstruct import algebra
from netconstruct.arith import Interval, MultiPrecision, interval_bounds
from netconstruct.errors import NetconstructError
from netconstruct.matrix import Coo
from netconstruct.network import Layer, Network, dense_layer


def small_net():
    return Network(
        (
            dense_layer([[1, -2], [Fraction(1, 3), 4], [0, 1]], [Fraction(1, 2), -1, 0], "relu"),
            dense_layer([[2, -1, Fraction(5, 7)]], [Fraction(-1, 3)], "identity"),
        )
    )


def _per_neuron_fractions(net, x):
    """The reference: every neuron a Fraction of its own (the slow path of evaluate_exact)."""
    v = list(x)
    for layer in net.layers:
        z = [a + b for a, b in zip(layer.weight.exact_apply(v), layer.bias)]
        v = [t if t > 0 else 0 for t in z] if layer.activation == "relu" else (
            [1 if t >= 0 else 0 for t in z] if layer.activation == "step" else z)
    return v


exact_entry = st.one_of(st.just(0), st.integers(-5, 5), st.fractions(min_value=-4, max_value=4, max_denominator=97))


@st.composite
def pl_networks(draw):
    """Random piecewise-linear networks with zero entries, empty rows, zero biases and factored layers."""
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    layers = []
    for i, (n, m) in enumerate(zip(widths, widths[1:])):
        last = i == len(widths) - 2
        act = "identity" if last else draw(st.sampled_from(["relu", "relu", "step", "identity"]))
        W = [[draw(exact_entry) for _ in range(n)] for _ in range(m)]
        b = [draw(exact_entry) for _ in range(m)]
        layer = dense_layer(W, b, act)
        if draw(st.booleans()):  # the same map as a factored product left @ right
            from netconstruct.matrix import Outer

            k = draw(st.integers(1, 3))
            R = [[draw(exact_entry) for _ in range(n)] for _ in range(k)]
            L = [[draw(exact_entry) for _ in range(k)] for _ in range(m)]
            layer = Layer(Outer(Coo.from_dense(L), Coo.from_dense(R)), tuple(b), act)
        layers.append(layer)
    return Network(tuple(layers))


@given(pl_networks(), st.data())
@settings(max_examples=150, deadline=None)
def test_integer_evaluation_equals_per_neuron_fractions(net, data):
    """Exact evaluation over one common denominator per layer (numpy arrays of Python integers) gives exactly
    the values of the neuron-by-neuron Fraction arithmetic — for zero rows, zero biases, factored layers,
    step and identity activations."""
    x = data.draw(st.lists(exact_entry | st.floats(-8, 8).map(Fraction), min_size=net.input_dim, max_size=net.input_dim))
    fast = net.evaluate_exact_fast(x)
    assert fast is not None and fast == _per_neuron_fractions(net, x)


def test_integer_evaluation_declines_huge_common_denominators(monkeypatch):
    """Past the common-denominator budget the integer kernel declines (None) and evaluate_exact still answers
    exactly, neuron by neuron."""
    import netconstruct.limits as limits

    monkeypatch.setattr(limits, "MAX_COMMON_DENOMINATOR_BITS", 8)
    net = Network((dense_layer([[Fraction(1, 101), Fraction(1, 103)]], [Fraction(1, 107)], "identity"),))
    x = [Fraction(1, 3), 2]
    assert net.evaluate_exact_fast(x) is None
    assert net.evaluate_exact(x) == [Fraction(1, 303) + Fraction(2, 103) + Fraction(1, 107)]


def test_statistics():
    s = small_net().stats()
    assert s["depth"] == 2 and s["neurons"] == 3 and s["widths"] == [2, 3, 1]
    assert s["max_abs_weight"] == 4 and s["max_abs_bias"] == 1
    assert s["parameters_dense"] == 2 * 3 + 3 + 3 + 1


@given(st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=50), min_size=2, max_size=2))
@settings(max_examples=50, deadline=None)
def test_float_mp_interval_and_exact_evaluations_agree(x):
    net = small_net()
    exact = net.evaluate_exact(x)[0]
    assert abs(net(np.array([float(v) for v in x]))[0] - float(exact)) < 1e-12
    mp = MultiPrecision(60)
    assert abs(net.evaluate_point(x, mp)[0] - mp.const(Fraction(exact))) < mp.ctx.mpf(10) ** -55
    lo, hi = interval_bounds(net.evaluate_point(x, Interval(113))[0])
    assert lo <= exact <= hi  # the interval evaluation encloses the exact value


def test_shapes_must_chain():
    with pytest.raises(NetconstructError, match="layer 2: weight matrix is 1×2 but layer 1 outputs 3 values"):
        Network((dense_layer([[1], [2], [3]], [0, 0, 0]), dense_layer([[1, 1]], [0], "identity")))


def test_unknown_activation():
    with pytest.raises(NetconstructError, match="relux"):
        Layer(Coo.from_dense([[1]]), (0,), "relux")


@given(st.lists(st.fractions(min_value=-2, max_value=2, max_denominator=20), min_size=2, max_size=2))
@settings(max_examples=30, deadline=None)
def test_compose_is_function_composition_exactly(x):
    f = small_net()
    g = algebra.relu_sum([Fraction(-1, 2), 0, 1], [1, -3, 2], constant=Fraction(1, 7))
    h = algebra.compose(g, f)
    assert h.depth == f.depth + g.depth - 1
    assert h.size == f.size + g.size
    inner = f.evaluate_exact(x)
    assert h.evaluate_exact(x) == g.evaluate_exact(inner)


def test_parallel_sum_scale_and_shifted_identity():
    f = small_net()
    p = algebra.parallel(f, f)
    x = [Fraction(1, 3), Fraction(-1, 2), Fraction(2), Fraction(1, 5)]
    assert p.evaluate_exact(x) == f.evaluate_exact(x[:2]) + f.evaluate_exact(x[2:])
    s = algebra.sum_(f, algebra.scale(3, f), constant=2)
    assert s.evaluate_exact(x[:2]) == [4 * f.evaluate_exact(x[:2])[0] + 2]
    ident = algebra.shifted_identity(Coo.from_dense([[1, 1]]), [-5])
    assert ident.evaluate_exact([Fraction(-2), Fraction(-3, 2)]) == [Fraction(-7, 2)]  # linear where x1+x2 ≥ −5
    assert ident.evaluate_exact([Fraction(-4), Fraction(-3)]) == [-5]  # and clipped below


def test_relu_sum_is_the_stated_function():
    net = algebra.relu_sum([0, 1], [2, -1], constant=3)
    for s in [Fraction(-1), Fraction(1, 2), Fraction(5, 2)]:
        expected = 3 + 2 * max(s, 0) - max(s - 1, 0)
        assert net.evaluate_exact([s]) == [expected]


def test_pickled_network_keeps_float_caches_only():
    """A network sent to a worker carries its float64 weight forms (costly to rebuild) but never numbers of
    a private mpmath context, and evaluates the same after the trip."""
    import pickle

    from netconstruct.arith import multiprecision

    net = small_net()
    X = np.array([[0.25, -0.5], [1.0, 2.0]])
    before = net(X)
    net.evaluate_point([Fraction(1, 4), Fraction(-1, 2)], multiprecision(30))
    back = pickle.loads(pickle.dumps(net))
    caches = [layer._cache for layer in back.layers] + [layer.weight._cache for layer in back.layers]
    values = [v for c in caches for v in c.values()]
    assert values and all(type(v).__module__.split(".")[0] in ("numpy", "scipy") for v in values)
    assert np.array_equal(back(X), before)
