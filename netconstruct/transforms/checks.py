"""Checks of a bound-weights result against the network it came from.

* **exact, on the grid** — every input of the stated precision (all ``2^{dB}`` grid points when that is
  ≤ ``limit``, else a seeded sample plus the corners and the dyadic boundary indices): the new
  network's output, computed exactly (:mod:`.grid`), is within ``ε/2`` of the original's exact value
  (equal when ``ε = 0``); also whether float64 evaluation of the new network reproduces it;
* **on the box** — random points of the box in float64 (the worst confirmed in mpmath): the sup of
  ``|N'(x) − N(x)|`` off the read-in bands, and the exact measure of those bands;
* **structure** — depth ``3k + 3`` and every weight and bias within the stated polynomial bound.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Callable

import numpy as np

from ..exact import Exact
from ..network import Network
from ..parallel import counted
from ..reports import Report
from .bound_weights import Result
from .grid import band_measure, grid_points, on_grid, original_piece, transformed_piece


def range_bound(net: Network, low, high) -> Fraction:
    """A certified bound on ``max |N(x)|`` over the box: exact interval propagation through the layers."""
    from ..matrix import as_coo

    lo = [Fraction(v) for v in low]
    hi = [Fraction(v) for v in high]
    for layer in net.layers:
        W = as_coo(layer.weight)
        nlo, nhi = [], []
        for j, row in enumerate(W.row_entries()):
            a = b = Fraction(layer.bias[j])
            for i, w in row:
                if w > 0:
                    a, b = a + w * lo[i], b + w * hi[i]
                else:
                    a, b = a + w * hi[i], b + w * lo[i]
            nlo.append(a)
            nhi.append(b)
        if layer.activation == "relu":
            nlo = [max(v, 0) for v in nlo]
            nhi = [max(v, 0) for v in nhi]
        lo, hi = nlo, nhi
    return max(max(abs(v) for v in lo), max(abs(v) for v in hi))


def grid_values(net: Network, low, high, bits: int, limit: int, sample: int, seed: int, workers: int | None = 1,
                scheduler: str | None = None, progress=None):
    """Grid indices, their description and the original network's exact values there."""
    U, desc = grid_points(net.input_dim, bits, limit, sample, seed)
    return U, desc, on_grid(original_piece, net, low, high, bits, U, workers, scheduler, progress)


def check(
    original: Network,
    res: Result,
    grid: tuple | None = None,
    limit: int = 1_000_000,
    sample: int = 20_000,
    box_samples: int = 20_000,
    seed: int = 0,
    dps: int = 40,
    progress: Callable[[str], None] = lambda s: None,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> Report:
    """All checks of :mod:`this module <netconstruct.transforms.checks>` as a report of kind
    ``bound_weights``; ``ok`` is their conjunction."""
    p = res.params
    new = res.network
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    k = original.depth
    depth_ok = new.depth == 3 * k + 3

    progress("statistics")
    before, after = original.stats(), new.stats()
    weights_ok = after["max_abs_weight"] <= res.bound["max_abs_weight"] and after["max_abs_bias"] <= res.bound["max_abs_bias"]
    timings["stats"] = time.perf_counter() - t0

    progress("exact check on the grid")
    t1 = time.perf_counter()
    U, desc, exact_old = grid if grid is not None else grid_values(original, p.low, p.high, p.bits, limit, sample, seed)
    exact_new = on_grid(transformed_piece, new, p.low, p.high, p.bits, U, workers, scheduler,
                        counted(progress, "exact check on the grid, pieces"))
    tol = Fraction(p.eps) / 2
    worst: Exact = 0
    worst_u = None
    range_viol = 0
    for u, a, b in zip(U, exact_old, exact_new):
        for x, y in zip(a, b):
            if abs(x) > p.output_range:
                range_viol += 1
            e = abs(x - y)
            if e > worst or worst_u is None:
                worst, worst_u = e, u
    grid_ok = worst <= tol and range_viol == 0
    G = 2**p.bits
    deltas = np.array([float(Fraction(p.high[i] - p.low[i]) / G) for i in range(original.input_dim)])
    lows = np.array([float(v) for v in p.low])
    X = lows + U * deltas
    f64 = new(X)
    ex = np.array([[float(v) for v in row] for row in exact_new])
    f64_diff = float(np.max(np.abs(f64 - ex))) if len(ex) else 0.0
    timings["grid"] = time.perf_counter() - t1

    progress("sampling the box")
    t2 = time.perf_counter()
    rng = np.random.default_rng(seed)
    highs = np.array([float(v) for v in p.high])
    Xb = lows + rng.random((box_samples, original.input_dim)) * (highs - lows)
    eta = deltas / 2**p.band_bits
    frac = (Xb - lows) / deltas
    dist = (np.ceil(frac) - frac) * deltas  # distance below the next grid point
    in_band = np.any((dist > 0) & (dist < eta) & (np.ceil(frac) < G), axis=1)
    out_new, out_old = new(Xb), original(Xb)
    err = np.max(np.abs(out_new - out_old), axis=1)
    err_off = np.where(in_band, -1.0, err)
    i_worst = int(np.argmax(err_off)) if box_samples else 0
    box = {
        "samples": box_samples,
        "seed": seed,
        "in_bands": int(in_band.sum()),
        "band_measure": band_measure(p.low, p.high, p.bits, p.band_bits),
        "float64_sup_error_off_bands": float(err_off.max(initial=0.0)),
        "fraction_above_eps_off_bands": float(np.mean(err_off > float(p.eps))) if box_samples else 0.0,
        "worst_point": Xb[i_worst].tolist() if box_samples else None,
    }
    if box_samples and after["stored_numbers"] <= 1_000_000:
        progress("mpmath at the worst box point")
        from ..arith import multiprecision

        ctx = multiprecision(dps)
        x = [Fraction(float(v)) for v in Xb[i_worst]]
        a = new.evaluate_point(x, ctx)
        b = original.evaluate_point(x, ctx)
        box["mpmath_error_at_worst"] = float(max(abs(u - v) for u, v in zip(a, b)))
        box["mpmath_digits"] = dps
    elif box_samples:
        box["mpmath_skipped"] = f"network stores {after['stored_numbers']:,} numbers (> 1,000,000)"
    timings["box"] = time.perf_counter() - t2
    ok = depth_ok and weights_ok and grid_ok
    data = {
        "ok": ok,
        "depth": {"source": k, "result": new.depth, "expected": 3 * k + 3, "ok": depth_ok},
        "before": before,
        "after": after,
        "bound": res.bound,
        "weights_within_bound": weights_ok,
        "grid": {
            "points": desc,
            "count": int(len(U)),
            "max_abs_difference": worst,
            "tolerance": tol,
            "worst_index": None if worst_u is None else [int(v) for v in worst_u],
            "range_violations": range_viol,
            "float64_max_abs_difference": f64_diff,
            "ok": grid_ok,
        },
        "box": box,
    }
    checks = {"depth": depth_ok, "weights_within_bound": weights_ok, "grid": grid_ok}
    return Report("bound_weights", data, checks, timings)


__all__ = ["check", "range_bound", "grid_values"]
