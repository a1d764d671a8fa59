"""Weight matrices with exact entries: sparse (COO) and factored (W = L @ R).

Explicit constructions are extremely sparse (each first-layer neuron of the depth-3 radial
network reads one coordinate) or low-rank (every second-layer neuron reads the same sum S(x)).
Storing them densely would cost N1·N2 numbers — 5.8·10^8 for d = 1000, ε = 0.05 — so a matrix is
either a :class:`Coo` (sorted, duplicate-free triplets of exact numbers) or an :class:`Outer`
product of two of them.  The represented network is the same; parameter counts and weight
statistics are always those of the full (multiplied-out) matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .arith import Context
from .errors import NetconstructError
from .exact import Exact, exact_abs_max, exact_key, normalize


def portable_cache(cache: dict) -> dict:
    """The entries of an evaluation cache that may travel to another process: float arrays (numpy, scipy
    sparse) — the float64 forms of the weights, costly to rebuild on every worker; never numbers of a
    private mpmath context."""
    return {k: v for k, v in cache.items() if type(v).__module__.split(".")[0] in ("numpy", "scipy")}


def integers_over_lcm(values: Sequence[Exact]) -> tuple | None:
    """``(numerators, D)``: ``values[k] = numerators[k] / D`` with D the least common denominator and the
    numerators a numpy array of Python integers; ``None`` when D would exceed
    :data:`~netconstruct.limits.MAX_COMMON_DENOMINATOR_BITS` (many unrelated denominators)."""
    import math

    import numpy as np

    from .limits import MAX_COMMON_DENOMINATOR_BITS

    keys = [exact_key(v) for v in values]
    distinct = set(keys)
    D = 1
    for den in {k[1] for k in distinct}:
        D = math.lcm(D, den)
        if D.bit_length() > MAX_COMMON_DENOMINATOR_BITS:
            return None
    scaled = {k: k[0] * (D // k[1]) for k in distinct}
    nums = np.empty(len(keys), dtype=object)
    nums[:] = [scaled[k] for k in keys]
    return nums, D


@dataclass(frozen=True, eq=False)
class Coo:
    """A sparse matrix of exact numbers; ``dense=True`` only records the preferred text encoding."""

    shape: tuple[int, int]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    values: tuple[Exact, ...]
    dense: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self):
        """Pickle with only the float caches (see :func:`portable_cache`)."""
        return {**self.__dict__, "_cache": portable_cache(self._cache)}

    @staticmethod
    def from_triplets(shape, rows, cols, values, dense: bool = False) -> "Coo":
        """Build a canonical matrix: entries sorted by (row, col), duplicates summed, zeros dropped."""
        m, n = int(shape[0]), int(shape[1])
        acc: dict[tuple[int, int], Exact] = {}
        for r, c, v in zip(rows, cols, values):
            r, c = int(r), int(c)
            if not (0 <= r < m and 0 <= c < n):
                raise NetconstructError(f"entry ({r}, {c}) outside a {m}×{n} matrix")
            key = (r, c)
            if key in acc:
                acc[key] = acc[key] + v
            else:
                acc[key] = v
        keys = sorted(k for k, v in acc.items() if v != 0)
        return Coo(
            (m, n),
            tuple(k[0] for k in keys),
            tuple(k[1] for k in keys),
            tuple(normalize(acc[k]) for k in keys),
            dense,
        )

    @staticmethod
    def from_dense(rows: Sequence[Sequence[Exact]]) -> "Coo":
        m = len(rows)
        n = len(rows[0]) if m else 0
        tr, tc, tv = [], [], []
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v != 0:
                    tr.append(i)
                    tc.append(j)
                    tv.append(v)
        return Coo.from_triplets((m, n), tr, tc, tv, dense=True)

    # --- statistics -------------------------------------------------------------------------
    @property
    def nnz(self) -> int:
        return len(self.values)

    def abs_max(self) -> Exact:
        return exact_abs_max(self.values)

    def stored_numbers(self) -> int:
        return self.nnz

    def full_nnz(self) -> int:
        return self.nnz

    def dense_rows(self) -> list[list[Exact]]:
        m, n = self.shape
        out: list[list[Exact]] = [[0] * n for _ in range(m)]
        for r, c, v in zip(self.rows, self.cols, self.values):
            out[r][c] = v
        return out

    def row_entries(self) -> list[list[tuple[int, Exact]]]:
        """Entries grouped by row: ``out[i] = [(col, value), ...]``."""
        if "rows" not in self._cache:
            out: list[list[tuple[int, Exact]]] = [[] for _ in range(self.shape[0])]
            for r, c, v in zip(self.rows, self.cols, self.values):
                out[r].append((c, v))
            self._cache["rows"] = out
        return self._cache["rows"]

    # --- evaluation --------------------------------------------------------------------------
    def scipy(self):
        """float64 mirror as a ``scipy.sparse.csr_matrix`` (cached)."""
        if "csr" not in self._cache:
            import numpy as np
            from scipy import sparse

            vals = np.array([float(v) for v in self.values], dtype=float)
            self._cache["csr"] = sparse.csr_matrix(
                (vals, (np.asarray(self.rows, dtype=np.int64), np.asarray(self.cols, dtype=np.int64))),
                shape=self.shape,
            )
        return self._cache["csr"]

    def apply(self, v: Any, ctx: Context) -> Any:
        """W @ v.  Vectorised contexts take ``v`` of shape (n, batch) and return (m, batch)."""
        if ctx.vectorized:
            return self.scipy() @ v
        key = ("const",) + ctx.cache_key
        if key not in self._cache:
            rows = self.row_entries()
            flat = iter(ctx.consts([w for row in rows for _, w in row]))
            self._cache[key] = [[(c, next(flat)) for c, _ in row] for row in rows]
        zero = ctx.const(0)
        out = []
        for row in self._cache[key]:
            if not row:
                out.append(zero)
                continue
            c, w = row[0]
            s = w * v[c]  # 0 + t is t exactly: start from the first term
            for c, w in row[1:]:
                s = s + w * v[c]
            out.append(s)
        return out

    def integer_form(self) -> tuple | None:
        """``(row starts, columns, numerators, D)`` with this matrix = numerators / D entry by entry in
        row-major order, D the least common denominator (numerators: a numpy array of Python integers);
        ``None`` when D would exceed :data:`~netconstruct.limits.MAX_COMMON_DENOMINATOR_BITS`.  Cached."""
        if "int" not in self._cache:
            import numpy as np

            over = integers_over_lcm(self.values)
            form = None
            if over is not None:
                rows = np.asarray(self.rows, dtype=np.int64)
                starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.shape[0]))])
                form = (starts, np.asarray(self.cols, dtype=np.int64), over[0], over[1])
            self._cache["int"] = form
        return self._cache["int"]

    def integer_apply(self, v) -> tuple | None:
        """``(W_int @ v, D)`` for a numpy array ``v`` of integers (Python ints): W @ (v / q) = result / (D·q)
        exactly.  ``None`` when :meth:`integer_form` is."""
        form = self.integer_form()
        if form is None:
            return None
        import numpy as np

        starts, cols, nums, D = form
        out = np.zeros(self.shape[0], dtype=object)
        filled = starts[:-1] < starts[1:]
        if len(nums):
            out[filled] = np.add.reduceat(nums * v[cols], starts[:-1][filled])
        return out, D

    def exact_apply(self, v: Sequence[Exact]) -> list[Exact]:
        """W @ v in exact rational arithmetic."""
        out: list[Exact] = []
        for row in self.row_entries():
            s: Exact = 0
            for c, w in row:
                s += w * v[c]
            out.append(normalize(s))
        return out


@dataclass(frozen=True, eq=False)
class Outer:
    """W = left @ right, kept factored (inner dimension ``k`` ≪ rows, cols)."""

    left: Coo
    right: Coo
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self):
        """Pickle with only the float caches (see :func:`portable_cache`)."""
        return {**self.__dict__, "_cache": portable_cache(self._cache)}

    def __post_init__(self):
        if self.left.shape[1] != self.right.shape[0]:
            raise NetconstructError(
                f"factored weight: left factor is {self.left.shape[0]}×{self.left.shape[1]} "
                f"but right factor has {self.right.shape[0]} rows"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.left.shape[0], self.right.shape[1])

    @property
    def dense(self) -> bool:
        return False

    def stored_numbers(self) -> int:
        return self.left.nnz + self.right.nnz

    def _row_products(self):
        """Per row of the product: ``(disjoint, [(|left|, right row)…])``.

        A row whose right-factor rows have disjoint column ranges (the usual case for the layers of
        :mod:`netconstruct.transforms.circuit`) needs no summation: its entries are single products.
        """
        right_rows = self.right.row_entries()
        if "span" not in self._cache:
            self._cache["span"] = [(r[0][0], r[-1][0]) if r else (0, -1) for r in right_rows]
        span = self._cache["span"]
        for row in self.left.row_entries():
            parts = sorted((span[k], k, a) for k, a in row if right_rows[k])
            disjoint = all(parts[i][0][1] < parts[i + 1][0][0] for i in range(len(parts) - 1))
            yield disjoint, [(k, a) for _, k, a in parts], right_rows

    def full_nnz(self) -> int:
        """Non-zeros of the multiplied-out matrix (exact where rows need no summation, else a bound)."""
        total = 0
        for _, parts, right_rows in self._row_products():
            total += sum(len(right_rows[k]) for k, _ in parts)
        return min(self.shape[0] * self.shape[1], total)

    def abs_max(self) -> Exact:
        """Largest |entry| of left @ right, computed exactly."""
        if "rowmax" not in self._cache:
            self._cache["rowmax"] = [exact_abs_max([v for _, v in r]) if r else 0 for r in self.right.row_entries()]
        rowmax = self._cache["rowmax"]
        best: Exact = 0
        for disjoint, parts, right_rows in self._row_products():
            if disjoint:
                for k, a in parts:
                    best = max(best, abs(a) * rowmax[k])
                continue
            acc: dict[int, Exact] = {}
            for k, a in parts:
                for c, b in right_rows[k]:
                    acc[c] = acc.get(c, 0) + a * b
            best = max([best] + [abs(v) for v in acc.values()])
        return best

    def apply(self, v: Any, ctx: Context) -> Any:
        return self.left.apply(self.right.apply(v, ctx), ctx)

    def integer_apply(self, v) -> tuple | None:
        inner = self.right.integer_apply(v)
        outer = None if inner is None else self.left.integer_apply(inner[0])
        return None if outer is None else (outer[0], inner[1] * outer[1])

    def exact_apply(self, v: Sequence[Exact]) -> list[Exact]:
        return self.left.exact_apply(self.right.exact_apply(v))


Matrix = Coo | Outer


def matmul(a: Matrix, b: Matrix, keep_factored: bool | None = None) -> Matrix:
    """a @ b, exactly.  Keeps the factorisation when the product would hold more numbers than the factors."""
    if a.shape[1] != b.shape[0]:
        raise NetconstructError(f"cannot multiply a {a.shape[0]}×{a.shape[1]} by a {b.shape[0]}×{b.shape[1]} matrix")
    if isinstance(a, Outer) or isinstance(b, Outer):
        a = as_coo(a)
        b = as_coo(b)
    k = a.shape[1]
    if keep_factored is None:
        keep_factored = a.nnz * b.nnz > 4 * (a.nnz + b.nnz) and k <= 4
    if keep_factored:
        return Outer(a, b)
    b_rows = b.row_entries()
    tr: list[int] = []
    tc: list[int] = []
    tv: list[Exact] = []
    for i, row in enumerate(a.row_entries()):
        acc: dict[int, Exact] = {}
        for kk, x in row:
            for c, y in b_rows[kk]:
                p = y if x == 1 else (x if y == 1 else x * y)
                acc[c] = acc[c] + p if c in acc else p
        for c in sorted(acc):
            tr.append(i)
            tc.append(c)
            tv.append(acc[c])
    return Coo.from_triplets((a.shape[0], b.shape[1]), tr, tc, tv)


def product_entries_bound(m: "Outer") -> int:
    """An upper bound of the non-zeros of left @ right, Σ_k nnz(left column k)·nnz(right row k), in O(nnz)."""
    left_cols: dict[int, int] = {}
    for c in m.left.cols:
        left_cols[c] = left_cols.get(c, 0) + 1
    right_rows: dict[int, int] = {}
    for r in m.right.rows:
        right_rows[r] = right_rows.get(r, 0) + 1
    return min(m.shape[0] * m.shape[1], sum(n * right_rows.get(k, 0) for k, n in left_cols.items()))


def as_coo(m: Matrix, max_memory: int | None = None) -> Coo:
    """The matrix as a :class:`Coo`; a factored one is multiplied out after its size is estimated
    (refused with the estimate when over the memory budget, see :mod:`netconstruct.limits`)."""
    if isinstance(m, Coo):
        return m
    from .limits import BYTES_PER_NUMBER, ensure_memory

    n = product_entries_bound(m)
    ensure_memory(BYTES_PER_NUMBER * n, f"multiplying out a {m.shape[0]}×{m.shape[1]} factored layer ({n:,} entries)",
                  max_memory)
    return matmul(m.left, m.right, keep_factored=False)  # type: ignore[return-value]




def block_diag(blocks: Iterable[Coo]) -> Coo:
    """The block-diagonal matrix diag(B1, B2, ...)."""
    tr: list[int] = []
    tc: list[int] = []
    tv: list[Exact] = []
    r0 = c0 = 0
    for b in blocks:
        tr.extend(r + r0 for r in b.rows)
        tc.extend(c + c0 for c in b.cols)
        tv.extend(b.values)
        r0 += b.shape[0]
        c0 += b.shape[1]
    return Coo((r0, c0), tuple(tr), tuple(tc), tuple(tv))


def hstack(blocks: Sequence[Coo]) -> Coo:
    m = blocks[0].shape[0]
    tr, tc, tv, c0 = [], [], [], 0
    for b in blocks:
        if b.shape[0] != m:
            raise NetconstructError("hstack: blocks have different numbers of rows")
        tr.extend(b.rows)
        tc.extend(c + c0 for c in b.cols)
        tv.extend(b.values)
        c0 += b.shape[1]
    return Coo.from_triplets((m, c0), tr, tc, tv)


def vstack(blocks: Sequence[Coo]) -> Coo:
    n = blocks[0].shape[1]
    tr, tc, tv, r0 = [], [], [], 0
    for b in blocks:
        if b.shape[1] != n:
            raise NetconstructError("vstack: blocks have different numbers of columns")
        tr.extend(r + r0 for r in b.rows)
        tc.extend(b.cols)
        tv.extend(b.values)
        r0 += b.shape[0]
    return Coo((r0, n), tuple(tr), tuple(tc), tuple(tv))
