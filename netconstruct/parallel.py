"""One execution layer for the embarrassingly parallel jobs (docs/scaling.md).

:func:`run` maps a picklable function over a list of independent *pieces* and returns the results in the
order of the pieces — so whatever the number of workers or the backend, the combined output is the same
bytes.  Backends:

* ``workers == 1`` — in this process (no pickling, the default for small jobs and for tests);
* ``workers > 1`` — local processes (:class:`concurrent.futures.ProcessPoolExecutor`); the shared
  ``context`` (a network, a target) is sent to each process once, not with every piece;
* ``scheduler="tcp://host:port"`` — a running ``dask.distributed`` cluster (extra ``[dask]``); the context is
  scattered to every worker once and pieces are retried once on a lost worker.

Progress (pieces done / total) goes to ``progress(done, total)``.  Ctrl-C cancels every pending piece and
stops the workers; nothing partial is returned.  A piece is never dropped: one that raises makes the job raise
that error; the pieces lost with a worker process that died (killed, out of memory) run again once, on fresh
workers (locally) or on another worker (Dask), and if a worker dies on them again the job fails with a
one-line :class:`~netconstruct.errors.WorkerLostError` — so a report can never silently cover fewer points than
it says, and a piece that kills its worker never runs in the command's own process.
"""

from __future__ import annotations

import os
import re
import pickle
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Sequence

from .errors import UsageError, WorkerLostError

Progress = Callable[[int, int], None]

_CONTEXT: Any = None  # the shared context inside a worker process
_INLINE_BYTES = 1 << 20  # pieces up to 1 MiB in all go inside the Dask tasks (one round trip less per map)


def default_workers() -> int:
    """The machine's cores (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


_TUNED = False


def keep_freed_memory() -> None:
    """In a worker process, let glibc keep freed blocks of up to 64 MiB for reuse instead of unmapping them.

    The pieces allocate activation arrays of a few MiB again and again; a worker started with
    ``MALLOC_TRIM_THRESHOLD_`` set (Dask's nanny does this) otherwise maps and page-faults every one of
    them afresh, which costs more than the arithmetic (measured: the grid check 2.6× slower).  No effect
    off glibc; nothing numeric changes."""
    global _TUNED
    if _TUNED:
        return
    _TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 64 * 2**20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def dask_setup(worker=None) -> None:
    """Dask's preload hook: ``dask worker ADDRESS --preload netconstruct.parallel`` runs this once when a worker
    starts — the libraries every job needs are imported then (sympy, scipy.sparse, mpmath and the verification
    code: ≈ 0.4 s a worker would otherwise pay in its first job) and freed memory is kept for reuse."""
    import importlib

    keep_freed_memory()
    for name in ("sympy", "scipy.sparse", "mpmath", "netconstruct.verify", "netconstruct.separation",
                 "netconstruct.transforms.grid"):
        importlib.import_module(name)


def _init(context) -> None:
    """A local worker process starts: the context and everything else inherited from the parent are moved to
    the garbage collector's permanent generation (``gc.freeze``), so that no collection in this short-lived
    worker walks the network's 10⁵–10⁶ exact numbers (measured: one full pass cost 50 ms of a 0.7 s job, and
    it writes to every object's header, copying the parent's pages into the worker).  Nothing numeric changes."""
    import gc

    global _CONTEXT
    keep_freed_memory()
    _CONTEXT = context
    gc.freeze()


def _call(fn, piece):
    return fn(_CONTEXT, piece)


def _dask_call(fn, context, group):
    keep_freed_memory()
    return [fn(context, piece) for piece in group]


def run(fn: Callable[[Any, Any], Any], pieces: Sequence[Any], context: Any = None, workers: int | None = 1,
        scheduler: str | None = None, progress: Progress | None = None,
        cost: Callable[[Any], float] | None = None) -> list:
    """[fn(context, piece) for piece in pieces], computed by the chosen backend, in order.

    ``cost`` (an estimate per piece) makes the workers start with the most expensive pieces, so that one
    large piece does not run alone at the end; the results keep the pieces' order."""
    pieces = list(pieces)
    with executor(context, workers, scheduler, len(pieces)) as ex:
        return ex.map(fn, pieces, progress, cost)


def executor(context: Any = None, workers: int | None = 1, scheduler: str | None = None,
             most_pieces: int | None = None) -> "Executor":
    """An :class:`Executor` that keeps its worker processes (or its dask client and the scattered context)
    for several :meth:`Executor.map` calls — a job of several dependent stages pays the start-up once."""
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be ≥ 1, got {workers}")
    if scheduler:
        return _DaskExecutor(context, scheduler)
    n = default_workers() if workers is None else workers
    if most_pieces is not None:
        n = min(n, max(1, most_pieces))
    return _LocalExecutor(context, n)


