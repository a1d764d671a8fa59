"""Writes respect what they replace (as coreutils' tools do): links, FIFOs, devices, permission bits, inputs.

Facts checked, each against the real writer (``fileio.atomic_writer``, through the CLI where a command is named):
a symbolic link stays a link and its target gets the data; a FIFO or character device is written into, never
replaced; a FIFO nobody reads is refused at once; an existing file keeps its mode, a new one gets the umask's;
``--out`` equal to the command's own input (also through a link) is refused before any work; a folder that
cannot take a file is found before the work; SIGTERM during a write leaves the old file and no temporary file.
"""

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app
from netconstruct.errors import NetconstructError
from netconstruct.fileio import DELAY_VARIABLE, ensure_writable, write_text

GOLDEN = Path(__file__).parent / "golden"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_a_symlink_stays_a_link_and_its_target_is_written(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_chain_of_links_and_a_dangling_link_are_followed(tmp_path):
    target = tmp_path / "sub" / "real.json"
    target.parent.mkdir()
    first, second = tmp_path / "a", tmp_path / "b"
    second.symlink_to(target)  # dangling until written
    first.symlink_to(second)
    write_text(first, "new")
    assert first.is_symlink() and second.is_symlink() and target.read_text() == "new"
    assert not list(tmp_path.glob(".*.tmp")) and not list(target.parent.glob(".*.tmp"))


def test_cli_out_through_a_symlink(tmp_path):
    target = tmp_path / "net.json"
    target.write_text("{}")
    link = tmp_path / "latest.json"
    link.symlink_to(target.name)  # relative link
    res = run("radial", "--d", "2", "--eps", "0.3", "--samples", "50", "--out", link)
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and target.read_text().startswith("{\n")


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    deadline = time.monotonic() + 10
    while True:  # wait until the reader has the FIFO open
        try:
            write_text(fifo, "data")
            break
        except NetconstructError:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    reader.join(10)
    assert got == ["data"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(NetconstructError, match="no process is reading"):
        write_text(fifo, "data")
    assert time.monotonic() - t0 < 5 and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_dev_null_is_written_into_and_never_replaced():
    before = os.stat("/dev/null")
    write_text("/dev/null", "data")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    res = run("info", GOLDEN / "r3.json", "--json")
    assert res.exit_code == 0
    res = run("export", GOLDEN / "r3.json", "--to", "npz", "--out", "/dev/null")
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_and_a_block_device_are_refused(tmp_path):
    with pytest.raises(NetconstructError, match="directory"):
        ensure_writable(tmp_path)
    blocks = [p for p in Path("/dev").iterdir() if p.exists() and stat.S_ISBLK(os.stat(p).st_mode)] if Path("/dev").is_dir() else []
    for dev in blocks[:1]:
        with pytest.raises(NetconstructError, match="block device"):
            ensure_writable(dev)


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o755, 0o664])
def test_an_existing_file_keeps_its_permission_bits(tmp_path, mode):
    f = tmp_path / "n.json"
    f.write_text("old")
    f.chmod(mode)
    write_text(f, "new")
    assert f.read_text() == "new" and stat.S_IMODE(f.stat().st_mode) == mode


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umasks_bits(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_text(tmp_path / "n.json", "new")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.json").stat().st_mode) == 0o666 & ~umask


def test_out_equal_to_the_input_is_refused_before_any_work(tmp_path):
    net = tmp_path / "n.json"
    net.write_bytes((GOLDEN / "r3.json").read_bytes())
    before = net.read_bytes()
    alias = tmp_path / "alias.json"
    alias.symlink_to(net)
    picture = tmp_path / "n.png"  # a link with an image's name, to the input
    picture.symlink_to(net)
    cases = [["export", net, "--to", "onnx", "--out", net], ["export", net, "--to", "npz", "--out", alias],
             ["plot", net, "--out", picture], ["bound-weights", net, "--bits", "2", "--out", alias]]
    for args in cases:
        res = run(*args)
        assert res.exit_code == 2 and "own input" in res.output and res.output.count("\n") == 1, (args, res.output)
        assert net.read_bytes() == before and alias.is_symlink()
    npz = tmp_path / "m.npz"
    assert run("export", net, "--to", "npz", "--out", npz).exit_code == 0
    npz_before = npz.read_bytes()
    res = run("import", npz, "--out", npz)
    assert res.exit_code == 2 and "own input" in res.output and npz.read_bytes() == npz_before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (a folder no one can write)")
def test_a_folder_that_takes_no_file_is_found_before_the_work():
    t0 = time.monotonic()
    res = run("radial", "--d", "50", "--eps", "0.01", "--out", "/proc/net.json")
    assert res.exit_code == 1 and "cannot write" in res.output and time.monotonic() - t0 < 5


def test_sigterm_mid_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "old.json"
    target.write_bytes((GOLDEN / "r3.json").read_bytes())
    before = target.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "netconstruct", "radial", "--d", "3", "--eps", "0.3",
                             "--samples", "100", "--out", str(target)], env=dict(os.environ, **{DELAY_VARIABLE: "60"}),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".old.json.*.tmp")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and b"terminated" in err, err
    assert target.read_bytes() == before and not list(tmp_path.glob(".old.json.*.tmp"))


def test_a_regular_file_is_never_written_in_place(tmp_path, monkeypatch):
    """Fact: even if the path was taken for a FIFO or device when it was looked at (a race), the writer checks what
    it opened: a regular file there is refused untouched, never written into directly."""
    import netconstruct.fileio as fileio

    f = tmp_path / "n.json"
    f.write_text("old contents")
    monkeypatch.setattr(fileio, "_kind", lambda p: "stream")
    with pytest.raises(NetconstructError, match="no longer a FIFO"):
        write_text(f, "new")
    assert f.read_text() == "old contents"
