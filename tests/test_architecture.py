"""The architecture the docs describe (docs/architecture.md) is the one the code has."""

import ast
import pathlib
from pathlib import Path

import pytest

import netconstruct

ROOT = pathlib.Path(netconstruct.__file__).parent
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@pytest.mark.skipif(not PYPROJECT.exists(), reason="needs the source tree's pyproject.toml")
def test_import_layers_contract():
    """Fact: every import goes down the layers declared in pyproject.toml (import-linter)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True) == 0


def _modules():
    for p in sorted(ROOT.rglob("*.py")):
        yield p, ast.parse(p.read_text(), filename=str(p))


def test_cli_is_thin():
    """Fact: each cli/ module is under 250 lines and imports no numerical library (no mathematics there)."""
    for p in sorted((ROOT / "cli").glob("*.py")):
        lines = p.read_text().count("\n")
        assert lines < 250, (p.name, lines)
        tree = ast.parse(p.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        assert not names & {"numpy", "scipy", "mpmath", "sympy", "math"}, (p.name, names)


#: names that start with "_" and are public, documented APIs of the standard library
PUBLIC_UNDERSCORED = {"os._exit"}


def test_no_private_name_used_outside_its_module():
    """Fact: no module imports a _private name from another module or reads module._private (the standard library's
    documented os._exit aside)."""
    offenders = []
    for p, tree in _modules():
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        offenders.append(f"{p.name}: from {node.module} import {a.name}")
                    aliases.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                aliases |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and f"{node.value.id}.{node.attr}" not in PUBLIC_UNDERSCORED):
                offenders.append(f"{p.name}: {node.value.id}.{node.attr}")
    assert offenders == []


def test_registries_cover_the_constructions():
    """Fact: every radial construction has a certificate, and separation/radial read the same registry."""
    from netconstruct.certificates import CERTIFIERS
    from netconstruct.constructions import CONSTRUCTIONS, find

    built_names = {"depth3": "radial_depth3", "depth2_dimension": "radial_depth2", "depth2_accuracy": "radial_depth2"}
    assert set(CONSTRUCTIONS) == set(built_names)
    assert {built_names[k] for k in CONSTRUCTIONS} <= set(CERTIFIERS)
    assert find(3) is CONSTRUCTIONS["depth3"] and find(2, "accuracy") is CONSTRUCTIONS["depth2_accuracy"]
