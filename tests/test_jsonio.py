"""The JSON format: canonical round trip, schema conformance, one-line errors for bad files."""

import json
import pytest

from netconstruct import jsonio
from netconstruct.constructions import radial_depth3
from netconstruct.errors import FormatError


@pytest.fixture(scope="module")
def text(sine):
    return jsonio.dumps(radial_depth3.build(5, 0.2, sine))


def test_save_load_is_byte_identical(text, tmp_path):
    net = jsonio.loads(text)
    p = tmp_path / "n.json"
    jsonio.save(net, p)
    assert p.read_text() == text
    assert jsonio.dumps(jsonio.load(p)) == text


def test_loaded_network_computes_the_same_exact_function(text, sine):
    from fractions import Fraction

    a = radial_depth3.build(5, 0.2, sine)
    b = jsonio.loads(text)
    x = [Fraction(1, 7), Fraction(-2, 9), Fraction(0), Fraction(1, 3), Fraction(-1, 11)]
    assert a.evaluate_exact(x) == b.evaluate_exact(x)


def test_saved_file_matches_the_json_schema(text):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(jsonio.SCHEMA_FILE.read_text())
    jsonschema.validate(json.loads(text), schema)


def _mutate(text, fn):
    data = json.loads(text)
    fn(data)
    return json.dumps(data)


def _set_dense(layer):
    def f(d):
        d["layers"][layer]["weight"] = {"encoding": "dense", "shape": [2, 3], "values": [["1", "2", "3"], ["4", "5", "6"]]}
        d["layers"][layer]["bias"] = ["0", "0"]

    return f


CASES = [
    (lambda d: d.update(schema_version=7), "unsupported schema_version 7"),
    (lambda d: d.update(format="keras"), "not a netconstruct network"),
    (lambda d: d["layers"][0].update(activation="relux"), "layer 1: unknown activation 'relux'"),
    (lambda d: d["layers"][0]["bias"].__setitem__(2, "nan"), "layer 1 bias entry 3: 'nan' is not a finite number"),
    (lambda d: d["layers"][0]["weight"]["values"].__setitem__(0, "inf"), "is not a finite number"),
    (lambda d: d["layers"][0]["bias"].pop(), "layer 1: bias has"),
    (_set_dense(1), "layer 2: weight matrix is 2×3 but layer 1 outputs"),
    (lambda d: d["layers"][0]["weight"].update(encoding="csr"), "unknown weight encoding 'csr'"),
    (lambda d: d.update(layers=[]), "'layers' must be a non-empty list"),
]


@pytest.mark.parametrize("mutate,message", CASES)
def test_bad_files_give_one_line_errors(text, mutate, message):
    with pytest.raises(FormatError) as exc:
        jsonio.loads(_mutate(text, mutate))
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_not_json_and_nan_tokens():
    with pytest.raises(FormatError, match="not valid JSON"):
        jsonio.loads("{ not json")
    with pytest.raises(FormatError, match="NaN is not a finite number"):
        jsonio.loads('{"format": NaN}')


def test_dense_and_float_input_is_accepted(tmp_path):
    doc = {
        "format": "netconstruct-network",
        "schema_version": 1,
        "input_dim": 2,
        "layers": [
            {"activation": "relu", "weight": {"encoding": "dense", "shape": [2, 2], "values": [[1.5, -2], [0.25, 1]]}, "bias": [0, 1]},
            {"activation": "identity", "weight": {"encoding": "dense", "shape": [1, 2], "values": [["1/3", "-1"]]}, "bias": ["0"]},
        ],
    }
    net = jsonio.loads(json.dumps(doc))
    assert net.depth == 2 and net.widths == [2, 2, 1]
    again = jsonio.dumps(net)
    assert jsonio.dumps(jsonio.loads(again)) == again
