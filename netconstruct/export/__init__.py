"""Export networks to the formats users run (ONNX, PyTorch, npz) and import trained ones back.

ONNX and PyTorch are optional extras (``pip install "netconstruct[onnx]"`` / ``"[torch]"``); without
them these functions raise a one-line error naming the extra.  Exported files carry the exact
netconstruct JSON (ONNX ``metadata_props`` / a key of the torch checkpoint), so
``import(export(net))`` is the same network, weight for weight; a model trained elsewhere is imported
from its float tensors, each taken at its exact binary value.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ..errors import FormatError, NetconstructError, UsageError
from ..network import Network

FORMATS = ("onnx", "torch", "npz")

#: exceptions the third-party readers raise on damaged files; turned into one-line FormatErrors
CORRUPT_FILE_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, RuntimeError,
                       RecursionError, MemoryError, UnicodeError, zipfile.BadZipFile, zlib.error)
MAX_DENSE_BYTES = 1_500_000_000


class MissingExtra(NetconstructError):
    pass


def require(module: str, extra: str):
    import importlib

    import warnings

    try:
        with warnings.catch_warnings():  # a library's import-time warnings (torch's) are not the user's business
            warnings.simplefilter("ignore")
            return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"this needs {module}: pip install \"netconstruct[{extra}]\"") from None


def real_array(a, where: str):
    """``a`` as float64, or a FormatError where float64 would not hold it exactly: complex (the imaginary part
    would be dropped), boolean or object entries, integers beyond 2^53."""
    import numpy as np

    a = np.asarray(a)
    if a.dtype.kind not in "fiu":
        raise FormatError(f"{where} has entries of type {a.dtype}, not real numbers")
    if a.dtype.kind in "iu" and a.size and int(np.abs(a).max()) > 2**53:
        raise FormatError(f"{where} has integers beyond 2^53, which float64 cannot hold exactly")
    return a.astype(np.float64)


def dense_bytes(net: Network, itemsize: int = 8) -> int:
    """Bytes of the dense float tensors an export writes (factored matrices stay factored)."""
    from ..matrix import Outer

    total = 0
    for layer in net.layers:
        W = layer.weight
        if isinstance(W, Outer):
            total += W.left.shape[0] * W.left.shape[1] + W.right.shape[0] * W.right.shape[1]
        else:
            total += W.shape[0] * W.shape[1]
        total += layer.n_out
    return total * itemsize


def check_size(net: Network, itemsize: int = 8) -> None:
    b = dense_bytes(net, itemsize)
    if b > MAX_DENSE_BYTES:
        raise NetconstructError(
            f"dense tensors would take {b / 2**30:.1f} GiB (> {MAX_DENSE_BYTES / 2**30:.1f} GiB); "
            "export a smaller network or keep the sparse JSON"
        )


def linear_pieces(net: Network):
    """The network as a list of (W: dense float64 array, b or None, activation) dense linear maps.

    A factored weight L @ R becomes two maps: R without bias or activation, then L with the bias.
    """
    import numpy as np

    from ..matrix import Coo, Outer

    def dense(m: Coo):
        a = np.zeros(m.shape)
        if m.nnz:
            a[np.asarray(m.rows), np.asarray(m.cols)] = [float(v) for v in m.values]
        return a

    out = []
    for layer in net.layers:
        b = np.array([float(v) for v in layer.bias])
        if isinstance(layer.weight, Outer):
            out.append((dense(layer.weight.right), None, "identity"))
            out.append((dense(layer.weight.left), b, layer.activation))
        else:
            out.append((dense(layer.weight), b, layer.activation))
    return out


def network_from_pieces(pieces, metadata: dict | None = None, where: str = "model") -> Network:
    """Inverse of :func:`linear_pieces` for float tensors: exact values, identity-separated maps composed.

    Refuses (FormatError) non-finite values, values beyond 2^1000 (see :mod:`netconstruct.limits`) and
    shapes that do not chain."""
    from fractions import Fraction

    import numpy as np

    from .. import algebra
    from ..errors import FormatError
    from ..exact import normalize
    from ..limits import MAX_MAGNITUDE_BITS
    from ..matrix import Coo
    from ..network import Layer

    nets = []
    for i, (W, b, act) in enumerate(pieces):
        for name, a in (("weights", W), ("biases", b)):
            if a is None:
                continue
            if a.dtype.kind not in "fiu":  # complex, bool, object: no real number read from it
                raise FormatError(f"{where}: layer {i + 1} has {name} of type {a.dtype}, not real numbers")
            if not np.isfinite(a).all():
                raise FormatError(f"{where}: layer {i + 1} has NaN or infinite {name}")
            if a.size and float(np.abs(a).max()) >= 2.0**MAX_MAGNITUDE_BITS:
                raise FormatError(f"{where}: layer {i + 1} has {name} larger than 2^{MAX_MAGNITUDE_BITS}")
        if W.ndim != 2 or (b is not None and b.shape != (W.shape[0],)):
            raise FormatError(f"{where}: layer {i + 1}: weight {W.shape} and bias {None if b is None else b.shape} do not fit")
        if i and W.shape[1] != pieces[i - 1][0].shape[0]:
            raise FormatError(f"{where}: layer {i + 1} takes {W.shape[1]} inputs but layer {i} gives {pieces[i - 1][0].shape[0]}")
        m, n = W.shape
        rows, cols = W.nonzero()
        vals = [normalize(Fraction(float(v))) for v in W[rows, cols]]
        bias = tuple(normalize(Fraction(float(v))) for v in b) if b is not None else tuple([0] * m)
        nets.append(Network((Layer(Coo.from_triplets((m, n), rows.tolist(), cols.tolist(), vals), bias, act),)))
    layers = []
    pending: Network | None = None  # an affine map with no activation, merged into the next one
    for k, piece in enumerate(nets):
        if pending is not None:
            piece = algebra.compose(piece, pending)
            pending = None
        if piece.layers[-1].activation == "identity" and k < len(nets) - 1:
            pending = piece
        else:
            layers.extend(piece.layers)
    return Network(tuple(layers), metadata or {})


def export(net: Network, fmt: str, path: str | Path, dtype: str = "float64") -> dict:
    """Write ``net`` as ``fmt`` (onnx, torch, npz); returns a small report."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (onnx, torch, npz)")
    if dtype not in ("float64", "float32"):
        raise UsageError(f"unknown dtype {dtype!r} (float64 or float32)")
    check_size(net, 8 if dtype == "float64" else 4)
    if fmt == "onnx":
        from .onnx import save_onnx

        save_onnx(net, path, dtype)
    elif fmt == "torch":
        from .torch import save_torch

        save_torch(net, path, dtype)
    else:
        from .npz import save_npz

        save_npz(net, path, dtype)
    rep = {"format": fmt, "dtype": dtype, "path": str(path), "bytes": Path(path).stat().st_size}
    if dtype == "float32":
        rep["max_weight_cast_error"] = float32_cast_error(net)
    return rep


