"""Nothing lost, nothing misread, nothing hangs (docs/reliability.md)."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from netconstruct import jsonio
from netconstruct.cli import app
from netconstruct.errors import FormatError, NetconstructError, TargetError
from netconstruct.export import export, import_model
from netconstruct.fileio import DELAY_VARIABLE

GOLDEN = Path(__file__).parent / "golden"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# --------------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------------
def _slow_write(tmp_path, sig):
    """Start `radial --out old.json` with the write held open, interrupt it with ``sig`` while the new
    data sit in the temporary file; return (old bytes, bytes after, exit code, leftovers)."""
    target = tmp_path / "old.json"
    target.write_bytes((GOLDEN / "r3.json").read_bytes())
    before = target.read_bytes()
    env = dict(os.environ, **{DELAY_VARIABLE: "60"})
    # a shell that starts a job in the background ignores SIGINT for it, and the ignoring is inherited:
    # restore the default in the child so that Python installs its Ctrl-C handler wherever the suite runs
    proc = subprocess.Popen([sys.executable, "-m", "netconstruct", "radial", "--d", "3", "--eps", "0.3",
                             "--samples", "100", "--out", str(target)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".old.json.*.tmp")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return before, target.read_bytes(), proc.returncode, list(tmp_path.glob(".old.json.*.tmp")), err


def test_sigkill_mid_write_leaves_the_old_file(tmp_path):
    """Fact: kill -9 between writing the new data and replacing the target leaves the target byte-identical."""
    before, after, code, _, _ = _slow_write(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL and after == before


def test_ctrl_c_mid_write_leaves_the_old_file_and_no_temp(tmp_path):
    """Fact: Ctrl-C during the write exits 130 with one line, the target untouched, the temp file removed."""
    before, after, code, leftovers, err = _slow_write(tmp_path, signal.SIGINT)
    assert code == 130 and after == before and leftovers == []
    assert b"interrupted" in err


def test_full_disk_leaves_the_old_file(tmp_path, monkeypatch):
    """Fact: a write that fails with ENOSPC raises a one-line NetconstructError, keeps the old file, leaves no temp."""
    target = tmp_path / "net.json"
    target.write_text("old contents")
    net = jsonio.load(GOLDEN / "r3.json")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(NetconstructError, match="No space left"):
        jsonio.save(net, target)
    assert target.read_text() == "old contents" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("fmt,suffix", [("onnx", ".onnx"), ("torch", ".pt"), ("npz", ".npz")])
def test_exports_are_atomic_too(tmp_path, monkeypatch, fmt, suffix):
    """Fact: every exporter writes through the atomic writer (a failing fsync keeps the old file)."""
    target = tmp_path / f"model{suffix}"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(NetconstructError):
        export(jsonio.load(GOLDEN / "r3.json"), fmt, target)
    assert target.read_bytes() == b"old"


@pytest.mark.parametrize("out", ["missing_dir/x.json", "."])
def test_unwritable_out_is_refused_before_any_work(tmp_path, out):
    res = run("radial", "--d", "3", "--eps", "0.3", "--out", tmp_path / out)
    assert res.exit_code == 1 and "cannot write" in res.output and "Traceback" not in res.output


# --------------------------------------------------------------------------------------------
# faithful imports
# --------------------------------------------------------------------------------------------
def _onnx(path, nodes, inits, out="y"):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
                          [helper.make_tensor_value_info(out, TensorProto.DOUBLE, ["N", 1])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 9
    onnx.save(m, str(path))
    return path


def _weights():
    from onnx import numpy_helper

    return (numpy_helper.from_array(np.array([[1.0, 1.0]]), "W1"), numpy_helper.from_array(np.array([[2.0, 3.0]]), "W2"),
            numpy_helper.from_array(np.array([1.5]), "b2"), numpy_helper.from_array(np.array([-1, 2], dtype=np.int64), "shape"))


@pytest.mark.parametrize("case", ["branch", "stray", "self_loop", "unknown_op", "dangling_output"])
def test_onnx_graphs_that_are_not_one_chain_are_refused(tmp_path, case):
    """Fact: the importer follows the wiring, so a graph whose output does not come from one chain through
    every node is refused with one line naming the node — never read as a different network."""
    pytest.importorskip("onnx")
    from onnx import helper

    W1, W2, b2, _ = _weights()
    gemm = lambda i, o, w, n: helper.make_node("Gemm", [i, w], [o], transB=1, name=n)  # noqa: E731
    graphs = {
        "branch": [gemm("x", "h", "W1", "g1"), gemm("x", "y", "W2", "g2")],
        "stray": [gemm("x", "y", "W2", "g2"), helper.make_node("Relu", ["W1"], ["r"], name="stray")],
        "self_loop": [gemm("x", "y", "W2", "g2"), gemm("z", "z", "W1", "loop")],
        "unknown_op": [gemm("x", "h", "W2", "g2"), helper.make_node("Tanh", ["h"], ["y"], name="t")],
        "dangling_output": [gemm("x", "h", "W2", "g2")],
    }
    path = _onnx(tmp_path / f"{case}.onnx", graphs[case], [W1, W2])
    with pytest.raises(FormatError) as exc:
        import_model(path)
    assert "\n" not in str(exc.value)
    res = run("import", path, "--out", tmp_path / "o.json")
    assert res.exit_code == 1


def test_torch_style_chain_with_no_ops_imports_exactly(tmp_path):
    """Fact: Flatten / Reshape / Cast(float) / Identity around Gemm, MatMul + Add, Relu are read as the
    chain they are: the imported network equals x ↦ ReLU(2x₁ + 3x₂ + 1.5)."""
    from onnx import TensorProto, helper

    W1, W2, b2, shape = _weights()
    nodes = [helper.make_node("Flatten", ["x"], ["f"], axis=1, name="flat"),
             helper.make_node("Cast", ["f"], ["c"], to=TensorProto.DOUBLE, name="cast"),
             helper.make_node("Reshape", ["c", "shape"], ["s"], name="reshape"),
             helper.make_node("MatMul", ["s", "W2T"], ["m"], name="mm"),
             helper.make_node("Add", ["m", "b2"], ["a"], name="add"),
             helper.make_node("Relu", ["a"], ["y"], name="relu")]
    from onnx import numpy_helper

    W2T = numpy_helper.from_array(np.array([[2.0], [3.0]]), "W2T")
    net = import_model(_onnx(tmp_path / "chain.onnx", nodes, [W2T, b2, shape]))
    assert net.evaluate_exact([1, -1]) == [net.evaluate_exact([1, -1])[0]] and net.evaluate_exact([1, 1])[0] == 6.5
    assert net.evaluate_exact([-1, -1])[0] == 0


def test_tampered_export_is_refused(tmp_path):
    """Fact: an .npz whose arrays were changed but whose embedded JSON was kept does not import as the JSON."""
    net = jsonio.load(GOLDEN / "r3.json")
    path = tmp_path / "net.npz"
    export(net, "npz", path)
    data = dict(np.load(path, allow_pickle=False))
    data["W0"] = data["W0"] * 1.5
    np.savez_compressed(path, **data)
    with pytest.raises(FormatError, match="does not evaluate like"):
        import_model(path)


def test_import_memory_is_estimated_before_reading(tmp_path):
    """Fact: a small .npz that declares 3000×3000 entries is refused from its headers under a 100 MB budget."""
    path = tmp_path / "ones.npz"
    np.savez_compressed(path, W0=np.ones((3000, 3000)), b0=np.zeros(3000), activations=np.array(["identity"]))
    t0 = time.perf_counter()
    res = run("import", path, "--out", tmp_path / "o.json", "--max-memory", "100M")
    assert res.exit_code == 1 and "would need about" in res.output and time.perf_counter() - t0 < 10


# --------------------------------------------------------------------------------------------
# bounded cost of expressions
# --------------------------------------------------------------------------------------------
BOMBS = ["exp(10**64)", "(((10**64)**64)**64)**64", "exp(exp(exp(100)))", "((10**64)**64)**64", "tan(pi*r)",
         "sin(" * 80 + "r" + ")" * 80, "exp(" * 40 + "r" + ")" * 40, "1e400*r", "sqrt(r)"]


@pytest.mark.parametrize("g", BOMBS)
def test_expression_bombs_cost_little(g):
    """Fact: each hostile profile is refused with a TargetError (exit 2) well within the documented budget."""
    from netconstruct.targets import make_target

    t0 = time.perf_counter()
    with pytest.raises(TargetError):
        make_target(expression=g)
    assert time.perf_counter() - t0 < 30  # the Lipschitz budget is 20 s; these take < 3 s


def test_expression_bomb_in_a_file_is_a_bad_file(tmp_path):
    """Fact: the same limits apply to a profile stored in a file, and a bad stored target is exit 1."""
    data = json.loads((GOLDEN / "r3.json").read_text())
    data["metadata"]["target"]["g"] = "exp(10**64)"
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(data))
    for cmd in (["verify", path, "--samples", "50"], ["plot", path, "--out", tmp_path / "p.png"]):
        res = run(*cmd)
        assert res.exit_code == 1 and "metadata.target" in res.output


# --------------------------------------------------------------------------------------------
# exit codes: 1 for a bad file, 2 for bad arguments, never 3
# --------------------------------------------------------------------------------------------
def _bad_files(tmp_path):
    good = json.loads((GOLDEN / "r3.json").read_text())

    def variant(name, edit):
        d = json.loads(json.dumps(good))
        edit(d)
        p = tmp_path / name
        p.write_text(json.dumps(d))
        return p

    files = {
        "bigint": variant("bigint.json", lambda d: d["layers"][0]["bias"].__setitem__(0, "1" + "0" * 5000)),
        "jsonint": tmp_path / "jsonint.json",
        "e400": variant("e400.json", lambda d: d["layers"][0]["bias"].__setitem__(0, "1e400")),
        "shape_null": variant("shape.json", lambda d: d["layers"][0]["weight"].__setitem__("shape", None)),
        "deep": tmp_path / "deep.json",
        "radius0": variant("r0.json", lambda d: d["metadata"]["target"].__setitem__("radius", 0)),
        "directory": tmp_path / "adir.json",
        "missing": tmp_path / "missing.json",
        "huge_outer": tmp_path / "outer.json",
    }
    files["jsonint"].write_text(json.dumps(good).replace('"input_dim": 5', '"input_dim": ' + "9" * 5000))
    files["deep"].write_text("[" * 3000 + "]" * 3000)
    files["directory"].mkdir()
    big = 10**9
    files["huge_outer"].write_text(json.dumps({
        "format": "netconstruct-network", "schema_version": 1, "input_dim": big, "layers": [{
            "activation": "identity", "bias": [],
            "weight": {"encoding": "outer", "shape": [big, big],
                       "left": {"encoding": "sparse", "shape": [big, 1], "rows": [0], "cols": [0], "values": ["1"]},
                       "right": {"encoding": "sparse", "shape": [1, big], "rows": [0], "cols": [0], "values": ["1"]}}}]}))
    return files


def test_bad_files_exit_1_with_one_line(tmp_path):
    """Fact: a malformed or oversized file makes every command that reads it exit 1 with one line;
    a file whose only fault is its stored target fails exactly the commands that use the target."""
    cmds = {"info": ["info"], "verify": ["verify", "--samples", "50"], "eval": ["eval", "--x", "0,0,0,0,0"],
            "export": ["export", "--to", "npz", "--out", tmp_path / "o.npz"]}
    for name, path in _bad_files(tmp_path).items():
        for cmd, args in cmds.items():
            res = run(args[0], path, *args[1:])
            expected = (1 if cmd == "verify" else 0) if name == "radius0" else 1
            assert res.exit_code == expected, (name, cmd, res.output)
            if expected:
                assert res.output.startswith("error:") and res.output.strip().count("\n") == 0, (name, cmd, res.output)


@pytest.mark.parametrize("args", [["radial", "--eps", "-1"], ["radial", "--d", "0"], ["radial", "--g", "foo(r)"],
                                  ["radial", "--max-neurons", "10", "--d", "3"], ["info", "x.json", "--max-memory", "lots"],
                                  ["separation", "--d", "a"], ["bound-weights", "examples/large_weights_k2.json", "--bits", "0"]])
def test_bad_arguments_never_exit_3(args):
    res = run(*args)
    assert res.exit_code in (1, 2), res.output


def test_loaded_numbers_are_numbers_every_command_handles():
    """Fact: the loader refuses |x| ≥ 2^1000 and accepts 2^999, and float64 evaluates the accepted one."""
    from netconstruct.exact import parse_exact

    with pytest.raises(FormatError):
        parse_exact(str(2**1000))
    assert float(parse_exact(str(2**999))) == 2.0**999


def test_ctrl_c_during_a_parallel_job_stops_every_worker_and_writes_nothing(tmp_path):
    """Fact: Ctrl-C (SIGINT to the terminal's whole process group, as a shell sends it) while two local workers
    run the exact grid check exits 130 with one line, writes no --out file and no temp file, and leaves no
    worker process behind."""
    out = tmp_path / "bounded.json"
    proc = subprocess.Popen([sys.executable, "-m", "netconstruct", "bound-weights",
                             str(Path(__file__).parent.parent / "examples" / "large_weights_k2.json"), "--bits", "9",
                             "--samples", "0", "--workers", "2", "--out", str(out)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while not (children.exists() and children.read_text().split()):  # the workers have started
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"interrupted" in err and len(err.decode().strip().splitlines()) == 1, err
    assert not out.exists() and list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 10
    while True:  # every process of the group (the workers) is gone
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker outlived the interrupted command"
        time.sleep(0.05)