class Executor:
    """The interface of both backends: ``with executor(...) as ex: ex.map(fn, pieces, progress, cost)``."""

    def __init__(self, context: Any):
        self.context = context

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close(failed=exc[0] is not None)

    def close(self, failed: bool = False) -> None:  # pragma: no cover - overridden
        pass

    def map(self, fn, pieces, progress: Progress | None = None, cost=None, here: bool = False) -> list:
        """[fn(context, piece) for piece in pieces] in order; ``here=True`` computes them in this process (work
        too small to pay for a round trip to the workers — the values are the same)."""
        raise NotImplementedError  # pragma: no cover

    def _here(self, fn, pieces: list, progress: Progress | None) -> list:
        """The pieces one after another in this process, with progress."""
        out = []
        for i, piece in enumerate(pieces):
            out.append(fn(self.context, piece))
            if progress:
                progress(i + 1, len(pieces))
        return out


class _LocalExecutor(Executor):
    def __init__(self, context: Any, n: int):
        super().__init__(context)
        self.n = n
        self.pool: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=self.n, initializer=_init, initargs=(self.context,))
        return self.pool

    def close(self, failed: bool = False) -> None:
        if self.pool is None:
            return
        if failed:
            procs = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:  # stop running pieces now
                proc.terminate()
        else:
            self.pool.shutdown(wait=True)
        self.pool = None

    def map(self, fn, pieces, progress: Progress | None = None, cost=None, here: bool = False) -> list:
        pieces = list(pieces)
        total = len(pieces)
        if here or self.n == 1 or total <= 1:
            return self._here(fn, pieces, progress)
        tick = progress or (lambda done, total: None)
        results: list = [None] * total
        order = sorted(range(total), key=lambda i: -cost(pieces[i])) if cost else list(range(total))
        done = 0
        for _ in range(2):  # a first attempt, and one more on fresh workers for the pieces a dead worker lost
            failed: list[int] = []
            pool = self._pool()
            futures = {pool.submit(_call, fn, pieces[i]): i for i in order}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except BrokenProcessPool:  # a worker died: this piece is lost with it (or with the pool)
                    failed.append(i)
                    continue
                done += 1
                tick(done, total)
            if not failed:
                return results
            self.close(failed=True)  # the pool is broken: the next attempt (or stage) starts fresh workers
            position = {i: k for k, i in enumerate(order)}
            order = sorted(failed, key=position.__getitem__)
        raise WorkerLostError(f"a worker process died twice running the same {len(failed)} of {total} pieces "
                              "(killed, or out of memory?): the job is not done and nothing was written")


#: seconds to reach a Dask scheduler and hear its handshake; past it the command stops (docs/scaling.md)
CONNECT_SECONDS = 10.0
_INPROC = re.compile(r"^inproc://[A-Za-z0-9.:\[\]-]+/\d+/\d+$", re.ASCII)  # a cluster inside this process (tests)
_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):(\d{1,5})$", re.ASCII)


def check_scheduler(address: str) -> str:
    """``address`` if it reads tcp://HOST:PORT or tls://HOST:PORT (port 1–65535), else a one-line UsageError."""
    if _INPROC.match(address.strip()):
        return address.strip()
    m = _ADDRESS.match(address.strip())
    if not m or not 1 <= int(m.group(4)) <= 65535:
        raise UsageError(f"--scheduler must be tcp://HOST:PORT or tls://HOST:PORT with a port 1-65535, got {address!r}")
    return address.strip()


def _connect(client_class, address: str):
    """A Dask client of the scheduler at ``address``, or a one-line UsageError after :data:`CONNECT_SECONDS`:
    the client is made in a helper thread, so that a server that accepts the connection and never answers (Dask's
    own timeout does not cover that handshake) cannot hold the command."""
    import threading

    box: dict = {}

    def attempt():
        try:
            box["client"] = client_class(address, timeout=CONNECT_SECONDS / 2)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is reported as one line
            box["error"] = exc

    t = threading.Thread(target=attempt, daemon=True, name="dask-connect")
    t.start()
    t.join(CONNECT_SECONDS)
    if "client" in box:
        return box["client"]
    if t.is_alive():
        raise UsageError(f"the dask scheduler at {address} did not answer within {CONNECT_SECONDS:g} s")
    exc = box.get("error")
    raise UsageError(f"cannot reach the dask scheduler at {address}: {type(exc).__name__}: {exc}".rstrip(": "))


