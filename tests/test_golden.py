"""The same commands give byte-identical stdout and files as the stored golden outputs.

Fact checked: refactoring the library (contexts, reports, registries, the CLI package) changed no
number and no byte of what a user sees or saves.  The golden files were made by
``python tests/golden_cases.py`` before the refactoring.

The two *trained* experiments (``ball``: float64 gradient descent, ``feature_learning``: float32) are the one
exception: their matrix products run in OpenBLAS, which picks its kernel by the CPU (an AVX-512 machine sums
in another order than an AVX2 one), so their last bits depend on the machine, not on netconstruct.  On the
same machine they are byte-identical (tested below: the ball case run twice); here every number of their output must
agree with the golden one to a relative 10⁻¹² (float64) / 10⁻⁵ (float32) and everything else exactly.
"""

import json
from fractions import Fraction

import pytest

from golden_cases import GOLDEN, ORDER, run_case

#: case → relative tolerance of its numbers across CPUs (BLAS kernel choice); absent: byte-identical
TRAINED = {"ball": 1e-12, "feature_learning": 1e-5}


def _number(v):
    """A JSON number, or a string that spells an exact number ("-0.108…", "3/7"); else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return Fraction(v)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _mismatches(a, b, rel: float, path: str = ""):
    """Paths where the JSON values a and b differ by more than ``rel`` (numbers) or at all (the rest)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            yield path, sorted(a.keys() ^ b.keys())
        for k in a.keys() & b.keys():
            yield from _mismatches(a[k], b[k], rel, f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield path, (len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _mismatches(x, y, rel, f"{path}[{i}]")
    else:
        x, y = _number(a), _number(b)
        if x is not None and y is not None:
            if abs(x - y) > rel * max(abs(x), abs(y)):
                yield path, (a, b)
        elif a != b:
            yield path, (a, b)


def _same(name: str, got: str | bytes, want: str | bytes) -> None:
    if name not in TRAINED or got == want:
        assert got == want
        return
    bad = list(_mismatches(json.loads(got), json.loads(want), TRAINED[name]))
    assert not bad, bad[:5]


@pytest.mark.parametrize("name", ORDER)
def test_golden(name, tmp_path):
    code, out, files = run_case(name, tmp_path, GOLDEN)
    assert code == 0, out
    _same(name, out, (GOLDEN / f"{name}.stdout").read_text())
    for f, data in files.items():
        _same(name, data, (GOLDEN / f).read_bytes())


def test_tolerant_comparison_still_catches_a_changed_number():
    """The tolerant comparison of the trained cases is not vacuous: a relative change of 10⁻⁹ in one number
    of the golden ball output, or a changed string, is reported."""
    want = json.loads((GOLDEN / "ball.stdout").read_text())
    got = json.loads((GOLDEN / "ball.stdout").read_text())
    row = got["two_sigmoid_layers"][9]
    row["train_mse"] *= 1 + 1e-9
    assert list(_mismatches(got, want, TRAINED["ball"]))
    row["train_mse"] = want["two_sigmoid_layers"][9]["train_mse"] * (1 + 1e-14)
    assert not list(_mismatches(got, want, TRAINED["ball"]))
    got["setup"] = "changed"
    assert list(_mismatches(got, want, TRAINED["ball"]))


def test_trained_case_is_byte_identical_on_one_machine(tmp_path):
    """Same command, same seed, same machine: the trained ball experiment writes the same bytes twice."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = run_case("ball", tmp_path / "a", GOLDEN), run_case("ball", tmp_path / "b", GOLDEN)
    assert first[0] == second[0] == 0
    assert first[1] == second[1] and first[2] == second[2]
