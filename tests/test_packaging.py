"""Packaging that keeps building: PEP 639 license metadata (the SPDX expression and the license file), not the
table form setuptools drops in 2027.  The wheel itself is built with the newest setuptools and installed in a fresh
virtual environment by .ci/run (it needs the package index); here the offline facts."""


from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python ≥ 3.11

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


@pytest.mark.skipif(not PYPROJECT.exists(), reason="needs the source tree")
def test_license_is_an_spdx_expression_with_its_file():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["license"] == "MIT"  # a string (PEP 639), not {text = ...}
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY" in text
    requires = tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in requires)  # the first with PEP 639
