"""Speed-ups of the parallel jobs: 1 worker vs 2 workers vs a 2-worker dask LocalCluster (same machine, same run).

Run:  python benchmarks/bench_parallel.py [--quick] [--repeat 3] [--jobs grid,separation,sampling,sampling_uniform,box]
Jobs: the bound-weights exact grid check (k = 2, width 64, B = 8: 65,536 points), separation over
d ∈ {2,5,10,50,200} × ε ∈ {0.3,0.2,0.1,0.05} with --build-max 5000, and the sampled verification of a
d = 1000, ε = 0.05 network (10,000 points drawn, screened in float64, 16 hill climbs, 5 exact re-evaluations),
and the box certificate's branch and bound of a random 5 → 64 → 64 → 1 network (30,000 boxes).  Also the exact grid check's points per second on one core.
Every job's output is compared across backends (they must be identical).

Each cell runs ``--repeat`` times (default 3), each time in a fresh process, the three backends interleaved
(1, 2, cluster, 1, 2, cluster, …) so that a slow spell of the shared VM hits all of them alike; the table gives
the median of each cell and the spread of the speed-up over the repeats (min–max of t₁/t₂ per round).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def grid_job(quick: bool):
    from bench_bound_weights import steep_network
    from netconstruct.transforms.bound_weights import Params, domain_box, transform
    from netconstruct.transforms.checks import grid_values
    from netconstruct.transforms.grid import on_grid, transformed_piece

    net = steep_network(2, 2, 16 if quick else 64, seed=0)
    lo, hi = domain_box(net)
    bits = 6 if quick else 8
    U, _, old = grid_values(net, lo, hi, bits, 10**7, 0, 0)
    M = max(max(abs(v) for row in old for v in row), Fraction(1))
    res = transform(net, Params(lo, hi, bits, 10, 0, M))

    def job(workers=1, scheduler=None):
        return on_grid(transformed_piece, res.network, lo, hi, bits, U, workers, scheduler)

    return job, len(U)


def separation_job(quick: bool):
    from netconstruct.separation import size_table
    from netconstruct.targets import make_target

    t = make_target("sine")
    dims = [2, 5, 10] if quick else [2, 5, 10, 50, 200]
    epss = [Fraction(3, 10), Fraction(1, 5)] if quick else [Fraction(3, 10), Fraction(1, 5), Fraction(1, 10), Fraction(1, 20)]

    def job(workers=1, scheduler=None):
        return size_table(dims, epss, t, build_max=5000, workers=workers, scheduler=scheduler)

    return job


def sampling_job(quick: bool, knots: str | None = None):
    from netconstruct.constructions import radial_depth3
    from netconstruct.targets import make_target
    from netconstruct.verify import PointSet, search_worst

    import scipy.sparse  # noqa: F401  (loaded, as in `verify`, by the certificate that runs before the search)

    t = make_target("sine")
    d, eps = (200, Fraction(1, 10)) if quick else (1000, Fraction(1, 20))
    net = radial_depth3.build(d, eps, t, knots=knots)

    def job(workers=1, scheduler=None):  # the sampling stage of `verify`: drawing the points is part of the job
        points = PointSet(d, 1.0, 10_000, 0)  # the recipe travels to the workers, not the 10,000 × d array
        s = search_worst(net, t, points, 0, 50, workers=workers, scheduler=scheduler, kinds=points.kinds())
        return s.to_json()

    return job


def box_job(quick: bool):
    """The box certificate's branch and bound (CROWN bounds + a linear bound of g per box) of a random
    5 → 64 → 64 → 1 network with weights k/64, stopped by a box budget (30,000 boxes), so every backend takes
    the same steps."""
    import numpy as np

    from netconstruct.bounds.boxes import certify_any
    from netconstruct.network import Network, dense_layer
    from netconstruct.targets import make_target

    rng = np.random.default_rng(0)
    widths = [5, 64, 64, 1]
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        W = [[Fraction(int(v), 64) for v in row] for row in rng.integers(-96, 97, size=(b, a))]
        bias = [Fraction(int(v), 64) for v in rng.integers(-32, 33, size=b)]
        layers.append(dense_layer(W, bias, "relu" if i < len(widths) - 2 else "identity"))
    net, t = Network(tuple(layers)), make_target("sine")

    def job(workers=1, scheduler=None):
        r = certify_any(net, t, tol=0.0, max_regions=5_000 if quick else 30_000, seconds=3600, workers=workers,
                        scheduler=scheduler)
        return r.upper, r.lower, r.worst_point, r.regions, r.live, r.stopped, r.probe_points

    return job


JOBS = {"grid": "bound-weights exact grid check", "separation": "separation",
        "sampling": "worst-point search (sampled verification), default (geometric) knots",
        "sampling_uniform": "worst-point search (sampled verification), uniform knots (318,898 neurons)",
        "box": "box certificate branch and bound, random 5 → 64 → 64 → 1 network, 30,000 boxes"}


def child(job: str, backend: str, quick: bool) -> None:
    """Run one job with one backend in this (fresh) process; print seconds and a digest of the output."""
    import hashlib
    import pickle

    make = {"grid": lambda q: grid_job(q)[0], "separation": separation_job, "sampling": sampling_job,
            "sampling_uniform": lambda q: sampling_job(q, "uniform"), "box": box_job}[job]
    fn = make(quick)
    kwargs = {"workers": 1} if backend == "1" else {"workers": 2} if backend == "2" else {}
    if backend == "cluster":
        from dask.distributed import LocalCluster

        # workers started as docs/scaling.md says (--preload netconstruct.parallel: the imports, once per worker)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          preload=["netconstruct.parallel"]) as cluster:
            t, out = timed(lambda: fn(scheduler=cluster.scheduler_address))
    else:
        t, out = timed(lambda: fn(**kwargs))
    extra = grid_job(quick)[1] if job == "grid" else 0
    print(f"{t:.3f} {hashlib.sha256(pickle.dumps(str(out))).hexdigest()[:16]} {extra}")


def main() -> None:
    import subprocess

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", nargs=2)
    ap.add_argument("--repeat", type=int, default=3, help="fresh-process runs per cell (the median is shown)")
    ap.add_argument("--jobs", default=",".join(JOBS), help="comma-separated subset of " + ", ".join(JOBS))
    args = ap.parse_args()
    if args.child:
        child(*args.child, args.quick)
        return
    print(f"medians of {args.repeat} fresh-process runs per cell; speed-up: of the medians (range over the rounds)\n")
    print("| job | 1 worker s | 2 workers s | speed-up | LocalCluster(2) s | cluster / workers | same output |")
    print("|---|---|---|---|---|---|---|")
    note = ""
    for job, name in JOBS.items():
        if job not in args.jobs.split(","):
            continue
        times: dict[str, list[float]] = {"1": [], "2": [], "cluster": []}
        digests, n = set(), 0
        for _ in range(args.repeat):
            for backend in ("1", "2", "cluster"):
                cmd = [sys.executable, __file__, "--child", job, backend] + (["--quick"] if args.quick else [])
                line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
                times[backend].append(float(line[0]))
                digests.add(line[1])
                n = int(line[2])
        t1, t2, tc = (statistics.median(times[b]) for b in ("1", "2", "cluster"))
        rounds = [a / b for a, b in zip(times["1"], times["2"])]
        spread = f" ({min(rounds):.2f}–{max(rounds):.2f})" if len(rounds) > 1 else ""
        same = "yes" if len(digests) == 1 else "NO"
        print(f"| {name} | {t1:.2f} | {t2:.2f} | {t1 / t2:.2f}×{spread} | {tc:.2f} | {tc / t2:.2f} | {same} |", flush=True)
        if job == "grid":
            note = f"exact grid check on one core: {n / t1:,.0f} points/s ({n:,} points)"
    print(f"\n{note}")


if __name__ == "__main__":
    main()
