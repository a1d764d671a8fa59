"""The same commands give byte-identical stdout and files as the stored golden outputs.

Fact checked: refactoring the library (contexts, reports, registries, the CLI package) changed no
number and no byte of what a user sees or saves.  The golden files were made by
``python tests/golden_cases.py`` before the refactoring.

Two float64 *diagnostics* of the sampled search, ``max_error_float64`` (the worst error as float64 evaluates it)
and ``float64_minus_mpmath`` (how far float64 is from the exact value there), follow the CPU in their last bits
(BLAS summation order, numpy's AVX-512 vs AVX2 kernels): they are compared to a relative 10⁻⁹ / an absolute
10⁻¹²; every other field — the points chosen, the exact (mpmath) errors, the certificates — byte for byte.
``test_goldens_on_other_kernels`` runs this file again under other OpenBLAS kernels, with numpy's AVX-512
kernels switched off, and with 1 and 2 workers.

The two *trained* experiments (``ball``: float64 gradient descent, ``feature_learning``: float32) are the one
exception: their matrix products run in OpenBLAS, which picks its kernel by the CPU (an AVX-512 machine sums
in another order than an AVX2 one), so their last bits depend on the machine, not on netconstruct.  On the
same machine they are byte-identical (tested below: the ball case run twice); here every number of their output must
agree with the golden one to a relative 10⁻¹² (float64) / 10⁻⁵ (float32) and everything else exactly.
"""

import json
import os
import platform
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from golden_cases import GOLDEN, ORDER, run_case

#: case → relative tolerance of its numbers across CPUs (BLAS kernel choice); absent: byte-identical
TRAINED = {"ball": 1e-12, "feature_learning": 1e-5}
#: float64 diagnostics of the sampled search → (relative, absolute) tolerance; every other field exact
DIAGNOSTICS = {"max_error_float64": (1e-9, 0.0), "float64_minus_mpmath": (0.0, 1e-12)}


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


def _mismatches(a, b, rel: float, path: str = "", absolute: float = 0.0, tolerances: dict | None = None):
    """Paths where the JSON values a and b differ by more than ``rel`` relative or ``absolute`` (numbers) or at
    all (the rest); a key of ``tolerances`` gets its own (relative, absolute) pair."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            yield path, sorted(a.keys() ^ b.keys())
        for k in a.keys() & b.keys():
            r, t = (tolerances or {}).get(k, (rel, absolute))
            yield from _mismatches(a[k], b[k], r, f"{path}/{k}", t, tolerances)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield path, (len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _mismatches(x, y, rel, f"{path}[{i}]", absolute, tolerances)
    else:
        x, y = _number(a), _number(b)
        if x is not None and y is not None:
            if abs(x - y) > max(rel * max(abs(x), abs(y)), absolute):
                yield path, (a, b)
        elif a != b:
            yield path, (a, b)


def _same(name: str, got: str | bytes, want: str | bytes) -> None:
    if got == want:
        return
    try:
        a, b = json.loads(got), json.loads(want)
    except ValueError:
        assert got == want
        return
    bad = list(_mismatches(a, b, TRAINED.get(name, 0.0), tolerances=DIAGNOSTICS))
    assert not bad, bad[:5]


#: set by test_goldens_on_other_kernels: the cases run with --workers N (golden_cases.PARALLEL)
WORKERS_VARIABLE = "NETCONSTRUCT_GOLDEN_WORKERS"


@pytest.mark.parametrize("name", ORDER)
def test_golden(name, tmp_path, monkeypatch):
    workers = os.environ.get(WORKERS_VARIABLE)
    if workers:  # every piece through the worker processes, none in this one
        import netconstruct.bounds.boxes
        import netconstruct.verify

        monkeypatch.setattr(netconstruct.verify, "_INLINE_WORK", 0)
        monkeypatch.setattr(netconstruct.bounds.boxes, "_INLINE_WORK", 0)
    code, out, files = run_case(name, tmp_path, GOLDEN, workers=int(workers) if workers else None)
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


def _kernels() -> list[dict[str, str]]:
    """Environments that change the float64 kernels: another OpenBLAS kernel (x86: Haswell = AVX2, Prescott = SSE3;
    ARM: the generic ARMv8 one), and on an AVX-512 machine numpy's AVX-512 loops switched off (an AVX2 CPU's)."""
    if platform.machine().lower() in ("x86_64", "amd64"):
        envs = [{"OPENBLAS_CORETYPE": "Prescott", WORKERS_VARIABLE: "2"}, {"OPENBLAS_CORETYPE": "Haswell", WORKERS_VARIABLE: "1"}]
    else:
        envs = [{"OPENBLAS_CORETYPE": "ARMV8", WORKERS_VARIABLE: "2"}]
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy < 2
        return envs
    wide = [f for f in __cpu_dispatch__ if f.startswith(("AVX512", "X86_V4")) and __cpu_features__.get(f)]
    if wide:
        envs[-1]["NPY_DISABLE_CPU_FEATURES"] = ",".join(wide)
    return envs


@pytest.mark.parametrize("env", _kernels(), ids=lambda e: "-".join(f"{k}={v}" for k, v in e.items()))
def test_goldens_on_other_kernels(env):
    """The goldens hold whatever the float kernels: the sampled search decides with rounded errors
    (``exact.machine_key``), the constructions take their irrational numbers from mpmath, and the box
    certificate rounds its reported bounds outward — so another OpenBLAS kernel, numpy without AVX-512 and
    another number of workers give the same bytes (the two float64 diagnostics within their tolerance)."""
    here = Path(__file__).parent
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                          str(here / "test_golden.py"), "-k", "test_golden["],
                         env={**os.environ, **env}, capture_output=True, text=True, cwd=here.parent, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
