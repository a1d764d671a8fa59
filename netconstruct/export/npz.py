"""Plain numpy ``.npz``: W0, b0, W1, b1, … (dense, shape (out, in)) and the activations."""

from __future__ import annotations

from pathlib import Path

from ..fileio import atomic_writer
from ..errors import FormatError
from ..network import ACTIVATIONS, Network


def save_npz(net: Network, path: str | Path, dtype: str = "float64") -> None:
    import numpy as np

    from . import linear_pieces
    from ..jsonio import dumps

    arrays = {}
    acts = []
    for i, (W, b, act) in enumerate(linear_pieces(net)):
        arrays[f"W{i}"] = W.astype(dtype)
        arrays[f"b{i}"] = (b if b is not None else np.zeros(W.shape[0])).astype(dtype)
        acts.append(act)
    arrays["activations"] = np.array(acts)
    arrays["netconstruct_json"] = np.array(dumps(net))
    with atomic_writer(path) as fh:
        np.savez_compressed(fh, **arrays)


def load_npz(path: str | Path) -> Network:
    import numpy as np

    from . import network_from_pieces
    from ..jsonio import loads

    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise FormatError(f"{path}: not a readable npz file ({exc})") from None
    if "netconstruct_json" in data:
        return loads(str(data["netconstruct_json"]))
    if "activations" not in data:
        raise FormatError(f"{path}: npz needs arrays W0, b0, … and 'activations'")
    acts = [str(a) for a in data["activations"]]
    pieces = []
    for i, act in enumerate(acts):
        if act not in ACTIVATIONS or f"W{i}" not in data:
            raise FormatError(f"{path}: layer {i + 1}: missing W{i} or unknown activation {act!r}")
        W = np.asarray(data[f"W{i}"], dtype=float)
        b = np.asarray(data[f"b{i}"], dtype=float) if f"b{i}" in data else None
        if not (np.isfinite(W).all() and (b is None or np.isfinite(b).all())):
            raise FormatError(f"{path}: layer {i + 1} has NaN or infinite values")
        pieces.append((W, b, act))
    return network_from_pieces(pieces)
