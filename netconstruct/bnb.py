"""Branch and bound for a certified maximum over an interval.

``certified_max(bound, point, a, b)`` returns U with max_{[a,b]} f ≤ U, given
``bound(lo, hi)`` — a proved upper bound of f on [lo, hi] — and ``point(t)`` — a proved *lower*
bound of f at t (e.g. the lower end of an interval enclosure).  The worst piece is bisected until
its bound is within ``rel_tol`` of the best point value (then U is nearly the true maximum) or the
step budget is spent (then U is still valid, only less tight).
"""

from __future__ import annotations

import heapq
from fractions import Fraction
from typing import Callable


def certified_max(
    bound: Callable[[Fraction, Fraction], Fraction],
    point: Callable[[Fraction], Fraction],
    a: Fraction,
    b: Fraction,
    pieces: int = 256,
    max_steps: int = 4000,
    rel_tol: Fraction = Fraction(1, 1000),
    abs_tol: Fraction = Fraction(1, 10**15),
) -> tuple[Fraction, Fraction, int]:
    """(upper bound U, best lower value, number of pieces) for max_{[a,b]} f."""
    a, b = Fraction(a), Fraction(b)
    heap = []
    best = Fraction(-(10**30))
    for k in range(pieces):
        lo, hi = a + (b - a) * k / pieces, a + (b - a) * (k + 1) / pieces
        heap.append((-bound(lo, hi), lo, hi))
        best = max(best, point((lo + hi) / 2))
    heapq.heapify(heap)
    for _ in range(max_steps):
        u, lo, hi = heap[0]
        if -u <= best + max(abs(best) * rel_tol, abs_tol):
            break
        heapq.heappop(heap)
        m = (lo + hi) / 2
        best = max(best, point(m))
        heapq.heappush(heap, (-bound(lo, m), lo, m))
        heapq.heappush(heap, (-bound(m, hi), m, hi))
    return -heap[0][0], best, len(heap)
