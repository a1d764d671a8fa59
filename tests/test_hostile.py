"""Hostile input on the newest surfaces answers within seconds with one line and exit 1 or 2 (issue 24's cases).

Fact checked for each case: the exit code is the documented one (2 for bad arguments, 1 for a bad file or a job
beyond its budget), the message is one line naming the problem, and the answer comes in well under 30 s — the
size or work is estimated before anything is allocated or searched (docs/reliability.md, "Bounded cost").
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app

GOLDEN = Path(__file__).parent / "golden"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


CASES = [
    # (arguments, exit code, a piece of the message)
    (["radial", "--d", "2", "--eps", "0.3", "--scheduler", "garbage"], 2, "--scheduler must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--scheduler", "tcp://"], 2, "--scheduler must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--scheduler", "http://x:1"], 2, "--scheduler must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--scheduler", "inproc://x"], 2, "--scheduler must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--scheduler", "tcp://127.0.0.1:abc"], 2, "--scheduler must be"),
    (["radial", "--d", "2", "--eps", "1e-300"], 1, "below the rounding budget"),
    (["radial", "--d", "2", "--eps", "1e-25"], 1, "needs at least"),
    (["radial", "--d", "2", "--eps", "0.3", "--digits", "100000"], 2, "--digits must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--seed", "-1"], 2, "--seed must be"),
    (["radial", "--d", "2", "--eps", "0.3", "--g", "exp(1000)"], 2, "beyond what float64"),
    (["radial", "--d", "2", "--eps", "0.3", "--g", "(10**50)**8"], 2, "beyond what float64"),
    (["radial", "--d", "2", "--eps", "0.3", "--lipschitz", "1e300"], 1, "needs at least"),
    (["radial", "--d", "2", "--eps", "0.3", "--lipschitz", "nan"], 2, "not a finite number"),
    (["radial", "--d", "2", "--eps", "0.3", "--max-neurons", "1e13"], 2, "Invalid value for '--max-neurons'"),
    (["radial", "--d", "2", "--eps", "0.3", "--samples", "1000000000"], 2, "--samples must be"),
    (["radial", "--d", "2", "--eps", "1e-6", "--knots", "uniform"], 1, "above --max-neurons"),
    (["radial", "--depth", "2", "--regime", "accuracy", "--d", "50", "--eps", "0.001"], 1, "degree"),
    (["radial", "--depth", "2", "--regime", "accuracy", "--d", "3", "--eps", "1e-6"], 1, "ridge-average"),
    (["radial", "--depth", "2", "--regime", "dimension", "--d", "1000", "--eps", "0.01"], 1, "ridge directions"),
    (["separation", "--d", "1" + "0" * 100], 2, "--d"),
    (["separation", "--d", "١٢"], 2, "--d"),
    (["separation", "--eps", "1e-12"], 1, "needs at least"),
    (["feature-learning", "--d", "4", "--device", "tpu"], 2, "--device must be"),
    (["feature-learning", "--d", "4", "--seeds", "1000000"], 2, "--seeds"),
    (["ball", "--radius", "nan"], 2, "finite"),
    (["ball", "--lr", "nan"], 2, "finite"),
    (["ball", "--baseline-lrs", "abc"], 2, "not a number"),
    (["plot", GOLDEN / "r3.json", "--out", "p.xyz"], 2, ".png, .pdf or .svg"),
    (["plot", GOLDEN / "r3.json", "--rays", "10000000", "--out", "p.png"], 2, "--rays must be"),
    (["export", GOLDEN / "r3.json", "--to", "foo", "--out", "x.onnx"], 2, "unknown export format"),
    (["export", GOLDEN / "r3.json", "--to", "onnx", "--dtype", "float16", "--out", "x.onnx"], 2, "unknown dtype"),
    (["bound-weights", GOLDEN / "r3.json", "--low=nan", "--high=1", "--out", "bw.json"], 2, "not a finite number"),
    (["bound-weights", GOLDEN / "r3.json", "--range", "1e300", "--out", "bw.json"], 1, "bits of digits"),
]


@pytest.mark.parametrize("args,code,needle", CASES, ids=lambda v: " ".join(map(str, v))[:60] if isinstance(v, list) else None)
def test_hostile_arguments_answer_fast_in_one_line(args, code, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t0 = time.monotonic()
    res = run(*args)
    assert res.exit_code == code, res.output
    assert needle in res.output and res.output.strip().count("\n") == 0, res.output
    assert "internal error" not in res.output
    assert time.monotonic() - t0 < 30


def test_workers_beyond_the_cores_are_capped_with_a_note():
    res = run("radial", "--d", "2", "--eps", "0.3", "--samples", "50", "--no-verify", "--workers", "100000")
    assert res.exit_code == 0 and "capped to" in res.output


def _metadata_case(tmp_path, name, edit):
    doc = json.loads((GOLDEN / name).read_text())
    edit(doc["metadata"])
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("name,edit", [
    ("r2d.json", lambda m: m["parameters"].__setitem__("d", 7)),
    ("r2d.json", lambda m: m["parameters"].pop("chebyshev")),
    ("r2d.json", lambda m: m.__setitem__("parameters", [1, 2])),
    ("r3.json", lambda m: m["parameters"].__setitem__("d", 6)),
])
def test_metadata_that_lies_is_refused(tmp_path, name, edit):
    res = run("verify", _metadata_case(tmp_path, name, edit), "--samples", "50")
    assert res.exit_code == 1 and "metadata does not match the network" in res.output, res.output


@pytest.mark.parametrize("domain", [[[0, 1]], 5, {"type": "box", "low": [[0]], "high": [1]},
                                    {"type": "box", "low": [0], "high": "x"}, {"type": "box", "shape": 1e30}])
def test_bound_weights_domain_that_lies_is_a_bad_file(tmp_path, domain):
    res = run("bound-weights", _metadata_case(tmp_path, "r3.json", lambda m: m.__setitem__("domain", domain)),
              "--bits", "2", "--out", tmp_path / "bw.json")
    assert res.exit_code == 1 and res.output.strip().count("\n") == 0, res.output


def test_a_stored_claim_is_labelled_and_a_refuted_one_fails(tmp_path):
    """A file claiming an a-priori bound of 1e-9 (the error is 0.28) and ε = 10: verify says both are the file's
    claims, checks ε = 10 and says so, and fails because an error above the stored bound is found."""
    path = _metadata_case(tmp_path, "r2d.json", lambda m: (m["bounds"].__setitem__("sup_error", "1e-9"),
                                                           m["parameters"].__setitem__("eps", "10")))
    res = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["verify", str(path), "--samples", "50"])
    assert res.exit_code == 1 and "stored a-priori bound 1e-9 is refuted" in res.output, res.output
    assert "a-priori bound (stored in the file, not re-proved)" in res.output
    assert "target ε checked (from the file's parameters.eps: its claim)" in res.output
    data = json.loads(run("verify", path, "--samples", "50", "--json").output.split("\nerror")[0])
    assert data["eps_source"] == "file" and data["a_priori_source"] == "file"


def test_schema_version_true_is_not_1(tmp_path):
    doc = json.loads((GOLDEN / "r3.json").read_text())
    doc["schema_version"] = True
    (tmp_path / "n.json").write_text(json.dumps(doc))
    res = run("info", tmp_path / "n.json")
    assert res.exit_code == 1 and "schema_version" in res.output


def test_complex_torch_weights_are_refused(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"0.weight": torch.tensor([[1 + 5j, 2 - 3j]]), "0.bias": torch.tensor([0j])}, tmp_path / "c.pt")
    res = run("import", tmp_path / "c.pt", "--out", tmp_path / "c.json")
    assert res.exit_code == 1 and "complex" in res.output and not (tmp_path / "c.json").exists()


def test_command_line_errors_are_one_line_from_the_console_script():
    res = subprocess.run([sys.executable, "-m", "netconstruct", "radial", "--max-neurons", "1e13"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and res.stderr.startswith("error: "), res.stderr


def test_the_console_script_leaves_with_its_output_whole_and_a_closed_pipe_is_no_bug():
    """The console entry ends the process without the interpreter's teardown, after flushing: a --json report arrives
    whole (it parses) with exit 0.  A reader that closed the pipe before the report is written is not a bug of
    netconstruct: exit 1 and nothing on stderr (it was exit 3, "internal error: BrokenPipeError")."""
    import json

    cmd = [sys.executable, "-m", "netconstruct", "radial", "--d", "2", "--eps", "0.3", "--no-verify", "--json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and json.loads(res.stdout)["network"]["widths"], res.stderr[-300:]
    for extra in ([], ["--d", "3"]):  # the JSON document, and the rich table
        proc = subprocess.Popen(cmd[:-1] + extra if extra else cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.stderr.close()
        assert proc.wait(timeout=120) == 1 and err == "", err[-300:]


def test_a_scheduler_that_never_answers_is_given_up_within_seconds():
    """A server that accepts the connection and never says a word: the command stops after the documented 10 s."""
    pytest.importorskip("distributed")
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "netconstruct", "radial", "--d", "2", "--eps", "0.3", "--samples",
                              "50", "--scheduler", f"tcp://127.0.0.1:{port}"], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "NO_COLOR": "1"})
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        thread.join(5)
        for c in held:
            c.close()
        server.close()
    assert res.returncode == 2 and "did not answer" in res.stderr, res.stderr[-500:]
    assert elapsed < 40


def test_an_unreadable_input_is_a_bad_file(tmp_path, monkeypatch):
    """A file the process may not read (permissions; simulated, as the suite may run as root) exits 1, as
    documented, with one line — for a network file and for a model file."""
    import netconstruct.jsonio

    net = tmp_path / "n.json"
    net.write_bytes((GOLDEN / "r3.json").read_bytes())
    monkeypatch.setattr(netconstruct.jsonio.os, "access", lambda path, mode: False)
    for args in (["info", net], ["verify", net], ["import", net.with_suffix(".npz"), "--out", tmp_path / "o.json"]):
        if args[1].suffix == ".npz":
            args[1].write_bytes(b"PK")
        res = run(*args)
        assert res.exit_code == 1 and "permission denied" in res.output and res.output.count("\n") == 1, res.output
