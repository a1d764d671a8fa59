"""The netconstruct JSON format (schema version 1; reference: ``docs/format.md``).

* Numbers in layers are **strings holding exact rationals** (``"3"``, ``"-7/159"``, ``"0.125"``)
  so that weights beyond 2^53 or like 1/3 survive; plain JSON numbers are accepted on input and
  taken at their exact binary value.
* A weight matrix is ``dense`` (``values`` = list of rows), ``sparse`` (COO: ``rows``, ``cols``,
  ``values``) or ``outer`` (``left`` @ ``right``, each dense or sparse).
* The writer is canonical: ``dumps(loads(text)) == text`` for every text the writer produced.
* The loader validates everything and raises :class:`FormatError` with one line naming the problem.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import FormatError, NetconstructError, UsageError
from .exact import format_exact, parse_exact
from .limits import ensure_memory
from .matrix import Coo, Outer
from .network import ACTIVATIONS, Layer, Network

FORMAT_NAME = "netconstruct-network"
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("schema") / "network.schema.json"
MAX_FILE_BYTES = 2 * 1024**3
#: the largest network JSON file read (reading costs about 0.5 s per MiB on one core: ~2 minutes at the limit)
MAX_JSON_BYTES = 256 * 1024**2
JSON_BYTES_FACTOR = 32


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def _coo_to_json(m: Coo) -> dict:
    rows, cols = m.shape
    if m.dense or m.nnz == rows * cols:
        return {
            "encoding": "dense",
            "shape": [rows, cols],
            "values": [[format_exact(v) for v in row] for row in m.dense_rows()],
        }
    return {
        "encoding": "sparse",
        "shape": [rows, cols],
        "rows": list(m.rows),
        "cols": list(m.cols),
        "values": [format_exact(v) for v in m.values],
    }


def _matrix_to_json(m) -> dict:
    if isinstance(m, Outer):
        return {"encoding": "outer", "shape": list(m.shape), "left": _coo_to_json(m.left), "right": _coo_to_json(m.right)}
    return _coo_to_json(m)


def to_dict(net: Network) -> dict:
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "input_dim": net.input_dim,
        "output_dim": net.output_dim,
        "layers": [
            {
                "activation": layer.activation,
                "weight": _matrix_to_json(layer.weight),
                "bias": [format_exact(b) for b in layer.bias],
            }
            for layer in net.layers
        ],
        "metadata": net.metadata,
    }


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, float, bool))


def _dump(obj: Any, indent: int) -> str:
    pad = "  " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad}  {json.dumps(str(k), ensure_ascii=False)}: {_dump(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(_is_scalar(v) for v in obj):
            return json.dumps(list(obj), ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
        items = [pad + "  " + _dump(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise NetconstructError(f"metadata value {obj!r} cannot be written as JSON: {exc}") from None


def dumps(net: Network) -> str:
    """Canonical text of a network (stable: same network ⇒ same bytes)."""
    if not isinstance(net, Network):
        raise UsageError(f"expected a Network, got {type(net).__name__}")
    from .reports import jsonable

    return _dump(jsonable(to_dict(net)), 0) + "\n"


def save(net: Network, path: str | Path) -> None:
    """Write ``net`` as canonical JSON, atomically (an existing file is replaced whole or not at all)."""
    from .fileio import write_text

    write_text(path, dumps(net))


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _reject_constant(name: str):
    raise FormatError(f"{name} is not a finite number (JSON does not allow it)")


class _Numbers:
    """Memoised exact parsing (constructions repeat the same few values many times)."""

    def __init__(self):
        self.memo: dict = {}

    def __call__(self, v: Any, where: str):
        key = (type(v), v) if not isinstance(v, (list, dict)) else None
        if key is not None and key in self.memo:
            return self.memo[key]
        q = parse_exact(v, where)
        if key is not None:
            self.memo[key] = q
        return q


def _shape(obj: dict, where: str) -> tuple[int, int]:
    shape = obj.get("shape")
    if not isinstance(shape, list) or len(shape) != 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape):
        raise FormatError(f"{where}: 'shape' must be [rows, cols] with positive integers, got {shape!r}")
    return shape[0], shape[1]


def _coo_from_json(obj: Any, where: str, num: _Numbers) -> Coo:
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: weight must be an object with an 'encoding'")
    enc = obj.get("encoding")
    m, n = _shape(obj, where)
    if enc == "dense":
        vals = obj.get("values")
        if not isinstance(vals, list) or len(vals) != m:
            raise FormatError(f"{where}: dense 'values' must be a list of {m} rows")
        rows = []
        for i, row in enumerate(vals):
            if not isinstance(row, list) or len(row) != n:
                got = len(row) if isinstance(row, list) else type(row).__name__
                raise FormatError(f"{where}: row {i + 1} has {got} entries, the shape says {n}")
            rows.append([num(v, f"{where} row {i + 1} column {j + 1}") for j, v in enumerate(row)])
        return Coo.from_dense(rows)
    if enc == "sparse":
        r, c, v = obj.get("rows"), obj.get("cols"), obj.get("values")
        if not (isinstance(r, list) and isinstance(c, list) and isinstance(v, list)):
            raise FormatError(f"{where}: sparse weights need lists 'rows', 'cols' and 'values'")
        if not len(r) == len(c) == len(v):
            raise FormatError(f"{where}: sparse 'rows', 'cols', 'values' have lengths {len(r)}, {len(c)}, {len(v)}")
        seen = set()
        vals = []
        for k, (i, j) in enumerate(zip(r, c)):
            if not (isinstance(i, int) and isinstance(j, int)) or isinstance(i, bool) or isinstance(j, bool):
                raise FormatError(f"{where}: sparse entry {k + 1} has non-integer indices")
            if not (0 <= i < m and 0 <= j < n):
                raise FormatError(f"{where}: sparse entry {k + 1} at ({i}, {j}) is outside the {m}×{n} shape")
            if (i, j) in seen:
                raise FormatError(f"{where}: duplicate sparse entry at ({i}, {j})")
            seen.add((i, j))
            vals.append(num(v[k], f"{where} entry ({i}, {j})"))
        return Coo.from_triplets((m, n), r, c, vals)
    raise FormatError(f"{where}: unknown weight encoding {enc!r} (dense, sparse or outer)")


def _matrix_from_json(obj: Any, where: str, num: _Numbers):
    if isinstance(obj, dict) and obj.get("encoding") == "outer":
        left = _coo_from_json(obj.get("left"), where + " (left factor)", num)
        right = _coo_from_json(obj.get("right"), where + " (right factor)", num)
        if left.shape[1] != right.shape[0]:
            raise FormatError(f"{where}: left factor is {left.shape[0]}×{left.shape[1]} but right factor has {right.shape[0]} rows")
        out = Outer(left, right)
        if "shape" in obj and obj["shape"] != list(out.shape):
            raise FormatError(f"{where}: 'shape' {obj['shape']} differs from the factors' product {list(out.shape)}")
        return out
    return _coo_from_json(obj, where, num)


def from_dict(data: Any) -> Network:
    if not isinstance(data, dict):
        raise FormatError("not a netconstruct network: the top level must be a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise FormatError(f"not a netconstruct network: 'format' must be {FORMAT_NAME!r}, got {data.get('format')!r}")
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:  # true == 1 in Python, not in the format
        raise FormatError(f"unsupported schema_version {version!r} (this netconstruct reads {SCHEMA_VERSION})")
    layers_json = data.get("layers")
    if not isinstance(layers_json, list) or not layers_json:
        raise FormatError("'layers' must be a non-empty list")
    num = _Numbers()
    layers = []
    prev_out = data.get("input_dim")
    if not isinstance(prev_out, int) or isinstance(prev_out, bool) or prev_out <= 0:
        raise FormatError(f"'input_dim' must be a positive integer, got {prev_out!r}")
    for i, lj in enumerate(layers_json, start=1):
        where = f"layer {i}"
        if not isinstance(lj, dict):
            raise FormatError(f"{where}: must be an object with 'activation', 'weight', 'bias'")
        act = lj.get("activation")
        if act not in ACTIVATIONS:
            raise FormatError(f"{where}: unknown activation {act!r} (known: {', '.join(ACTIVATIONS)})")
        W = _matrix_from_json(lj.get("weight"), f"{where} weight", num)
        if W.shape[1] != prev_out:
            source = "the input has" if i == 1 else f"layer {i - 1} outputs"
            raise FormatError(f"{where}: weight matrix is {W.shape[0]}×{W.shape[1]} but {source} {prev_out} values")
        bias = lj.get("bias")
        if not isinstance(bias, list) or len(bias) != W.shape[0]:
            got = len(bias) if isinstance(bias, list) else type(bias).__name__
            raise FormatError(f"{where}: bias has {got} entries, the weight matrix has {W.shape[0]} rows")
        b = tuple(num(v, f"{where} bias entry {k + 1}") for k, v in enumerate(bias))
        layers.append(Layer(W, b, act))
        prev_out = W.shape[0]
    if "output_dim" in data and data["output_dim"] != prev_out:
        raise FormatError(f"'output_dim' is {data['output_dim']!r} but the last layer outputs {prev_out} values")
    meta = data.get("metadata", {})
    if not isinstance(meta, dict):
        raise FormatError("'metadata' must be an object")
    return Network(tuple(layers), meta)


def parse_json(text: str | bytes) -> Any:
    """JSON text → Python data, refusing NaN/Infinity, integers beyond Python's digit limit and
    nesting deeper than :data:`~netconstruct.limits.MAX_JSON_DEPTH`, each with one line."""
    from .limits import MAX_JSON_DEPTH

    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise FormatError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's int/str digit limit
        raise FormatError(f"not usable JSON: {str(exc).split(';')[0]}") from None
    stack = [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise FormatError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj if isinstance(v, (dict, list)))
    return data


def loads(text: str | bytes, max_memory: int | None = None) -> Network:
    if not isinstance(text, (str, bytes, bytearray)):
        raise UsageError(f"expected JSON text, got {type(text).__name__}")
    data = parse_json(text)
    ensure_memory(estimate_bytes(data), "this network", max_memory)
    return from_dict(data)


def estimate_bytes(data: Any) -> int:
    """Memory to hold and evaluate the network that parsed JSON ``data`` declares, from its declared
    shapes and entry counts (before any number is converted)."""
    from .limits import BYTES_PER_NEURON, BYTES_PER_NUMBER

    total = 0
    layers = data.get("layers") if isinstance(data, dict) else None
    for lj in layers if isinstance(layers, list) else []:
        w = lj.get("weight") if isinstance(lj, dict) else None
        parts = [w.get("left"), w.get("right")] if isinstance(w, dict) and w.get("encoding") == "outer" else [w]
        for m in parts:
            if not isinstance(m, dict):
                continue
            shape = m.get("shape")
            if isinstance(shape, list) and len(shape) == 2 and all(isinstance(v, int) for v in shape):
                total += BYTES_PER_NEURON * max(shape[0], 0)
            vals = m.get("values")
            total += BYTES_PER_NUMBER * (len(vals) if isinstance(vals, list) else 0)
            if m.get("encoding") == "dense" and isinstance(vals, list):
                total += BYTES_PER_NUMBER * sum(len(r) for r in vals if isinstance(r, list))
    return total


def readable_file(p: Path, limit: int = MAX_FILE_BYTES) -> None:
    """One-line FormatError for a path that is missing, a folder, not a regular file, or too large."""
    if not p.exists():
        raise FormatError(f"{p}: no such file")
    if p.is_dir():
        raise FormatError(f"{p}: is a directory, not a file")
    if not p.is_file():
        raise FormatError(f"{p}: not a regular file (a FIFO, socket or device)")
    if p.stat().st_size > limit:
        raise FormatError(f"{p}: file larger than {limit / 2**30:.3g} GiB")
    if not os.access(p, os.R_OK):
        raise FormatError(f"{p}: cannot read (permission denied)")


def load(path: str | Path, max_memory: int | None = None) -> Network:
    if not isinstance(path, (str, Path)):
        raise UsageError(f"expected a file path, got {type(path).__name__}")
    p = Path(path)
    readable_file(p, MAX_JSON_BYTES)
    # parsed JSON and the exact numbers made from it hold up to ~25 bytes per byte of text (measured: 5 MB of
    # fractions, 120 MB above the interpreter; a 200 MB file of short numbers took 3 GB):
    # estimated from the file's size before it is read
    ensure_memory(JSON_BYTES_FACTOR * p.stat().st_size, f"reading {p.name} ({p.stat().st_size / 2**20:.0f} MiB)",
                  max_memory)
    try:
        text = p.read_bytes()
    except OSError as exc:
        raise FormatError(f"{p}: cannot read ({exc.strerror or exc})") from None
    try:
        text = text.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{p}: not a UTF-8 text file") from None
    try:
        return loads(text, max_memory)
    except NetconstructError as exc:
        raise type(exc)(f"{p}: {exc}") from None
