"""The execution layer: the same bytes whatever the number of workers or the backend (docs/scaling.md)."""

import pytest
from typer.testing import CliRunner

from netconstruct.cli import app
from netconstruct.errors import UsageError
from netconstruct.parallel import chunks, run


def _square(context, x):
    return context * x * x


def _fail_once(context, x):
    raise ValueError(f"piece {x} failed")


@pytest.fixture(autouse=True)
def no_inline_shortcut(monkeypatch):
    """Small searches and small branch-and-bound steps normally run in the calling process (cheaper than a
    round trip to the workers); here every piece goes through the backend under test."""
    import netconstruct.bounds.boxes
    import netconstruct.verify

    monkeypatch.setattr(netconstruct.verify, "_INLINE_WORK", 0)
    monkeypatch.setattr(netconstruct.bounds.boxes, "_INLINE_WORK", 0)


def invoke(*args):
    res = CliRunner().invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_run_keeps_order_and_counts_every_piece():
    seen = []
    out = run(_square, range(20), 3, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert out == [3 * x * x for x in range(20)] and seen[-1] == (20, 20) and len(seen) == 20
    assert run(_square, range(5), 1, workers=1) == [0, 1, 4, 9, 16]
    assert chunks(10, 4) == [(0, 4), (4, 8), (8, 10)]


def test_a_failing_piece_is_reported_not_dropped():
    with pytest.raises(ValueError, match="failed"):
        run(_fail_once, range(4), None, workers=2)
    with pytest.raises(UsageError):
        run(_square, range(4), 1, workers=0)


CASES = {
    "separation": ["separation", "--d", "2,5", "--eps", "0.3", "--build-max", "100", "--json"],
    "radial": ["radial", "--d", "6", "--eps", "0.2", "--samples", "300", "--json"],
    "bound_weights": ["bound-weights", "examples/large_weights_k2.json", "--bits", "3", "--samples", "100", "--json"],
    # the box certificate's branch and bound, stopped by its box budget (steps bounded in parallel pieces)
    "verify_box": ["verify", "tests/golden/r2a.json", "--samples", "300", "--general", "always", "--max-regions",
                   "1500", "--json"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_for_1_and_2_workers(case):
    args = CASES[case]
    assert invoke(*args, "--workers", "1") == invoke(*args, "--workers", "2")


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        yield c.scheduler_address


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_on_a_dask_local_cluster(cluster, case):
    args = CASES[case]
    assert invoke(*args, "--workers", "1") == invoke(*args, "--scheduler", cluster)


def test_unreachable_scheduler_is_one_line():
    pytest.importorskip("dask.distributed")
    res = CliRunner().invoke(app, ["separation", "--d", "2", "--eps", "0.3", "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2 and "cannot reach the dask scheduler" in res.output


def test_dask_groups_cover_every_piece_once():
    """Pieces dealt into Dask tasks: every piece exactly once, at most n tasks, the n costliest in different ones."""
    from netconstruct.parallel import _groups

    for total in (0, 1, 5, 17, 40):
        for n in (1, 3, 8):
            order = list(range(total))[::-1]
            groups = _groups(order, n)
            assert sorted(i for g in groups for i in g) == list(range(total))
            assert len(groups) == min(n, total) and all(groups)
            assert sorted(g[0] for g in groups) == sorted(order[:len(groups)])


def test_repeated_maps_of_equal_pieces_on_a_cluster(cluster):
    """Two maps of the same pieces in one executor (fresh keys each time: the first map's released pieces are not
    the second's — 'lost dependencies' before), results in order, a square each."""
    from netconstruct.parallel import executor

    with executor(3, scheduler=cluster) as ex:
        for _ in range(3):
            assert ex.map(_square, list(range(30))) == [3 * x * x for x in range(30)]


def _die_in_a_worker(marker, x):
    """x², except that piece 3 kills the worker process that runs it (SIGKILL: no exception, no cleanup) — once
    if ``marker`` is a path that does not exist yet (it is created), every time if ``marker`` is None."""
    import os
    import signal

    if x == 3 and (marker is None or not os.path.exists(marker)):
        if marker is not None:
            open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def test_a_killed_worker_never_makes_the_job_smaller(tmp_path):
    """Fact: when a worker process dies mid-job (kill -9), every piece still gets its value — the lost pieces run
    again on fresh workers — and the executor's next stage runs too: the result is the full, ordered list."""
    from netconstruct.parallel import executor

    with executor(str(tmp_path / "killed-once"), workers=2) as ex:
        assert ex.map(_die_in_a_worker, list(range(12))) == [x * x for x in range(12)]
        assert ex.map(_square_of, list(range(6))) == [x * x for x in range(6)]


def test_a_piece_that_always_kills_its_worker_fails_the_job_in_one_line():
    """Fact: a piece that kills every worker that runs it is not run in the command's own process (it would kill
    the command); after one retry on fresh workers the job fails with WorkerLostError (exit 1), never a shorter
    result."""
    from netconstruct.errors import WorkerLostError
    from netconstruct.parallel import run

    with pytest.raises(WorkerLostError, match="died twice") as err:
        run(_die_in_a_worker, list(range(8)), None, workers=2)
    assert err.value.exit_code == 1 and "\n" not in str(err.value)


def _square_of(context, x):
    return x * x


def test_rate_text_states_done_total_rate_and_eta():
    """Progress text: pieces done / total, the rate so far, the time left at that rate (h:mm:ss past an hour)."""
    from netconstruct.parallel import counted, rate_text

    assert rate_text(0, 40, 0.0) == "0/40"
    assert rate_text(10, 40, 5.0) == "10/40 · 2/s · ETA 0:15"
    assert rate_text(1, 3601, 60.0) == "1/3601 · 1/min · ETA 60:00:00"
    assert rate_text(40, 40, 3.0).endswith("ETA 0:00")
    seen = []
    tick = counted(seen.append, "grid pieces")
    tick(1, 4)
    assert seen[0].startswith("grid pieces 1/4 · ") and "ETA" in seen[0]
    assert counted(None, "x") is None


def test_separation_reports_its_pieces_with_rate_and_eta():
    """The separation job tells its stage callback how many of its pieces are done, at what rate, and the ETA."""
    from fractions import Fraction

    from netconstruct.separation import size_table
    from netconstruct.targets import make_target

    seen = []
    size_table([2], [Fraction(3, 10)], make_target("sine"), progress=seen.append)
    done = [s for s in seen if s.startswith("cells × constructions")]
    assert done and done[-1].startswith("cells × constructions 3/3 · ") and "ETA 0:00" in done[-1]


def test_point_counts_without_drawing_match_the_drawn_blocks():
    """PointSet.sizes counts the uniform, sphere, axis and diagonal points without drawing them (they lie in the
    closed ball by construction); drawn, every block has exactly that many rows, all inside the ball."""
    import numpy as np

    from netconstruct.verify import PointSet

    for d, R, samples in ((2, 1.0, 300), (7, 2.0, 1000), (300, 1.0, 2100)):
        levels = (0.1, 0.25, 0.5)
        extra = ((0.0,) * d, (R * 0.5,) + (0.0,) * (d - 1))
        p = PointSet(d, R, samples, 3, levels, extra)
        sizes = p.sizes()
        for i, n in enumerate(sizes):
            X = p.block(i)
            assert X.shape == (n, d)
            assert (np.linalg.norm(X, axis=1) <= R * (1 + 1e-12)).all()
        assert sum(p.kinds().values()) + len(extra) == sum(sizes)


def test_the_worst_points_do_not_depend_on_how_the_points_are_cut_into_pieces():
    """search_worst keeps, per piece, only its best rows; ordered by (−error, row), the global best are among
    them, so a PointSet screened block by block and the same points as one array cut into other pieces give
    the same report — and so do 1 and 2 workers."""
    from fractions import Fraction

    import numpy as np

    from netconstruct.constructions import radial_depth3
    from netconstruct.targets import make_target
    from netconstruct.verify import PointSet, search_worst

    t = make_target("sine")
    net = radial_depth3.build(3, Fraction(1, 5), t)
    p = PointSet(3, 1.0, 1500, 0, (0.3, 0.6))
    X = np.concatenate([p.block(i) for i in range(len(p.layout()))])
    a = search_worst(net, t, p, rounds=3, workers=1).to_json()
    b = search_worst(net, t, X, rounds=3, workers=1, max_work=4 * 10**8).to_json()
    c = search_worst(net, t, p, rounds=3, workers=2).to_json()
    d = search_worst(net, t, p, rounds=3, workers=2, piece_rows=37).to_json()  # blocks cut into pieces of 37 rows
    assert a == b == c == d and a["points"] == len(X) + 16


def test_a_killed_dask_worker_is_retried_or_reported(tmp_path):
    """Fact (Dask): a piece whose worker process dies once is run again on a worker (the nanny restarts the dead
    one) and the result is complete; a piece that kills every worker it lands on ends in WorkerLostError."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("dask.distributed")
    from netconstruct.errors import WorkerLostError
    from netconstruct.parallel import run

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        marker = str(tmp_path / "killed-once")
        assert run(_die_in_a_worker, list(range(12)), marker, scheduler=c.scheduler_address) == [x * x for x in range(12)]
        with pytest.raises(WorkerLostError, match="Dask workers died"):
            run(_die_in_a_worker, list(range(8)), None, scheduler=c.scheduler_address)
