"""The command line: reports, agreement of radial/verify, reproducibility, one-line errors."""

import json

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "net.json"
    res = run("radial", "--d", "8", "--eps", "0.1", "--out", str(out), "--json", "--samples", "800")
    assert res.exit_code == 0, res.output
    return out, json.loads(res.stdout)


def test_radial_json_report(built):
    out, rep = built
    v = rep["verification"]
    assert rep["network"]["depth"] == 3
    assert float(v["certified"]["sup_error"]) <= 0.1
    assert float(v["empirical"]["max_error_mpmath"]) <= float(v["certified"]["sup_error"])
    assert v["ok"] is True and "timings" not in rep


def test_verify_agrees_with_radial(built):
    out, rep = built
    res = run("verify", str(out), "--json", "--samples", "800")
    assert res.exit_code == 0, res.output
    again = json.loads(res.stdout)
    assert again["certified"]["sup_error"] == rep["verification"]["certified"]["sup_error"]
    assert again["empirical"]["max_error_mpmath"] == rep["verification"]["empirical"]["max_error_mpmath"]


def test_verify_exits_1_when_the_claim_fails(built):
    out, _ = built
    res = run("verify", str(out), "--eps", "0.001", "--samples", "200")
    assert res.exit_code == 1


def test_same_command_same_bytes(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for p in (a, b):
        assert run("radial", "--d", "4", "--eps", "0.2", "--seed", "3", "--samples", "300", "--out", str(p)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_info_and_eval(built):
    out, _ = built
    res = run("info", str(out), "--json")
    assert res.exit_code == 0
    info = json.loads(res.stdout)
    assert info["network"]["depth"] == 3 and info["network"]["widths"][0] == 8
    res = run("eval", str(out), "--x", "0.1,0,0,0,0,0,0,-0.2", "--json")
    assert res.exit_code == 0, res.output
    ev = json.loads(res.stdout)
    assert abs(ev["float64"][0] - float(ev["mpmath"][0])) < 1e-12
    from fractions import Fraction

    assert abs(float(Fraction(ev["exact"][0])) - ev["float64"][0]) < 1e-12


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["radial", "--d", "0"], 2, "--d must be between 1 and"),
        (["radial", "--eps", "0"], 2, "--eps must be > 0"),
        (["radial", "--eps", "nan"], 2, "not a finite number"),
        (["radial", "--g", "__import__('os')"], 2, "unknown function"),
        (["radial", "--g", "sqrt(r)", "--d", "2"], 2, "not Lipschitz"),
        (["radial", "--d", "100000", "--eps", "0.001"], 1, "--max-neurons 1,000,000"),
        (["verify", "/no/such/file.json"], 1, "no such file"),
        (["eval", "/no/such/file.json", "--x", "0"], 1, "no such file"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code(args, code, needle):
    res = run(*args)
    assert res.exit_code == code
    text = res.stderr if hasattr(res, "stderr") else res.output
    assert needle in text
    assert "Traceback" not in res.output


def test_bad_file_is_one_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"format": "netconstruct-network", "schema_version": 1, "input_dim": 2, "layers": [{"activation": "relux", "weight": {"encoding": "dense", "shape": [1,2], "values": [["1","2"]]}, "bias": ["0"]}]}')
    res = run("info", str(p))
    assert res.exit_code == 1
    assert "layer 1: unknown activation 'relux'" in res.stderr


def test_version():
    res = run("--version")
    assert res.exit_code == 0 and "netconstruct" in res.stdout


def test_verify_exit_codes_tell_the_truth(built, tmp_path):
    """Exit 0 only when the *certified* bound is ≤ ε; exit 1 with "counterexample" when a point beats ε; exit 1
    with "not certified" when there is no proof — a sampled error alone is never a pass."""
    import numpy as np

    from netconstruct.jsonio import save
    from netconstruct.network import Network, dense_layer

    out, _ = built
    ok = run("verify", str(out), "--samples", "200")
    assert ok.exit_code == 0
    bad = run("verify", str(out), "--eps", "0.001", "--samples", "200")
    assert bad.exit_code == 1 and "counterexample" in bad.output
    rng = np.random.default_rng(0)  # a small dense ReLU net: no structural certificate applies
    W1, W2 = rng.standard_normal((6, 2)), rng.standard_normal((1, 6)) * 1e-3
    from fractions import Fraction

    net = Network((dense_layer([[Fraction(float(v)) for v in r] for r in W1], [0] * 6),
                   dense_layer([[Fraction(float(v)) for v in r] for r in W2], [0], "identity")))
    p = tmp_path / "dense.json"
    save(net, p)
    res = run("verify", str(p), "--target", "norm", "--eps", "10", "--samples", "200", "--json", "--general", "never")
    rep = json.loads(res.stdout)
    assert res.exit_code == 1 and rep["verdict"] == "not certified" and rep["certified"]["available"] is False
    assert rep["checks"]["empirical_le_eps"] is True  # the samples pass, the proof is missing: still exit 1
    # the general (box) certificate proves it; a one-box budget leaves a bound too loose for a tight ε
    res = run("verify", str(p), "--target", "norm", "--eps", "10", "--samples", "200", "--json")
    rep = json.loads(res.stdout)
    assert res.exit_code == 0 and rep["verdict"] == "certified"
    W1, W2, W3 = rng.standard_normal((16, 2)), rng.standard_normal((16, 16)) / 4, rng.standard_normal((1, 16)) / 4
    exact = lambda M: [[Fraction(float(v)) for v in r] for r in M]  # noqa: E731
    deep = Network((dense_layer(exact(W1), [0] * 16), dense_layer(exact(W2), [0] * 16),
                    dense_layer(exact(W3), [0], "identity")))
    save(deep, p)
    res = run("verify", str(p), "--target", "sine", "--samples", "200", "--json")
    lower = float(json.loads(res.stdout)["sup_error_interval"]["lower"])
    tight = f"{lower * 1.001:.9f}"
    res = run("verify", str(p), "--target", "sine", "--eps", tight, "--samples", "200", "--json", "--max-regions", "1")
    rep = json.loads(res.stdout)
    assert res.exit_code == 1 and rep["verdict"] == "not certified" and float(rep["certified"]["sup_error"]) > lower
    assert "box budget" in rep["certified"]["stopped"]
