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
