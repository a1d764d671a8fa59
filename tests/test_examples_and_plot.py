"""Every example script runs; the plot command writes a PNG."""

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), str(tmp_path / "out.json")])
    runpy.run_path(str(script), run_name="__main__")


def test_shipped_large_weight_example_is_reproducible(tmp_path):
    """examples/large_weights_k2.json is exactly what its script makes; depth 2, a weight ≥ 2^40."""
    from netconstruct import load

    script = Path(__file__).parent.parent / "examples" / "make_large_weights_k2.py"
    ns = runpy.run_path(str(script))
    ns["main"](str(tmp_path / "x.json"))
    shipped = Path(__file__).parent.parent / "examples" / "large_weights_k2.json"
    assert (tmp_path / "x.json").read_bytes() == shipped.read_bytes()
    net = load(shipped)
    assert net.depth == 2 and net.stats()["max_abs_weight"] >= 2**40


def test_plot_command_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    from typer.testing import CliRunner

    from netconstruct.cli import app

    r = CliRunner()
    net = tmp_path / "n.json"
    assert r.invoke(app, ["radial", "--d", "3", "--eps", "0.2", "--samples", "300", "--out", str(net)]).exit_code == 0
    png = tmp_path / "f.png"
    res = r.invoke(app, ["plot", str(net), "--out", str(png), "--json"])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import json

    assert json.loads(res.stdout)["max_error_on_rays"] <= 0.2
