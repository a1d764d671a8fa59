"""``export`` and ``import``: hand a network to ONNX / PyTorch / numpy, or bring one in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from .app import app, emit_json, handled, stdout
from .options import Json, MaxMemory, NetworkFile, memory, writable
from .render import stats_rows, table


@app.command("export")
def export_cmd(
    network: NetworkFile,
    to: Annotated[str, typer.Option("--to", help="onnx, torch or npz.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.onnx, .pt, .npz).", readable=False)],
    dtype: Annotated[str, typer.Option("--dtype", help="float64 (no precision lost) or float32.")] = "float64",
    json_out: Json = False,
    max_memory: MaxMemory = None,
) -> None:
    """Export a network to ONNX (opset 17), a PyTorch checkpoint, or a plain .npz.

    The exact JSON travels inside the file, so `netconstruct import` gives the same network back.
    float32 reports the largest change the cast makes to any weight.

    Example:  netconstruct export net.json --to onnx --out net.onnx
    """
    with handled():
        writable(out, network)
        from ..export import export
        from ..jsonio import load

        rep = export(load(network, memory(max_memory)), to, out, dtype)
        if json_out:
            emit_json(rep)
        else:
            stdout().print(f"wrote {out} ({rep['format']}, {rep['dtype']}, {rep['bytes']:,} bytes)", highlight=False)


@app.command("import")
def import_cmd(
    model: Annotated[Path, typer.Argument(help="A .onnx, .pt/.pth (state_dict) or .npz model.", readable=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the network JSON here.", readable=False)],
    activation: Annotated[str, typer.Option("--activation", help="Hidden activation for a bare state_dict.")] = "relu",
    json_out: Annotated[bool, typer.Option("--json", help="Print the imported network's statistics as JSON.")] = False,
    max_memory: MaxMemory = None,
) -> None:
    """Import a trained network (ONNX or PyTorch state_dict) so that verify and info work on it.

    Float weights are taken at their exact binary value.

    Example:  netconstruct import net.onnx --out back.json
    """
    with handled():
        writable(out, model)
        from ..export import import_model
        from ..jsonio import save

        if activation not in ("relu", "sigmoid", "step"):
            raise UsageError(f"--activation must be relu, sigmoid or step, got {activation!r}")
        net = import_model(model, activation, memory(max_memory))
        save(net, out)
        if json_out:
            emit_json({"network": net.stats(), "out": str(out)})
        else:
            stdout().print(table(f"imported {model} → {out}", stats_rows(net.stats())))
