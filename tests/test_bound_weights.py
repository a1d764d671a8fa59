"""bound-weights (Vardi & Shamir 2020): depth 3k+3, weights within the stated polynomial bound, and
exact agreement with the original network on every grid point."""

import json
import random
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app
from netconstruct.jsonio import dumps, load, save
from netconstruct.network import Network, dense_layer
from netconstruct.transforms.bound_weights import Params, transform
from netconstruct.transforms.checks import check, range_bound
from netconstruct.transforms.grid import band_measure, grid_points, original_on_grid, transformed_on_grid

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def big(rng):
    """A rational weight: mostly huge (|w| up to 2^45), sometimes small or with an odd denominator."""
    e = rng.choice([40, 42, 45, 3, 0])
    return Fraction(rng.choice([-1, 1]) * rng.randint(2**e, 2 ** (e + 1)), rng.choice([1, 3, 7, 1024]))


def random_net(seed: int, d: int, k: int, width: int) -> Network:
    rng = random.Random(seed)
    widths = [d] + [width] * (k - 1) + [1]
    layers = []
    for i in range(k):
        W = [[big(rng) for _ in range(widths[i])] for _ in range(widths[i + 1])]
        W[0][0] = Fraction(2**40 + 1)  # at least one weight ≥ 2^40 in every layer
        b = [big(rng) for _ in range(widths[i + 1])]
        layers.append(dense_layer(W, b, "relu" if i < k - 1 else "identity"))
    return Network(tuple(layers), {})


def transform_and_compare(net, lo, hi, bits, eps=0):
    U, _ = grid_points(net.input_dim, bits, 10**6, 0, 0)
    old = original_on_grid(net, lo, hi, bits, U)
    M = max(abs(v[0]) for v in old) + 1
    res = transform(net, Params(lo, hi, bits, 3, eps, M))
    new = transformed_on_grid(res.network, lo, hi, bits, U)
    return res, old, new


CASES = [(d, k, B) for k in (1, 2, 3) for d in (1, 2, 3) for B in (1, 2, 4) if d * B <= 8]


@pytest.mark.parametrize("d,k,bits", CASES)
def test_exact_on_every_grid_point(d, k, bits):
    """N'(x̃) = N(x̃) exactly on all 2^{dB} grid points; depth 3k+3; weights within the bound ≪ 2^40."""
    net = random_net(100 * d + 10 * k + bits, d, k, width=2)
    assert net.stats()["max_abs_weight"] >= 2**40
    lo, hi = (Fraction(-1, 2),) * d, (Fraction(3, 4),) * d
    res, old, new = transform_and_compare(net, lo, hi, bits)
    assert len(old) == 2 ** (d * bits)
    assert new == old
    st = res.network.stats()
    assert res.network.depth == 3 * k + 3
    assert st["max_abs_weight"] <= res.bound["max_abs_weight"]
    assert st["max_abs_bias"] <= res.bound["max_abs_bias"]


@pytest.mark.parametrize("seed", range(6))
def test_output_precision(seed):
    """With --eps the dropped digits cost at most ε/2 at every grid point."""
    eps = Fraction(1, 100)
    net = random_net(seed, 2, 2, width=3)
    lo, hi = (0, 0), (1, 1)
    res, old, new = transform_and_compare(net, lo, hi, 3, eps)
    assert max(abs(a[0] - b[0]) for a, b in zip(old, new)) <= eps / 2


def test_weights_polynomial_while_input_is_exponential():
    """Input weights ≥ 2^40; the output's weights stay below the bound (2^{B+β}/(hi−lo), 4(n+2)², 2^{L+2}(M+1))."""
    net = load("examples/large_weights_k2.json")
    assert net.stats()["max_abs_weight"] >= 2**40
    lo, hi = (0, 0), (1, 1)
    res, old, new = transform_and_compare(net, lo, hi, 6)
    assert new == old
    st = res.network.stats()
    assert st["max_abs_weight"] <= res.bound["max_abs_weight"] <= 2**16
    assert res.bound["weight_terms"]["read-in slope 2^(B+beta)/(hi-lo)"] == 2 ** (6 + 3)


def test_band_measure_and_range_bound():
    assert band_measure((0,), (1,), 2, 3) == Fraction(3, 4 * 8)
    net = load("examples/large_weights_k2.json")
    U, _ = grid_points(2, 4, 10**6, 0, 0)
    top = max(abs(v[0]) for v in original_on_grid(net, (0, 0), (1, 1), 4, U))
    assert top <= range_bound(net, (0, 0), (1, 1))


def test_sampled_grid_when_too_many_points():
    U, desc = grid_points(3, 16, 10**6, 500, 1)
    assert len(U) >= 500 and "corners" in desc
    assert {0, 2**16 - 1} <= set(U[:, 0].tolist())


def test_check_reports_everything():
    net = random_net(5, 2, 2, width=2)
    lo, hi = (0, 0), (1, 1)
    U, desc = grid_points(2, 3, 10**6, 0, 0)
    old = original_on_grid(net, lo, hi, 3, U)
    res = transform(net, Params(lo, hi, 3, 4, 0, max(abs(v[0]) for v in old)))
    rep = check(net, res, grid=(U, desc, old), box_samples=300, seed=2)
    assert rep.ok and rep.data["grid"]["max_abs_difference"] == 0 and rep.data["grid"]["count"] == 64
    assert rep.data["depth"] == {"source": 2, "result": 9, "expected": 9, "ok": True}
    assert rep.data["box"]["band_measure"] == band_measure(lo, hi, 3, 4)


