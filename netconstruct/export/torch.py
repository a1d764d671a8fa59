"""PyTorch: ``to_module(net)`` → ``nn.Sequential`` and checkpoints holding a ``state_dict``.

A checkpoint written by :func:`save_torch` is a dict ``{"state_dict", "activations", "netconstruct_json"}``
loadable with ``torch.load(path, weights_only=True)``.  A plain ``state_dict`` of consecutive
``Linear`` layers ("0.weight", "0.bias", "2.weight", …) trained elsewhere is imported with ReLU
between layers and identity at the end (``--activation`` changes the hidden one).
"""

from __future__ import annotations

from pathlib import Path

from ..fileio import atomic_writer
from ..errors import FormatError
from ..network import Network
from . import linear_pieces, require


def to_module(net: Network, dtype: str = "float64"):
    """An ``nn.Sequential`` of ``Linear`` and activation modules computing ``net``."""
    torch = require("torch", "torch")
    nn = torch.nn
    tdtype = torch.float64 if dtype == "float64" else torch.float32
    mods = []
    for W, b, act in linear_pieces(net):
        lin = nn.Linear(W.shape[1], W.shape[0], bias=b is not None, dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            if b is not None:
                lin.bias.copy_(torch.from_numpy(b))
        mods.append(lin)
        if act == "relu":
            mods.append(nn.ReLU())
        elif act == "sigmoid":
            mods.append(nn.Sigmoid())
        elif act == "step":
            mods.append(_Step())
    return nn.Sequential(*mods)


def _Step():
    torch = require("torch", "torch")

    class Step(torch.nn.Module):
        def forward(self, z):
            return (z >= 0).to(z.dtype)

    return Step()


def save_torch(net: Network, path: str | Path, dtype: str = "float64") -> None:
    torch = require("torch", "torch")
    from ..jsonio import dumps

    acts = [act for _, _, act in linear_pieces(net)]
    with atomic_writer(path) as fh:
        torch.save({"state_dict": to_module(net, dtype).state_dict(), "activations": acts, "netconstruct_json": dumps(net)}, fh)


def read_torch(path: str | Path, max_memory: int | None = None):
    """``torch.load`` with ``weights_only=True`` (no pickled code runs), memory-mapped where the file
    allows it, and the tensors' declared sizes checked against the memory budget before use."""
    torch = require("torch", "torch")
    from ..limits import BYTES_PER_NUMBER, ensure_memory

    obj = None
    import warnings

    for mmap in (True, False):
        try:
            with warnings.catch_warnings():  # torch's own UserWarnings are not the user's business here
                warnings.simplefilter("ignore")
                obj = torch.load(str(path), map_location="cpu", weights_only=True, mmap=mmap)
            break
        except Exception as exc:
            error = exc
    if obj is None:
        raise FormatError(f"{path}: not a loadable torch state_dict ({type(error).__name__}); pickled modules are refused")
    sd = obj.get("state_dict", obj) if isinstance(obj, dict) else None
    if isinstance(sd, dict):
        entries = sum(int(v.numel()) for v in sd.values() if isinstance(v, torch.Tensor))
        ensure_memory(BYTES_PER_NUMBER * entries, f"importing {Path(path).name}", max_memory)
    return obj


def torch_pieces(obj, path, activation: str = "relu") -> list[tuple]:
    """(W, b, activation) of the Linear layers of a state_dict, in order."""
    torch = require("torch", "torch")

    sd = obj.get("state_dict", obj) if isinstance(obj, dict) else None
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise FormatError(f"{path}: expected a state_dict (a dict of tensors)")
    weights = [k for k in sd if isinstance(k, str) and k.endswith("weight")]
    acts = obj.get("activations") if isinstance(obj, dict) else None
    if acts is not None and (not isinstance(acts, list) or len(acts) != len(weights)):
        raise FormatError(f"{path}: 'activations' must list one activation per weight")
    def exact64(name: str):
        """The tensor as float64 numpy, refused where float64 would not hold it exactly (complex numbers: no
        imaginary part dropped; integers beyond 2^53; booleans)."""
        t = sd[name]
        if t.is_complex():
            raise FormatError(f"{path}: {name} has complex entries; a real network is needed")
        if t.dtype == torch.bool or not (t.is_floating_point() or t.dtype in _INTEGER_TYPES(torch)):
            raise FormatError(f"{path}: {name} has dtype {t.dtype}, not a real number type")
        if not t.is_floating_point() and t.numel() and int(t.abs().max()) > 2**53:
            raise FormatError(f"{path}: {name} has integers beyond 2^53, which float64 cannot hold exactly")
        return t.detach().to(torch.float64).numpy()

    pieces = []
    for i, k in enumerate(weights):
        W = exact64(k)
        if W.ndim != 2:
            raise FormatError(f"{path}: {k} is not a matrix; only Linear layers are supported")
        bk = k[: -len("weight")] + "bias"
        b = exact64(bk) if bk in sd else None
        pieces.append((W, b, acts[i] if acts else _guess_activation(weights, i, activation)))
    return pieces


def _INTEGER_TYPES(torch) -> tuple:
    return (torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64)


def load_torch(path: str | Path, activation: str = "relu", max_memory: int | None = None) -> Network:
    from ..jsonio import loads
    from . import network_from_pieces

    obj = read_torch(path, max_memory)
    if isinstance(obj, dict) and isinstance(obj.get("netconstruct_json"), str):
        return loads(obj["netconstruct_json"], max_memory)
    return network_from_pieces(torch_pieces(obj, path, activation), {"imported_from": Path(path).name}, where=str(path))


def _guess_activation(weight_keys: list[str], i: int, activation: str) -> str:
    """In an ``nn.Sequential`` state_dict, Linear modules with consecutive indices have no activation
    module between them; a gap means one (the hidden ``activation``).  The last layer is affine."""
    if i == len(weight_keys) - 1:
        return "identity"
    try:
        here = int(weight_keys[i].split(".")[-2])
        nxt = int(weight_keys[i + 1].split(".")[-2])
    except (ValueError, IndexError):
        return activation
    return "identity" if nxt == here + 1 else activation
