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
from . import linear_pieces, real_array, require

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
    write_bytes(path, to_model(net, dtype).SerializeToString())  # to_model requires the onnx extra


#: operators that leave a (batch, n) tensor as it is, as torch.onnx.export emits them around Linear layers
NO_OPS = ("Identity", "Flatten", "Reshape", "Cast")


def _graph_chain(g, path) -> list:
    """The nodes of ``g`` from its one input to its one output, in order; every node on that chain,
    each reading exactly the previous tensor (plus constants), and no other node — else FormatError
    naming the node (branches, cycles, unused or dangling nodes)."""
    inits = {t.name for t in g.initializer}
    inputs = [v.name for v in g.input if v.name not in inits]
    if len(inputs) != 1 or len(g.output) != 1:
        raise FormatError(f"{path}: the graph must have one input and one output, it has {len(inputs)} and {len(g.output)}")
    consumers: dict[str, list] = {}
    for node in g.node:
        for name in node.input:
            if name and name not in inits:
                consumers.setdefault(name, []).append(node)
    chain, seen, cur = [], set(), inputs[0]
    while cur != g.output[0].name:
        nxt = consumers.get(cur, [])
        if len(nxt) != 1:
            what = "no node reads" if not nxt else f"{len(nxt)} nodes read ({', '.join(repr(n.name or n.op_type) for n in nxt)})"
            raise FormatError(f"{path}: {what} tensor {cur!r}: only a single chain from input to output is supported")
        node = nxt[0]
        if id(node) in seen:
            raise FormatError(f"{path}: node {node.name or node.op_type!r} is on a cycle")
        seen.add(id(node))
        dynamic = [n for n in node.input if n and n not in inits]
        if dynamic != [cur] or len(node.output) != 1:
            raise FormatError(f"{path}: node {node.name or node.op_type!r} reads {dynamic} and writes {list(node.output)}; "
                              "expected one tensor in (plus constants) and one out")
        chain.append(node)
        cur = node.output[0]
    unused = [n for n in g.node if id(n) not in seen]
    if unused:
        raise FormatError(f"{path}: node {unused[0].name or unused[0].op_type!r} is not on the chain from input to output")
    return chain


def onnx_pieces(model, path) -> list[list]:
    """(W, b, activation) linear maps of an ONNX chain (Gemm, or MatMul + Add; Relu, Sigmoid; no-ops)."""
    onnx = require("onnx", "onnx")
    import numpy as np
    from onnx import numpy_helper

    g = model.graph
    tensors = {t.name: t for t in g.initializer}

    def const(name, node):
        if name not in tensors:
            raise FormatError(f"{path}: node {node.name or node.op_type!r}: {name!r} is not a constant initializer")
        return real_array(numpy_helper.to_array(tensors[name]), f"{path}: initializer {name}")

    pieces: list[list] = []  # [W, b, act]
    for node in _graph_chain(g, path):
        op, label = node.op_type, repr(node.name or node.op_type)
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "Gemm":
            if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                raise FormatError(f"{path}: Gemm node {label} uses transA/alpha/beta, not supported")
            W = const(node.input[1], node)
            W = W if attrs.get("transB", 0) else W.T
            if W.ndim != 2:
                raise FormatError(f"{path}: Gemm node {label}: weight is not a matrix")
            b = const(node.input[2], node) if len(node.input) > 2 and node.input[2] else None
            pieces.append([W, None if b is None else np.broadcast_to(b, (W.shape[0],)).copy(), "identity"])
        elif op == "MatMul":
            W = const(node.input[1], node)
            if W.ndim != 2:
                raise FormatError(f"{path}: MatMul node {label}: weight is not a matrix")
            pieces.append([W.T, None, "identity"])
        elif op == "Add":
            other = [n for n in node.input if n in tensors]
            if not pieces or pieces[-1][2] != "identity" or len(other) != 1:
                raise FormatError(f"{path}: Add node {label} is not a bias right after a linear map")
            prev = pieces[-1]
            prev[1] = (prev[1] if prev[1] is not None else 0) + np.broadcast_to(const(other[0], node), (prev[0].shape[0],))
        elif op in ("Relu", "Sigmoid"):
            if not pieces or pieces[-1][2] != "identity":
                raise FormatError(f"{path}: {op} node {label} does not follow a linear map")
            pieces[-1][2] = op.lower()
        elif op in NO_OPS:
            if op == "Cast" and attrs.get("to") not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
                raise FormatError(f"{path}: Cast node {label} casts to a non-float type")
            if op == "Flatten" and attrs.get("axis", 1) != 1:
                raise FormatError(f"{path}: Flatten node {label} with axis ≠ 1 is not a no-op")
            if op == "Reshape":
                shape = const(node.input[1], node)
                if shape.ndim != 1 or len(shape) != 2:
                    raise FormatError(f"{path}: Reshape node {label} does not keep a (batch, n) shape")
        else:
            raise FormatError(f"{path}: node {label}: ONNX operator {op} is not supported "
                              "(Gemm, MatMul, Add, Relu, Sigmoid, Identity, Flatten, Reshape, Cast)")
    if not pieces:
        raise FormatError(f"{path}: no linear layers found")
    return pieces


def declared_entries(model) -> int:
    """Numbers in the model's initializers, from their declared dimensions (nothing converted)."""
    total = 0
    for t in model.graph.initializer:
        n = 1
        for dim in t.dims:
            n *= int(dim)
        total += n
    return total


def load_onnx(path: str | Path, max_memory: int | None = None) -> Network:
    """Read an ONNX chain (see :func:`onnx_pieces`), or a netconstruct export exactly (embedded JSON)."""
    onnx = require("onnx", "onnx")

    from ..jsonio import loads
    from ..limits import BYTES_PER_NUMBER, ensure_memory
    from . import network_from_pieces

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:
        raise FormatError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        raise FormatError(f"{path}: the model keeps its weights in external files; netconstruct reads one file only")
    ensure_memory(BYTES_PER_NUMBER * declared_entries(model), f"importing {Path(path).name}", max_memory)
    props = {p.key: p.value for p in model.metadata_props}
    if META_KEY in props:
        return loads(props[META_KEY], max_memory)
    return network_from_pieces([tuple(p) for p in onnx_pieces(model, path)], {"imported_from": Path(path).name},
                               where=str(path))


def run_onnxruntime(path: str | Path, x):
    ort = require("onnxruntime", "onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]
