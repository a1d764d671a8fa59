"""The same commands give byte-identical stdout and files as the stored golden outputs.

Fact checked: refactoring the library (contexts, reports, registries, the CLI package) changed no
number and no byte of what a user sees or saves.  The golden files were made by
``python tests/golden_cases.py`` before the refactoring.
"""

import pytest

from golden_cases import GOLDEN, ORDER, run_case


@pytest.mark.parametrize("name", ORDER)
def test_golden(name, tmp_path):
    code, out, files = run_case(name, tmp_path, GOLDEN)
    assert code == 0, out
    assert out == (GOLDEN / f"{name}.stdout").read_text()
    for f, data in files.items():
        assert data == (GOLDEN / f).read_bytes(), f
