"""An imported network must evaluate like its source: checked on random inputs after every import.

The *source* is the file's own tensors run by their own runtime: onnxruntime for ``.onnx`` (when it
is installed), the state_dict's / archive's float tensors evaluated in numpy for ``.pt`` and ``.npz``
(this also catches an embedded netconstruct JSON that does not match the tensors beside it).  Inputs
are 64 points with coordinates k/1024·2^{−j} in [−2, 2] (exact in float32 and float64; the scales 2^{−j}
reach inside the unit ball of every dimension, where the constructions do their work); the outputs must agree
within the rounding of the source's float type: |N(x) − S(x)| ≤ (n + 16)·u·M(x), with u the unit
roundoff, n the sum of the layers' fan-ins and M(x) the network evaluated with |W|, |b| and |x| (a bound
on every magnitude a dot product meets).  Step activations are discontinuous, so a network with one is
compared only at points whose pre-activations are farther than the tolerance from 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FormatError
from ..network import Network

POINTS = 64


def forward(pieces, X: np.ndarray) -> np.ndarray:
    """float64 evaluation of (W, b, activation) pieces on the rows of X."""
    for W, b, act in pieces:
        X = X @ np.asarray(W, dtype=float).T + (0.0 if b is None else np.asarray(b, dtype=float))
        if act == "relu":
            X = np.maximum(X, 0.0)
        elif act == "sigmoid":
            X = 1.0 / (1.0 + np.exp(-X))
        elif act == "step":
            X = (X >= 0).astype(float)
    return X


def _magnitude(pieces, X: np.ndarray) -> np.ndarray:
    A = np.abs(X)
    for W, b, _ in pieces:
        A = A @ np.abs(np.asarray(W, dtype=float)).T + (0.0 if b is None else np.abs(np.asarray(b, dtype=float)))
    return A


def _source(net: Network, path: Path, X: np.ndarray, activation: str):
    """(outputs, unit roundoff, runtime name) of the file's own tensors, or None when its runtime is missing."""
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        try:
            import onnxruntime as ort
        except ImportError:
            return None
        try:
            sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            inp = sess.get_inputs()[0]
            dtype = np.float32 if "float)" in inp.type and "double" not in inp.type else np.float64
            fixed = isinstance(inp.shape[0], int) if inp.shape else False
            rows = [X[i : i + 1] for i in range(len(X))] if fixed else [X]
            out = np.concatenate([sess.run(None, {inp.name: r.astype(dtype)})[0] for r in rows])
        except Exception as exc:
            raise FormatError(f"{path}: onnxruntime cannot run this model ({type(exc).__name__}), so the import "
                              "cannot be checked against it") from None
        return out.reshape(len(X), -1).astype(float), float(np.finfo(dtype).eps) / 2, "onnxruntime"
    if suffix in (".pt", ".pth"):
        from .torch import read_torch, torch_pieces

        obj = read_torch(path)
        sd = obj.get("state_dict", obj) if isinstance(obj, dict) else {}
        dtype = next(iter(sd.values())).dtype if isinstance(sd, dict) and sd else None
        u = 2.0**-24 if str(dtype) in ("torch.float32", "torch.bfloat16", "torch.float16") else 2.0**-53
        if str(dtype) in ("torch.bfloat16", "torch.float16"):
            u = 2.0**-11
        return forward(torch_pieces(obj, path, activation), X), u, "torch tensors"
    if suffix == ".npz":
        from .npz import npz_pieces, read_npz

        data = read_npz(path)
        pieces = npz_pieces(data, path)
        u = float(np.finfo(np.asarray(data["W0"]).dtype).eps) / 2 if np.asarray(data["W0"]).dtype.kind == "f" else 2.0**-53
        return forward(pieces, X), u, "npz arrays"
    return None


def check_agreement(net: Network, path: Path, activation: str = "relu", seed: int = 0) -> dict | None:
    """Raise FormatError when ``net`` and the file's source disagree beyond float rounding; return
    {runtime, points, max_abs_difference} (None when no runtime is available to compare with)."""
    from . import linear_pieces

    rng = np.random.default_rng(seed)
    d = net.input_dim
    scales = 2.0 ** -rng.integers(0, int(np.ceil(np.log2(np.sqrt(d)))) + 4, size=(POINTS, 1))
    X = rng.integers(-2048, 2049, size=(POINTS, d)) / 1024.0 * scales
    src = _source(net, path, X, activation)
    if src is None:
        return None
    out, u, runtime = src
    mine = net(X)
    if out.shape != mine.shape:
        raise FormatError(f"{path}: the imported network gives {mine.shape[1]} outputs, {runtime} gives {out.shape[1]}")
    pieces = linear_pieces(net)
    fan_in = sum(np.asarray(W).shape[1] for W, _, _ in pieces)
    tol = (fan_in + 16) * u * (_magnitude(pieces, X) + 1.0)
    ok = np.abs(mine - out) <= tol
    if "step" in net.activations:  # compare only away from the discontinuities
        Z = X
        far = np.ones(len(X), dtype=bool)
        for W, b, act in pieces:
            Z = Z @ W.T + (0.0 if b is None else b)
            if act == "step":
                far &= np.all(np.abs(Z) > tol.max(), axis=1)
            Z = forward([(np.eye(W.shape[0]), None, act)], Z)
        ok |= ~far[:, None]
    if not ok.all():
        i = int(np.argmax(~ok.all(axis=1)))
        raise FormatError(f"{path}: the imported network does not evaluate like the file's {runtime} "
                          f"(at x = {X[i][:4].tolist()}…: {mine[i][:2].tolist()} vs {out[i][:2].tolist()}); refused")
    return {"runtime": runtime, "points": POINTS, "max_abs_difference": float(np.abs(mine - out).max())}
