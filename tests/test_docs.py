"""The docs say what the code does.

Facts checked: every row the README quotes from `netconstruct radial --d 50 --eps 0.1 --out net.json` is what the
command prints today; every `Example:` in a command's --help runs as written (in order, in one folder, so the
files one example writes are there for the next); help texts keep their brackets ("[lower, upper]", "[dask]");
the tutorial runs top to bottom as written, each command with the exit code the tutorial states.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
pytestmark = pytest.mark.skipif(not README.exists(), reason="needs the source tree")

WIDE = {"COLUMNS": "220", "NO_COLOR": "1"}


def run(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner(env=WIDE).invoke(app, args)
    finally:
        os.chdir(old)


def test_readme_quoted_output_is_what_the_command_prints(tmp_path):
    text = README.read_text()
    block = text[text.index("$ netconstruct radial --d 50 --eps 0.1 --out net.json"):]
    block = block[:block.index("```")]
    command, *rows = [line for line in block.splitlines() if line.strip()]
    res = run(shlex.split(command.removeprefix("$ netconstruct ")), tmp_path)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    for row in rows:
        label, value = re.split(r"\s{2,}", row.strip(), maxsplit=1)
        hits = [line for line in lines if f"│ {label} " in line]
        assert hits, f"the README's row {label!r} is not printed"
        assert any(f"│ {value} " in line for line in hits), (label, value, hits)


def _examples() -> list[tuple[str, str]]:
    """(command, example line) of every 'Example:' in the commands' help, in the order of the help texts."""
    import typer.main

    group = typer.main.get_command(app)
    out = []
    for name, cmd in group.commands.items():
        for line in (cmd.help or "").splitlines():
            line = line.strip()
            if line.startswith("Example:"):
                out.append((name, line.removeprefix("Example:").strip()))
    return out


#: examples that write what later ones read run first
_FIRST = ("radial", "export", "import")


def test_every_help_example_runs_as_written(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    examples = sorted(_examples(), key=lambda e: (e[0] not in _FIRST, _FIRST.index(e[0]) if e[0] in _FIRST else 0))
    assert len(examples) >= 12
    for name, line in examples:
        for part in line.split("&&"):
            args = shlex.split(part.strip())
            assert args[0] == "netconstruct", line
            res = run(args[1:], tmp_path)
            assert res.exit_code == 0, (line, res.output[-2000:])


def test_help_texts_keep_their_brackets():
    verify = CliRunner(env=WIDE).invoke(app, ["verify", "--help"]).output
    assert "sup error ∈ [lower, upper]" in " ".join(verify.split())
    radial = " ".join(CliRunner(env=WIDE).invoke(app, ["radial", "--help"]).output.split())
    assert "(extra [dask]; see docs/scaling.md)" in radial


def _tutorial_steps() -> list[tuple[str, str]]:
    """('bash' | 'python', text) of the tutorial's fenced blocks, in order (the install block excluded)."""
    text = TUTORIAL.read_text()
    steps = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, re.S):
        if "pip install" in body or "venv" in body:
            continue
        steps.append(("python" if lang == "python" else "bash", body))
    return steps


def test_the_tutorial_runs_top_to_bottom(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    exe = Path(sys.executable).parent / "netconstruct"
    env = {**os.environ, **WIDE}
    ran = 0
    for lang, body in _tutorial_steps():
        if lang == "python":
            res = subprocess.run([sys.executable, "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert res.returncode == 0, (body[:200], res.stderr[-2000:])
            ran += 1
            continue
        for line in body.splitlines():
            command, _, comment = line.partition("#")
            if not command.strip():
                continue
            wanted = int(m.group(1)) if (m := re.search(r"exits (\d)", comment)) else 0
            args = shlex.split(command)
            assert args[0] == "netconstruct", line
            res = subprocess.run([str(exe), *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert res.returncode == wanted, (line, res.stdout[-1500:], res.stderr[-1500:])
            ran += 1
    assert ran >= 10
