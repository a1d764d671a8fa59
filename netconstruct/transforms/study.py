"""The ``bound-weights`` job from a loaded network to a checked result, as one library call.

:func:`bound_weights` reads the original exactly on the B-bit grid, chooses the output range M
(:func:`output_range`), builds the depth-3k+3 network (:func:`.bound_weights.transform`) and runs every
check of :mod:`.checks`; the report's ``artifacts["network"]`` is the new network.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Callable

from ..network import Network
from ..parallel import counted
from ..reports import Report
from .bound_weights import Params, check_network, domain_box, transform
from .checks import check, grid_values, range_bound


def output_range(net: Network, grid, low, high, bits: int, check_limit: int, given: Fraction | None = None
                 ) -> tuple[Fraction, str]:
    """(M, how it was obtained): a bound M ≥ |N| on every grid point, at least 1.

    The maximum of |N| over all grid points (exact) when every point was evaluated, else a certified
    interval bound over the box; ``given`` (``--range``) is used as it is — the grid check then tests it.
    """
    if given is not None:
        return given, "given with --range"
    if 2 ** (bits * net.input_dim) <= check_limit:
        M = max([abs(v) for row in grid[2] for v in row] + [Fraction(0)])
        note = "the maximum of |N| over all grid points (exact)"
    else:
        M = range_bound(net, low, high)
        note = "a certified interval bound of |N| over the box"
    return max(M, Fraction(1)), note


def bound_weights(net: Network, bits: int = 8, eps: Fraction = Fraction(0), band_bits: int = 10,
                  given_range: Fraction | None = None, low=None, high=None, check_limit: int = 1_000_000,
                  samples: int = 20_000, seed: int = 0, max_neurons: int = 1_000_000,
                  progress: Callable[[str], None] = lambda s: None, workers: int | None = 1,
                  scheduler: str | None = None) -> Report:
    """Transform ``net`` to depth 3k+3 with polynomially bounded weights and check the result exactly.

    ``progress(stage)`` hears each stage, and during the grid checks their pieces done, rate and ETA."""
    from ..errors import UsageError

    if not (isinstance(bits, int) and 1 <= bits <= 24 and isinstance(band_bits, int) and 0 <= band_bits <= 60):
        raise UsageError(f"need 1 ≤ bits ≤ 24 and 0 ≤ band_bits ≤ 60, got {bits!r}, {band_bits!r}")
    if Fraction(eps) < 0 or samples < 0 or check_limit < 1:
        raise UsageError("need eps ≥ 0, samples ≥ 0 and check_limit ≥ 1")
    check_network(net)
    lo, hi = domain_box(net, low, high)
    timings = {}
    t0 = time.perf_counter()
    progress("exact values of the original on the grid")
    grid = grid_values(net, lo, hi, bits, check_limit, samples, seed, workers, scheduler,
                       counted(progress, "exact values of the original on the grid, pieces"))
    M, note = output_range(net, grid, lo, hi, bits, check_limit, given_range)
    params = Params(lo, hi, bits, band_bits, eps, M, max_neurons)
    timings["original_on_grid"] = time.perf_counter() - t0
    progress(f"building the depth-{3 * net.depth + 3} network")
    t1 = time.perf_counter()
    res = transform(net, params)
    timings["transform"] = time.perf_counter() - t1
    rep = check(net, res, grid=grid, box_samples=samples, seed=seed, progress=progress, workers=workers,
                scheduler=scheduler)
    data = dict(rep.data)
    data["output_range"] = {"M": M, "source": note}
    data["levels"] = res.levels
    data["parameters"] = {"bits": bits, "band_bits": band_bits, "eps": eps, "low": lo, "high": hi}
    stored = {k: v for k, v in data.items() if k not in ("before", "after", "levels")}
    return Report("bound_weights", data, rep.checks, {**timings, **rep.timings},
                  artifacts={"network": res.network.with_metadata(verification=stored)})
