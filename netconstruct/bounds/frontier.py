"""The live boxes of a branch and bound — its frontier — taken largest bound first.

The frontier keeps its boxes (centres, half-widths, bounds, split axes) in arrays in the order they came, growing
them by doubling.  Taking the n boxes with the largest bounds costs one partition of the keys (linear in the number
N of live boxes) and a sort of the n taken — where sorting all N every step cost more than bounding the boxes, once
N reached 10⁶ (the d = 10 rows of benchmarks/bench_verify_any.py); the partition is over the keys above the (4n)-th
largest of an earlier step while at least n of them remain, so most steps partition a few thousand keys.  Taken and pruned boxes are marked dead; the
arrays are compacted, in order, once half of them are.

Which boxes are taken depends on the keys and the order the boxes came in alone: the n largest keys, ties by age
(the first to come first), in that order — exactly the n first of a stable sort of the live boxes by decreasing key,
the rule the branch and bound had before — so it takes the same steps on every machine and with any number of
workers.  Keys are :func:`netconstruct.exact.machine_key` of the bounds (not their last bits).
"""

from __future__ import annotations

import math

from ..exact import machine_key


class Frontier:
    """Live boxes c + [−h, h] in ``d`` dimensions with their bounds and split axes."""

    def __init__(self, d: int, capacity: int = 1024):
        import numpy as np

        self.d = d
        self._C = np.zeros((capacity, d))
        self._H = np.zeros((capacity, d))
        self._U = np.full(capacity, -np.inf)  # bounds and keys: −inf for a dead slot (a live bound is finite)
        self._A = np.zeros(capacity, dtype=np.int64)
        self._K = np.full(capacity, -np.inf)
        self._size = 0  # slots used, dead ones included
        self._alive = 0
        self._hint = None  # a key threshold for :meth:`largest` (speed only: never what it returns)

    def __len__(self) -> int:
        return self._alive

    def push(self, C, H, U, A) -> None:
        """Add boxes (centres, half-widths, bounds, axes), after all the others."""
        import numpy as np

        m = len(U)
        if not m:
            return
        if self._size - self._alive > max(self._alive, 4096):  # more dead slots than live ones
            self._compact()
        if self._size + m > len(self._K):
            self._grow(max(2 * len(self._K), self._size + m))
        s = slice(self._size, self._size + m)
        self._C[s], self._H[s], self._U[s], self._A[s] = C, H, U, A
        self._K[s] = machine_key(np.asarray(U, dtype=float))
        self._size += m
        self._alive += m

    def top(self) -> float:
        """The largest live bound (−inf when there is none)."""
        return float(self._U[:self._size].max()) if self._alive else -math.inf

    def largest(self, n: int):
        """Slots of the ``n`` live boxes with the largest keys, largest first, ties by age."""
        import numpy as np

        K = self._K[:self._size]
        n = min(n, self._alive)
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        if n == self._alive:
            idx = self.slots()
        else:
            # candidates: the keys ≥ a threshold at or below the n-th largest (then they hold the n largest, ties
            # included) — the last threshold while at least n keys still reach it, else the (4n)-th largest key
            cand = np.flatnonzero(K >= self._hint) if self._hint is not None else None
            if cand is None or len(cand) < n:
                m = min(self._alive, 4 * n)
                self._hint = np.partition(K, len(K) - m)[len(K) - m]  # dead keys are −inf, below it
                cand = np.flatnonzero(K >= self._hint)
            Kc = K[cand]
            kth = np.partition(Kc, len(Kc) - n)[len(Kc) - n]  # the n-th largest key
            above = cand[Kc > kth]
            idx = np.sort(np.concatenate([above, cand[Kc == kth][:n - len(above)]]))  # ties: the oldest
        return idx[np.argsort(-K[idx], kind="stable")]

    def slots(self):
        """Slots of all live boxes, in the order they came."""
        import numpy as np

        return np.flatnonzero(self._U[:self._size] > -np.inf)

    def boxes(self, idx):
        """(centres, half-widths, bounds, axes) of the slots ``idx``."""
        return self._C[idx], self._H[idx], self._U[idx], self._A[idx]

    def take(self, idx) -> None:
        """Mark the slots ``idx`` dead (they were split)."""
        self._kill(idx)

    def prune(self, threshold: float) -> float:
        """Drop the live boxes whose bound is ≤ ``threshold``; returns the largest bound dropped (−inf if none)."""
        import numpy as np

        U = self._U[:self._size]
        drop = np.flatnonzero((U <= threshold) & (U > -np.inf))
        if not len(drop):
            return -math.inf
        worst = float(U[drop].max())
        self._kill(drop)
        return worst

    def _kill(self, idx) -> None:
        self._U[idx] = -math.inf
        self._K[idx] = -math.inf
        self._alive -= len(idx)

    def _grow(self, capacity: int) -> None:
        import numpy as np

        self._compact()
        for name in ("_C", "_H"):
            new = np.zeros((capacity, self.d))
            new[:self._size] = getattr(self, name)[:self._size]
            setattr(self, name, new)
        for name, fill, dtype in (("_U", -np.inf, float), ("_A", 0, np.int64), ("_K", -np.inf, float)):
            new = np.full(capacity, fill, dtype=dtype)
            new[:self._size] = getattr(self, name)[:self._size]
            setattr(self, name, new)

    def _compact(self) -> None:
        """Move the live boxes to the front, in order."""
        import numpy as np

        keep = np.flatnonzero(self._K[:self._size] > -np.inf)
        n = len(keep)
        for name in ("_C", "_H", "_U", "_A", "_K"):
            arr = getattr(self, name)
            arr[:n] = arr[keep]
        self._U[n:self._size] = -np.inf
        self._K[n:self._size] = -np.inf
        self._size = n