class _DaskExecutor(Executor):
    def __init__(self, context: Any, scheduler: str):
        super().__init__(context)
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError('--scheduler needs dask.distributed: pip install "netconstruct[dask]"') from None
        self.client = _connect(Client, check_scheduler(scheduler))
        self.shared = None
        self.nthreads: int | None = None
        self.futures: list = []

    def close(self, failed: bool = False) -> None:
        if failed and self.futures:
            self.client.cancel(self.futures)
        self.client.close()

    def map(self, fn, pieces, progress: Progress | None = None, cost=None, here: bool = False) -> list:
        from dask.distributed import as_completed as dask_completed
        from distributed import KilledWorker

        pieces = list(pieces)
        if here:
            return self._here(fn, pieces, progress)
        tick = progress or (lambda done, total: None)
        if self.shared is None and self.context is not None:
            # hash=False: no content hashing (tokenizing a network of 10⁵ Fractions took 0.4 s) and fresh keys
            self.shared = self.client.scatter(self.context, broadcast=True, hash=False)
        order = sorted(range(len(pieces)), key=lambda i: -cost(pieces[i])) if cost else list(range(len(pieces)))
        if self.nthreads is None:  # asked once per executor (a scheduler round trip)
            self.nthreads = self.threads()
        # ≤ 2 pieces a thread (a branch-and-bound step): one task per thread, no second round trip to the
        # scheduler for a thread's second piece; more pieces: 4 tasks a thread, for balance
        groups = _groups(order, self.nthreads if len(pieces) <= 2 * self.nthreads else 4 * self.nthreads)
        data: list = [[pieces[i] for i in g] for g in groups]
        if len(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)) > _INLINE_BYTES:
            # large pieces travel as data, not in the task graph; fresh keys (hash=False), so that equal pieces of
            # a later map never share a key with this map's released ones ("lost dependencies")
            data = self.client.scatter(data, hash=False)
        self.futures = self.client.map(_dask_call, [fn] * len(groups), [self.shared] * len(groups), data,
                                       pure=False, retries=1)
        index = {f.key: g for g, f in zip(groups, self.futures)}
        results: list = [None] * len(pieces)
        done = 0
        try:  # results gathered in batches as tasks finish (one gather per future cost ~2 ms each)
            for fut, values in dask_completed(self.futures, with_results=True):
                for i, value in zip(index[fut.key], values):
                    results[i] = value
                done += len(index[fut.key])
                tick(done, len(pieces))
        except KilledWorker as exc:  # Dask moved the task to other workers and they died too
            raise WorkerLostError(f"Dask workers died running the same pieces ({exc}): the job is not done and "
                                  "nothing was written") from None
        self.futures = []
        return results

    def threads(self) -> int:
        """The cluster's worker threads now (at least 1)."""
        info = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))


def _groups(order: list[int], n: int) -> list[list[int]]:
    """``order`` dealt round-robin into at most ``n`` groups — one Dask task each (a task costs milliseconds of
    scheduling: 40 pieces of 10 ms on 2 workers were 40% slower one by one); the costliest pieces, first in
    ``order``, land in different groups, and every piece is still computed alone, so values do not change."""
    n = max(1, min(n, len(order)))
    return [order[k::n] for k in range(n)] if order else []


def rate_text(done: int, total: int, elapsed: float) -> str:
    """'12/40 · 3.1/s · ETA 0:09': pieces done of total, the rate so far and the time left at that rate."""
    if done <= 0 or elapsed <= 0:
        return f"{done}/{total}"
    rate = done / elapsed
    left = int(round((total - done) / rate))
    shown = f"{rate:.3g}/s" if rate >= 0.1 else f"{60 * rate:.2g}/min"
    return f"{done}/{total} · {shown} · ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}" if left >= 3600 \
        else f"{done}/{total} · {shown} · ETA {left // 60}:{left % 60:02d}"


def counted(progress: Callable[[str], None] | None, label: str) -> Progress | None:
    """A pieces callback for :meth:`Executor.map` that reports '<label> 12/40 · 3.1/s · ETA 0:09' to a stage
    callback ``progress`` (the command's stderr spinner); the clock starts now."""
    if progress is None:
        return None
    start = time.monotonic()
    return lambda done, total: progress(f"{label} {rate_text(done, total, time.monotonic() - start)}")


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """[(start, stop), …] covering range(n) in pieces of at most ``size``."""
    size = max(1, size)
    return [(s, min(n, s + size)) for s in range(0, n, size)]