def test_too_small_range_is_reported_not_hidden():
    """A bound M below the true maximum makes digits wrap: the check must fail, not pass silently."""
    net = load("examples/large_weights_k2.json")
    lo, hi = (0, 0), (1, 1)
    U, desc = grid_points(2, 3, 10**6, 0, 0)
    old = original_on_grid(net, lo, hi, 3, U)
    res = transform(net, Params(lo, hi, 3, 4, 0, Fraction(1, 2)))
    rep = check(net, res, grid=(U, desc, old), box_samples=0)
    assert not rep.ok and rep.data["grid"]["range_violations"] > 0


def test_radial_depth2_round_trip(tmp_path):
    """A depth-2 radial network goes through, checks exactly, and its JSON loads back identically."""
    from netconstruct.constructions import radial_depth2
    from netconstruct.targets import make_target

    tgt = make_target("sine")
    net = radial_depth2.build("accuracy", 2, Fraction(3, 10), tgt)
    lo, hi = (-1, -1), (1, 1)
    res, old, new = transform_and_compare(net, lo, hi, 3)
    assert new == old and res.network.depth == 9
    path = tmp_path / "bounded.json"
    save(res.network, path)
    again = load(path)
    assert dumps(again) == path.read_text() and again.stats() == res.network.stats()


def test_cli_example(tmp_path):
    out = tmp_path / "bounded.json"
    r = run("bound-weights", "examples/large_weights_k2.json", "--bits", "5", "--samples", "500", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["ok"] and rep["depth"]["result"] == 9
    assert rep["grid"]["points"] == "all 1024 grid points" and Fraction(rep["grid"]["max_abs_difference"]) == 0
    assert int(rep["before"]["max_abs_weight"]) >= 2**40 > Fraction(rep["after"]["max_abs_weight"])
    r2 = run("info", out, "--json")
    assert r2.exit_code == 0 and json.loads(r2.stdout)["network"]["depth"] == 9
    r3 = run("bound-weights", "examples/large_weights_k2.json", "--bits", "5", "--samples", "500", "--out", out, "--json")
    assert r3.stdout == r.stdout  # reproducible


def _one_line_error(r, code):
    assert r.exit_code == code, r.output
    text = r.output.strip()
    assert "Traceback" not in text and len(text.splitlines()) == 1, text


def test_bad_inputs(tmp_path):
    sig = Network((dense_layer([[1]], [0], "sigmoid"), dense_layer([[1]], [0], "identity")), {})
    p = tmp_path / "sig.json"
    save(sig, p)
    _one_line_error(run("bound-weights", p), 1)
    relu_out = Network((dense_layer([[1]], [0], "relu"),), {})
    save(relu_out, p)
    _one_line_error(run("bound-weights", p), 1)
    text = (tmp_path / "nan.json")
    good = json.loads(dumps(load("examples/large_weights_k2.json")))
    good["layers"][0]["bias"][0] = "NaN"
    text.write_text(json.dumps(good))
    _one_line_error(run("bound-weights", text), 1)
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": 1}')
    _one_line_error(run("bound-weights", junk), 1)
    _one_line_error(run("bound-weights", "examples/large_weights_k2.json", "--bits", "0"), 2)
    _one_line_error(run("bound-weights", "examples/large_weights_k2.json", "--eps", "-1"), 2)
    _one_line_error(run("bound-weights", "examples/large_weights_k2.json", "--low", "1", "--high", "0"), 2)
    _one_line_error(run("bound-weights", "examples/large_weights_k2.json", "--bits", "8", "--max-neurons", "100"), 1)
    unbounded = load("examples/large_weights_k2.json").with_metadata(domain={"type": "whole-space"})
    save(unbounded, p)
    _one_line_error(run("bound-weights", p), 1)


def test_onnx_export_of_the_bounded_network_runs(tmp_path):
    """The transformed network exports to ONNX; onnxruntime gives the exact grid values."""
    pytest.importorskip("onnxruntime")
    import numpy as np
    import onnxruntime as ort

    from netconstruct.export import export

    net = load("examples/large_weights_k2.json")
    res, old, _ = transform_and_compare(net, (0, 0), (1, 1), 4)
    path = tmp_path / "b.onnx"
    export(res.network, "onnx", path)
    sess = ort.InferenceSession(str(path))
    U, _ = grid_points(2, 4, 10**6, 0, 0)
    y = sess.run(None, {sess.get_inputs()[0].name: U / 16.0})[0]
    assert np.array_equal(y[:, 0], np.array([float(v[0]) for v in old]))


def test_digit_wrap_with_large_carry_count_from_the_block_below():
    """Regression: a block whose own digits are small can still wrap (c_b = l_b + h_{b−1} ≥ 2^L) because
    h_{b−1} is a count up to 2^L − 1, not a bit; the wrap gate must not be folded away."""
    W = [33554559, -197119, -511, 1151, 196735, 6159, 201326623]
    net = Network((dense_layer([W], [-2984], "identity"),), {})
    d = len(W)
    res, old, new = transform_and_compare(net, (0,) * d, (2,) * d, 1)
    assert new == old
