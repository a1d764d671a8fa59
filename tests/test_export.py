"""Export/import: onnxruntime and torch reproduce the float64 evaluation; round trips are exact."""

from fractions import Fraction

import numpy as np
import pytest

from netconstruct import jsonio
from netconstruct.constructions import orthogonal, radial_depth2, radial_depth3
from netconstruct.export import export, import_model
from netconstruct.network import Network, dense_layer

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def _ball_network():
    """The two-sigmoid-layer ball network with its fixed coordinate layer and the ideal output weights."""
    from netconstruct.experiments import ball_indicator as bi
    from netconstruct.matrix import Coo

    h = bi.coordinate_hidden(3, 4, 2.0)
    rows, cols = np.nonzero(h.W)
    W1 = Coo.from_triplets(h.W.shape, rows.tolist(), cols.tolist(), [Fraction(float(v)) for v in h.W[rows, cols]])
    H = h.W.shape[0]
    W2 = Coo.from_triplets((1, H), [0] * H, range(H), [Fraction(float(v)) * 5 for v in h.u_star])
    from netconstruct.network import Layer

    return Network((Layer(W1, tuple(Fraction(float(v)) for v in h.b), "sigmoid"), Layer(W2, (Fraction(5),), "sigmoid")))


def constructions(sine):
    """One network per construction (extended as constructions are added)."""
    return {
        "radial_depth3": radial_depth3.build(6, Fraction(1, 10), sine),
        "radial_depth2": radial_depth2.build("accuracy", 2, Fraction(1, 5), sine),
        "orthogonal_family": orthogonal.member(6, (0, 2, 3, 5)),
        "ball_indicator": _ball_network(),
        "sigmoid_and_step": Network(
            (
                dense_layer([[1, -2], [Fraction(1, 3), 4]], [0, 1], "sigmoid"),
                dense_layer([[1, 1], [2, -1]], [0, Fraction(-1, 2)], "step"),
                dense_layer([[Fraction(1, 7), 3]], [1], "identity"),
            )
        ),
    }


@pytest.fixture(scope="module")
def nets(sine):
    return constructions(sine)


ALL = ["radial_depth3", "radial_depth2", "orthogonal_family", "ball_indicator", "sigmoid_and_step"]


@pytest.mark.parametrize("name", ALL)
def test_runtimes_match_float64_evaluation(nets, name, tmp_path):
    """onnxruntime and torch outputs equal netconstruct's float64 evaluation to 1e-12 on 10⁴ inputs."""
    from netconstruct.export.onnx import run_onnxruntime
    from netconstruct.export.torch import to_module

    net = nets[name]
    X = np.random.default_rng(0).uniform(-0.4, 0.4, (10_000, net.input_dim))
    y = net(X)
    export(net, "onnx", tmp_path / "m.onnx")
    assert np.abs(run_onnxruntime(tmp_path / "m.onnx", X) - y).max() <= 1e-12
    with torch.no_grad():
        yt = to_module(net)(torch.from_numpy(X)).numpy()
    assert np.abs(yt - y).max() <= 1e-12


@pytest.mark.parametrize("fmt,suffix", [("onnx", "onnx"), ("torch", "pt"), ("npz", "npz")])
@pytest.mark.parametrize("name", ALL)
def test_import_of_export_is_the_same_network(nets, name, fmt, suffix, tmp_path):
    net = nets[name]
    path = tmp_path / f"m.{suffix}"
    export(net, fmt, path)
    assert jsonio.dumps(import_model(path)) == jsonio.dumps(net)


def test_foreign_models_import_from_their_float_weights(nets, tmp_path):
    """Without the embedded JSON, the imported weights are exactly the float64 tensors."""
    import onnx

    from netconstruct.export.torch import to_module

    net = nets["radial_depth3"]
    X = np.random.default_rng(1).uniform(-0.4, 0.4, (500, net.input_dim))
    torch.save(to_module(net).state_dict(), tmp_path / "plain.pt")
    a = import_model(tmp_path / "plain.pt")
    export(net, "onnx", tmp_path / "m.onnx")
    model = onnx.load(str(tmp_path / "m.onnx"))
    del model.metadata_props[:]
    onnx.save(model, str(tmp_path / "plain.onnx"))
    b = import_model(tmp_path / "plain.onnx")
    for imported in (a, b):
        assert imported.depth == 3 and imported.widths == net.widths
        assert np.array_equal(imported(X), net(X))  # float64 weights are the float mirror: same arithmetic
        first = imported.layers[0]
        assert all(Fraction(float(v)) == v for v in first.bias)


def test_float32_export_and_missing_file(nets, tmp_path):
    from netconstruct.errors import NetconstructError

    export(nets["radial_depth3"], "onnx", tmp_path / "f.onnx", dtype="float32")
    with pytest.raises(NetconstructError, match="no such file"):
        import_model(tmp_path / "nope.onnx")
    with pytest.raises(NetconstructError, match="unknown export format"):
        export(nets["radial_depth3"], "keras", tmp_path / "x")


def test_nan_weights_are_refused_on_import(tmp_path):
    from netconstruct.errors import FormatError

    sd = {"0.weight": torch.tensor([[1.0, float("nan")]], dtype=torch.float64), "0.bias": torch.zeros(1, dtype=torch.float64)}
    torch.save(sd, tmp_path / "nan.pt")
    with pytest.raises(FormatError, match="NaN"):
        import_model(tmp_path / "nan.pt")
