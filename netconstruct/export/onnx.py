"""ONNX export (opset 17, float64 by default) and import.

Each layer is a ``Gemm`` (transB = 1, so the stored matrix has the same (out, in) layout as the JSON
and PyTorch) followed by ``Relu`` / ``Sigmoid`` / a step (``GreaterOrEqual`` + ``Cast``); a factored
weight L @ R is two ``Gemm`` nodes.  The exact netconstruct JSON rides along in the model's
``metadata_props`` so importing the file gives back the same network exactly.
"""

from __future__ import annotations

from pathlib import Path

from ..fileio import write_bytes
from ..errors import FormatError
from ..network import Network
from . import linear_pieces, require

OPSET = 17
META_KEY = "netconstruct_json"


def to_model(net: Network, dtype: str = "float64"):
    onnx = require("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    from ..jsonio import dumps

    elem = TensorProto.DOUBLE if dtype == "float64" else TensorProto.FLOAT
    nodes, inits = [], []
    cur = "x"
    for i, (W, b, act) in enumerate(linear_pieces(net)):
        wname, out = f"W{i}", f"z{i}"
        inits.append(numpy_helper.from_array(W.astype(dtype), wname))
        inputs = [cur, wname]
        if b is not None:
            inits.append(numpy_helper.from_array(b.astype(dtype), f"b{i}"))
            inputs.append(f"b{i}")
        nodes.append(helper.make_node("Gemm", inputs, [out], transB=1, name=f"gemm{i}"))
        cur = out
        if act == "relu":
            nodes.append(helper.make_node("Relu", [cur], [f"a{i}"], name=f"relu{i}"))
            cur = f"a{i}"
        elif act == "sigmoid":
            nodes.append(helper.make_node("Sigmoid", [cur], [f"a{i}"], name=f"sigmoid{i}"))
            cur = f"a{i}"
        elif act == "step":
            zero = f"zero{i}"
            import numpy as np

            inits.append(numpy_helper.from_array(np.zeros((), dtype=dtype), zero))
            nodes.append(helper.make_node("GreaterOrEqual", [cur, zero], [f"ge{i}"], name=f"ge{i}"))
            nodes.append(helper.make_node("Cast", [f"ge{i}"], [f"a{i}"], to=elem, name=f"step{i}"))
            cur = f"a{i}"
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="output"))
    graph = helper.make_graph(
        nodes,
        "netconstruct",
        [helper.make_tensor_value_info("x", elem, ["N", net.input_dim])],
        [helper.make_tensor_value_info("y", elem, ["N", net.output_dim])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="netconstruct")
    model.ir_version = min(model.ir_version, 10)
    helper.set_model_props(model, {META_KEY: dumps(net), "netconstruct_construction": str(net.metadata.get("construction", ""))})
    onnx.checker.check_model(model)
    return model


def save_onnx(net: Network, path: str | Path, dtype: str = "float64") -> None:
    onnx = require("onnx", "onnx")
    write_bytes(path, to_model(net, dtype).SerializeToString())


def load_onnx(path: str | Path) -> Network:
    """Read an ONNX chain of Gemm/MatMul/Add/Relu/Sigmoid nodes (or a netconstruct export, exactly)."""
    onnx = require("onnx", "onnx")
    import numpy as np
    from onnx import numpy_helper

    from ..jsonio import loads
    from . import network_from_pieces

    try:
        model = onnx.load(str(path))
    except Exception as exc:
        raise FormatError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
    props = {p.key: p.value for p in model.metadata_props}
    if META_KEY in props:
        return loads(props[META_KEY])
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t).astype(float) for t in g.initializer}
    pieces: list[list] = []  # [W, b, act]
    for node in g.node:
        op = node.op_type
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "Gemm":
            if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                raise FormatError(f"{path}: Gemm node {node.name!r} uses transA/alpha/beta, not supported")
            W = inits.get(node.input[1])
            if W is None:
                raise FormatError(f"{path}: Gemm weight {node.input[1]!r} is not a constant initializer")
            W = W if attrs.get("transB", 0) else W.T
            b = inits.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            pieces.append([W, None if b is None else np.broadcast_to(b, (W.shape[0],)).copy(), "identity"])
        elif op == "MatMul":
            W = inits.get(node.input[1])
            if W is None:
                raise FormatError(f"{path}: MatMul weight {node.input[1]!r} is not a constant initializer")
            pieces.append([W.T, None, "identity"])
        elif op == "Add":
            b = inits.get(node.input[1]) if node.input[1] in inits else inits.get(node.input[0])
            if not pieces or b is None:
                raise FormatError(f"{path}: Add node {node.name!r} is not a bias after a linear map")
            prev = pieces[-1]
            prev[1] = (prev[1] if prev[1] is not None else 0) + np.broadcast_to(b, (prev[0].shape[0],))
        elif op in ("Relu", "Sigmoid"):
            if not pieces:
                raise FormatError(f"{path}: activation before any linear map")
            pieces[-1][2] = op.lower()
        elif op in ("Identity", "Flatten", "Reshape"):
            continue
        else:
            raise FormatError(f"{path}: ONNX operator {op} is not supported (Gemm, MatMul, Add, Relu, Sigmoid)")
    if not pieces:
        raise FormatError(f"{path}: no linear layers found")
    for i, (W, b, _) in enumerate(pieces):
        if not (np.isfinite(W).all() and (b is None or np.isfinite(b).all())):
            raise FormatError(f"{path}: layer {i + 1} has NaN or infinite weights")
    return network_from_pieces([tuple(p) for p in pieces], {"imported_from": Path(path).name})


def run_onnxruntime(path: str | Path, x):
    ort = require("onnxruntime", "onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]