def float32_cast_error(net: Network) -> float:
    """The largest change that rounding to float32 makes to any weight (exact weights → float64 → float32)."""
    import numpy as np

    return max(float(np.abs(W - W.astype(np.float32).astype(float)).max()) for W, _, _ in linear_pieces(net))


def import_model(path: str | Path, activation: str = "relu", max_memory: int | None = None) -> Network:
    """Read an ONNX file, a torch checkpoint/state_dict or an npz, then check that the network read
    evaluates like the file's own tensors (:func:`netconstruct.export.agreement.check_agreement`)."""
    from ..errors import FormatError
    from ..jsonio import readable_file
    from .agreement import check_agreement

    p = Path(path)
    readable_file(p)
    suffix = p.suffix.lower()
    try:
        if suffix == ".onnx":
            from .onnx import load_onnx

            net = load_onnx(p, max_memory)
        elif suffix in (".pt", ".pth"):
            from .torch import load_torch

            net = load_torch(p, activation, max_memory)
        elif suffix == ".npz":
            from .npz import load_npz

            net = load_npz(p, max_memory)
        else:
            raise NetconstructError(f"{p}: unknown model type (expected .onnx, .pt/.pth or .npz)")
        check_agreement(net, p, activation)
    except NetconstructError:
        raise
    except CORRUPT_FILE_ERRORS as exc:  # what the readers raise on damaged files (zip, protobuf, torch)
        raise FormatError(f"{p}: cannot be read, the file is damaged or not a model ({type(exc).__name__})") from None
    return net


def load_any(path: str | Path, max_memory: int | None = None) -> Network:
    """A network from netconstruct JSON, or from ONNX / a torch state_dict / npz (via :func:`import_model`)."""
    if Path(path).suffix.lower() in (".onnx", ".pt", ".pth", ".npz"):
        return import_model(path, max_memory=max_memory)
    from ..jsonio import load

    return load(path, max_memory)
