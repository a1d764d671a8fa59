"""Golden outputs: commands whose stdout (``--json``) and written files must stay byte-identical.

Regenerate (only when a change of output is intended, and say so in the commit):
    python tests/golden_cases.py
The test ``tests/test_golden.py`` runs every case in a fresh directory and compares bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# name: (arguments, files the command writes, in the working directory)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "radial_d3": (["radial", "--d", "5", "--eps", "0.2", "--samples", "400", "--json", "--out", "r3.json"], ["r3.json"]),
    "radial_d3_gauss_r2": (
        ["radial", "--d", "3", "--eps", "0.1", "--target", "gauss", "--radius", "2", "--samples", "300", "--json",
         "--out", "r3g.json"], ["r3g.json"]),
    "radial_d2_dimension": (
        ["radial", "--depth", "2", "--regime", "dimension", "--d", "3", "--eps", "0.3", "--samples", "300", "--json",
         "--out", "r2d.json"], ["r2d.json"]),
    "radial_d2_accuracy": (
        ["radial", "--depth", "2", "--regime", "accuracy", "--d", "2", "--eps", "0.3", "--samples", "300", "--json",
         "--out", "r2a.json"], ["r2a.json"]),
    "verify": (["verify", "@r3.json", "--samples", "300", "--json"], []),
    "verify_d2": (["verify", "@r2a.json", "--samples", "300", "--json"], []),
    "info": (["info", "@r3.json", "--json"], []),
    "eval": (["eval", "@r3.json", "--x", "0.1,0.2,0,-0.3,0.25", "--json"], []),
    "separation": (["separation", "--d", "2,5", "--eps", "0.3,0.2", "--build-max", "300", "--json"], []),
    "orthogonal": (
        ["orthogonal", "--d", "6", "--k", "2", "--samples", "2000", "--laws", "gaussian,sphere", "--member", "0,1",
         "--json", "--out", "orth.json"], ["orth.json"]),
    "bound_weights": (
        ["bound-weights", str(EXAMPLES / "large_weights_k2.json"), "--bits", "3", "--samples", "200", "--json",
         "--out", "bw.json"], ["bw.json"]),
    "ball": (
        ["ball", "--d", "4", "--width", "3", "--train-steps", "40", "--samples", "300", "--json", "--out", "ball.json"],
        ["ball.json"]),
    "feature_learning": (["feature-learning", "--d", "4", "--n", "60,120", "--m1", "32", "--m2", "16", "--test", "200",
                          "--json"], []),
}

# cases that read a file another case wrote ("@name" in their arguments)
ORDER = list(CASES)


#: commands that take --workers
PARALLEL = {"radial", "verify", "separation", "bound-weights"}


def run_case(name: str, workdir: Path, golden_dir: Path, workers: int | None = None):
    """Run one case in ``workdir`` (where earlier cases' files are); return (exit code, stdout, files).
    ``workers`` adds ``--workers N`` to the commands that take it (the output must not change)."""
    from typer.testing import CliRunner

    from netconstruct.cli import app

    args, files = CASES[name]
    args = [str(golden_dir / a[1:]) if a.startswith("@") else a for a in args]
    if workers is not None and args[0] in PARALLEL:
        args = args + ["--workers", str(workers)]
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        res = CliRunner().invoke(app, args)
    finally:
        os.chdir(cwd)
    return res.exit_code, res.stdout, {f: (workdir / f).read_bytes() for f in files}


def regenerate() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in ORDER:
        code, out, files = run_case(name, GOLDEN, GOLDEN)
        assert code == 0, (name, code, out)
        (GOLDEN / f"{name}.stdout").write_text(out)
        print(name, "ok", sorted(files))


if __name__ == "__main__":
    regenerate()
