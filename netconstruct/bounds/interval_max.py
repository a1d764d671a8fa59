"""Branch and bound for a certified maximum over an interval.

``certified_max(bound, point, a, b)`` returns (U, …) with max_{[a,b]} f ≤ U, given
``bound(lo, hi)`` — a proved upper bound of f on [lo, hi] — and ``point(t)`` — a proved *lower*
bound of f at t (e.g. the lower end of an interval enclosure).  The worst piece is bisected until
its bound is within ``rel_tol`` of the best point value (then U is nearly the true maximum) or the
step budget is spent (then U is still valid, only less tight).
"""

from __future__ import annotations

import heapq
import time
from fractions import Fraction
from typing import Callable


def certified_max(
    bound: Callable[[Fraction, Fraction], Fraction],
    point: Callable[[Fraction], Fraction] | None,
    a: Fraction,
    b: Fraction,
    pieces: int = 256,
    max_steps: int = 4000,
    rel_tol: Fraction = Fraction(1, 1000),
    abs_tol: Fraction = Fraction(1, 10**15),
    stall_every: int = 0,
    min_width: Fraction = Fraction(0),
    deadline: float | None = None,
    first: Callable[[list[tuple[Fraction, Fraction]]], list[Fraction]] | None = None,
) -> tuple[Fraction, Fraction, int, tuple[Fraction, Fraction]]:
    """(upper bound U, best lower value, number of pieces, worst piece) for max_{[a,b]} f.

    Without ``point`` (no lower values known) the tolerance test is skipped; then ``stall_every``
    stops the search once that many bisections lowered U by less than 0.1%, and ``min_width`` stops
    it when the worst piece is that narrow.  ``first`` bounds the initial pieces all at once (for example in
    worker processes): it must return [bound(lo, hi) for (lo, hi) in them] — the result does not depend on it.
    """
    a, b = Fraction(a), Fraction(b)
    heap = []
    best = Fraction(-(10**30))
    spans = [(a + (b - a) * k / pieces, a + (b - a) * (k + 1) / pieces) for k in range(pieces)]
    values = first(spans) if first is not None else [bound(lo, hi) for lo, hi in spans]
    for (lo, hi), v in zip(spans, values):
        heap.append((-v, lo, hi))
        if point is not None:
            best = max(best, point((lo + hi) / 2))
    heapq.heapify(heap)
    checkpoint = heap[0][0]
    for step in range(max_steps):
        u, lo, hi = heap[0]
        if point is not None and -u <= best + max(abs(best) * rel_tol, abs_tol):
            break
        if hi - lo < min_width or (deadline is not None and time.monotonic() > deadline):
            break
        if stall_every and step and step % stall_every == 0:
            if -u > -checkpoint * Fraction(999, 1000):
                break
            checkpoint = u
        heapq.heappop(heap)
        m = (lo + hi) / 2
        if point is not None:
            best = max(best, point(m))
        heapq.heappush(heap, (-bound(lo, m), lo, m))
        heapq.heappush(heap, (-bound(m, hi), m, hi))
    u, lo, hi = heap[0]
    return -u, best, len(heap), (lo, hi)
