"""Plain numpy ``.npz``: W0, b0, W1, b1, … (dense, shape (out, in)) and the activations."""

from __future__ import annotations

from pathlib import Path

from ..fileio import atomic_writer
from ..errors import FormatError
from ..network import ACTIVATIONS, Network
from . import real_array


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


def _declared_entries(path: Path) -> int:
    """Numbers in the archive's arrays, from each .npy header (no array data is read)."""
    import zipfile

    import numpy as np

    total = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                shape, _, _ = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0)
                               else np.lib.format.read_array_header_2_0(fh))
            n = 1
            for dim in shape:
                n *= int(dim)
            total += n
    return total


def npz_pieces(data, path) -> list[tuple]:
    """(W, b, activation) from arrays W0, b0, W1, … and ``activations``."""
    import numpy as np

    if "activations" not in data:
        raise FormatError(f"{path}: npz needs arrays W0, b0, … and 'activations'")
    acts = [str(a) for a in np.atleast_1d(data["activations"])]
    pieces = []
    for i, act in enumerate(acts):
        if act not in ACTIVATIONS or f"W{i}" not in data:
            raise FormatError(f"{path}: layer {i + 1}: missing W{i} or unknown activation {act!r}")
        try:
            W = real_array(data[f"W{i}"], f"{path}: W{i}")
            b = real_array(data[f"b{i}"], f"{path}: b{i}") if f"b{i}" in data else None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{path}: layer {i + 1}: W{i}/b{i} are not numeric arrays") from None
        pieces.append((W, b, act))
    return pieces


def read_npz(path: str | Path, max_memory: int | None = None):
    """The opened archive, after its declared size was checked against the memory budget."""
    import zipfile

    import numpy as np

    from ..limits import BYTES_PER_NUMBER, ensure_memory

    try:
        entries = _declared_entries(Path(path))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a readable npz file ({type(exc).__name__})") from None
    ensure_memory(BYTES_PER_NUMBER * entries, f"importing {Path(path).name}", max_memory)
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:
        raise FormatError(f"{path}: not a readable npz file ({type(exc).__name__})") from None


def load_npz(path: str | Path, max_memory: int | None = None) -> Network:
    from . import network_from_pieces
    from ..jsonio import loads

    data = read_npz(path, max_memory)
    try:
        if "netconstruct_json" in data:
            return loads(str(data["netconstruct_json"]), max_memory)
        return network_from_pieces(npz_pieces(data, path), where=str(path))
    except ValueError as exc:  # numpy refusing a malformed member (pickled object arrays included)
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{path}: not a readable npz file ({exc})") from None
