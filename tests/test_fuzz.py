"""Property-based fuzzing of everything that reads user input: the JSON loader, the target expression
parser and the three importers.  Property: any input either loads or raises the documented
NetconstructError family — never another exception — and does so within the time cap (hypothesis'
deadline per example)."""

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netconstruct import jsonio
from netconstruct.errors import NetconstructError

GOLDEN = Path(__file__).parent / "golden"
GOOD = json.loads((GOLDEN / "r3.json").read_text())
FAST = settings(max_examples=120, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False),
                      st.text(max_size=12), st.sampled_from(["1e400", "1/0", "nan", "-inf", "9" * 2000, "0.5", "-3/7",
                                                             "outer", "dense", "sparse", "relu", "sigmoid"]))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                          max_leaves=12)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(GOOD) if p]


@FAST
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_value), min_size=1, max_size=3))
def test_loader_mutations(edits):
    data = json.loads(json.dumps(GOOD))
    for path, value in edits:
        obj = data
        try:
            for k in path[:-1]:
                obj = obj[k]
            obj[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        net = jsonio.loads(json.dumps(data))
    except NetconstructError:
        return
    net.stats()
    import numpy as np

    net(np.zeros((2, net.input_dim)))


@FAST
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_loader_arbitrary_text(blob):
    try:
        jsonio.loads(blob)
    except NetconstructError:
        pass


TOKENS = ["r", "pi", "e", "1", "2", "0.5", "10", "64", "1e400", "+", "-", "*", "/", "**", "^", "(", ")", ",",
          "sin(", "cos(", "tan(", "exp(", "log(", "sqrt(", "tanh(", "abs(", "min(", "max(", "__import__(", "x", "."]


@settings(max_examples=200, deadline=30_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=24))
def test_expression_parser(tokens):
    from netconstruct.targets import make_target, parse_expression

    text = "".join(tokens)
    try:
        parse_expression(text)
        make_target(expression=text, lipschitz="1000")  # the sampled checks and evaluation, not the proof
    except NetconstructError:
        pass


def _valid_exports(tmp):
    from netconstruct.export import export

    net = jsonio.load(GOLDEN / "r3.json")
    out = {}
    for fmt, suffix in (("onnx", ".onnx"), ("torch", ".pt"), ("npz", ".npz")):
        try:
            p = tmp / f"model{suffix}"
            export(net, fmt, p)
            out[suffix] = p.read_bytes()
        except NetconstructError:  # the extra is not installed
            pass
    return out


_EXPORTS: dict = {}


def exports() -> dict:
    if not _EXPORTS:
        import tempfile

        _EXPORTS.update(_valid_exports(Path(tempfile.mkdtemp())))
    return _EXPORTS


@settings(max_examples=60, deadline=20_000, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.sampled_from([".onnx", ".pt", ".npz"]), st.integers(0, 2**32 - 1), st.integers(1, 40),
       st.booleans())
def test_importers_on_corrupted_files(tmp_path, suffix, seed, flips, truncate):
    from netconstruct.export import import_model

    if suffix not in exports():
        pytest.skip("extra not installed")
    rng = random.Random(seed)
    data = bytearray(exports()[suffix])
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if truncate:
        data = data[: rng.randrange(1, len(data))]
    p = tmp_path / f"fuzz{seed}{suffix}"
    p.write_bytes(bytes(data))
    try:
        import_model(p)
    except NetconstructError:
        pass


@FAST
@given(st.sampled_from([".onnx", ".pt", ".npz"]), st.binary(max_size=300))
def test_importers_on_arbitrary_bytes(tmp_path_factory, suffix, blob):
    from netconstruct.export import import_model

    p = tmp_path_factory.mktemp("blob") / f"blob{suffix}"
    p.write_bytes(blob)
    try:
        import_model(p)
    except NetconstructError:
        pass


# --------------------------------------------------------------------------------------------
# command-line options and network metadata (docs/reliability.md, "Bounded cost", "Stored claims")
# --------------------------------------------------------------------------------------------
HOSTILE = ["-1", "0", "nan", "inf", "-inf", "1e400", "1e-300", "١٢", "abc", "9" * 40, "", "-0", "0x10", "1/0",
           "1e12", "tcp://", "inproc://x", "http://x:1", "tcp://127.0.0.1:abc", "garbage", "[1]", "exp(1000)"]
RADIAL_OPTIONS = ["--d", "--eps", "--seed", "--samples", "--digits", "--workers", "--scheduler", "--lipschitz",
                  "--radius", "--max-neurons", "--knots", "--depth", "--regime", "--g", "--time", "--max-regions"]


def _cli(args):
    from typer.testing import CliRunner

    from netconstruct.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@settings(max_examples=60, deadline=30_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(RADIAL_OPTIONS), st.sampled_from(HOSTILE)), min_size=1, max_size=2))
def test_radial_options_fail_in_one_line(pairs):
    """Any hostile option value: exit 0, 1 or 2 — never an internal error — and a failure is one line."""
    args = ["radial", "--d", "2", "--eps", "0.3", "--samples", "50", "--no-verify"]
    for option, value in pairs:
        args += [option, value]
    res = _cli(args)
    assert res.exit_code in (0, 1, 2), (args, res.output[-500:])
    if res.exit_code:  # one line (a note that --workers was capped may come first, when the command went on)
        lines = [line for line in res.output.strip().splitlines() if not line.startswith("note: --workers")]
        assert "internal error" not in res.output and len(lines) == 1, (args, res.output)


META_KEYS = ["d", "eps", "regime", "degree", "chebyshev", "directions", "knots", "n", "M", "shift"]


@settings(max_examples=40, deadline=30_000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["r2d.json", "r3.json", "r2a.json"]),
       st.lists(st.tuples(st.sampled_from(META_KEYS), st.none() | json_value), min_size=1, max_size=3),
       st.booleans())
def test_metadata_that_lies_is_a_bad_file(tmp_path_factory, name, edits, params_not_object):
    """A network whose metadata was changed (keys removed, wrong types, another d or ε) is verified or refused
    with one line and exit 1 — never an internal error; a lie about d is always refused."""
    doc = json.loads((GOLDEN / name).read_text())
    params = doc["metadata"].setdefault("parameters", {})
    for key, value in edits:
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    if params_not_object:
        doc["metadata"]["parameters"] = list(params.values())
    path = tmp_path_factory.mktemp("meta") / name
    path.write_text(json.dumps(doc))
    res = _cli(["verify", path, "--samples", "50", "--time", "5"])
    assert res.exit_code in (0, 1), res.output[-500:]
    if res.exit_code:
        assert "internal error" not in res.output and res.output.strip().count("\n") <= 40, res.output
    lied_d = not params_not_object and "d" in dict(edits) and dict(edits)["d"] not in (None, doc["input_dim"])
    if params_not_object or lied_d:
        # a non-finite value makes the file itself unusable JSON: refused one step earlier, with exit 1 too
        words = ("metadata does not match the network", "not usable JSON")
        assert res.exit_code == 1 and any(w in res.output for w in words), res.output[-300:]
