"""Verification of a network against a radial target: bounds, certificate, samples, weights.

For every network built or loaded, :func:`verify_radial` reports

1. the **a-priori** bound the construction proved (from its metadata, when it has one);
2. a **certified** sup-norm error over the whole ball (:mod:`netconstruct.certify`) when the
   network has the structure that allows it — a number that is a proof;
3. an **empirical** check: points uniform in the ball, on spheres of several radii, on axes and
   diagonals, and at the adversarial points next to the first-layer knots (all coordinates at the
   midpoint between two knots, where the interpolation errors of x_i² add up), evaluated in float64;
   the worst ones are re-evaluated exactly-in-the-input with mpmath at ``dps`` digits;
4. the largest |weight| and |bias|, from the exact weights.

The checks: certified ≥ empirical (mpmath), empirical ≤ ε, and certified ≤ ε when ε is given.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

from .arith import multiprecision
from .certificates import Budget, certify
from .errors import FormatError, NetconstructError, UsageError
from .exact import as_exact, integer_root, machine_key, upper_text
from .network import Network
from .reports import RadialReport, Sampled
from .targets import Target

Progress = Callable[[str], None]


def _noop(stage: str) -> None:
    pass


#: rows per block of sample points: each block has its own random stream, so a worker builds only its own
#: blocks (memory ≤ BLOCK × d floats per worker) and the points are the same whatever the workers
BLOCK = 512
_KIND_CODE = {"uniform_ball": 0, "spheres": 1, "diagonals": 2, "near_knots": 3}


@dataclass(frozen=True)
class PointSet:
    """The recipe of the test points — small enough to send to every worker.

    Points uniform in the ball of radius ``radius`` (``samples // 2``), on spheres of radii R/8, …, R
    (≈ ``samples // 4``), on 16 axes and 9 diagonals (33 radii each), next to the ``levels`` (knots a
    certificate found, :func:`_knot_points`), and the ``extra`` points.  They come in blocks of ≤ :data:`BLOCK`
    rows, block ``k`` of a random kind drawn from ``numpy.random.default_rng([seed, kind, k])``, each block
    kept to the closed ball.  Nobody holds them all: a worker draws the blocks of its pieces (:func:`block_rows`),
    and :meth:`sizes` counts them without drawing the random ones."""

    d: int
    radius: float
    samples: int
    seed: int
    levels: tuple[float, ...] = ()
    extra: tuple[tuple[float, ...], ...] = ()

    def layout(self) -> tuple[tuple[str, int, int], ...]:
        """(kind, first row of the kind, rows) of every block."""
        n_uniform, n_sphere = max(1, self.samples // 2), 8 * (max(8, self.samples // 4) // 8)
        out = [(kind, s, min(BLOCK, n - s)) for kind, n in (("uniform_ball", n_uniform), ("spheres", n_sphere))
               for s in range(0, n, BLOCK)]
        out += [("axes", 0, 2 * 33 * min(self.d, 16)), ("diagonals", 0, 9 * 33)]
        if self.levels:
            out.append(("near_knots", 0, -1))  # its size is known once built
        if self.extra:
            out.append(("extra", 0, len(self.extra)))
        return tuple(out)

    def block(self, i: int) -> "np.ndarray":  # noqa: F821
        """The rows of block ``i`` inside the closed ball (norm ≤ R·(1 + 10⁻¹²))."""
        import numpy as np

        kind, s, n = self.layout()[i]
        d, R = self.d, float(self.radius)
        rng = np.random.default_rng([self.seed, _KIND_CODE.get(kind, 9), s])

        def directions(k: int) -> np.ndarray:  # in place: no second k × d array (fresh memory is costly)
            g = rng.standard_normal((k, d))
            g /= np.linalg.norm(g, axis=1, keepdims=True)
            return g

        grid = R * np.linspace(0.0, 1.0, 33)
        if kind == "uniform_ball":  # radius R·max(U₁, …, U_d): the law r^d of the ball, drawn without a power
            X = directions(n)  # (numpy's SIMD power differs in the last bit from one CPU to another)
            X *= R * rng.random((n, d)).max(axis=1, keepdims=True)
        elif kind == "spheres":
            per = max(8, self.samples // 4) // 8
            X = directions(n)
            X *= (R * ((np.arange(s, s + n) // per) + 1) / 8.0)[:, None]
        elif kind == "axes":
            X = np.zeros((n, d))
            for j in range(min(d, 16)):
                for h, sign in enumerate((1.0, -1.0)):
                    X[(2 * j + h) * 33:(2 * j + h + 1) * 33, j] = sign * grid
        elif kind == "diagonals":
            signs = np.where(rng.random((8, d)) < 0.5, -1.0, 1.0)
            X = np.concatenate([np.outer(grid, sg / np.sqrt(d)) for sg in np.vstack([np.ones(d), signs])])
        elif kind == "near_knots":
            X = _knot_points(d, R, self.levels, rng)
        else:
            X = np.array(self.extra, dtype=float).reshape(len(self.extra), d)
        norms = np.linalg.norm(X, axis=1)
        outside = norms > R * (1 + 1e-12)
        if not outside.any():
            return X
        if kind in _SIZED:  # a unit direction times a radius ≤ R: outside only by rounding, pulled back
            X[outside] *= (R / norms[outside])[:, None]
            return X
        return X[~outside]

    def sizes(self) -> tuple[int, ...]:
        """The rows of every block.  Uniform, sphere, axis and diagonal points lie in the closed ball by
        construction (a rounding excess is pulled back onto the sphere, :meth:`block`), so their counts are the
        layout's and nothing is drawn to count them; the near-knot and extra blocks (small) are built."""
        return tuple(n if kind in _SIZED else len(_block(self, i)) for i, (kind, _, n) in enumerate(self.layout()))

    def kinds(self) -> dict[str, int]:
        """How many points of each kind (the extra points are counted by the caller, as certificate boxes)."""
        out: dict[str, int] = {}
        for (kind, _, _), n in zip(self.layout(), self.sizes()):
            if kind != "extra":
                out[kind] = out.get(kind, 0) + n
        return out


#: a worst-point search of fewer neuron evaluations than this (≈ 0.1 s) runs in the calling process
_INLINE_WORK = 30_000_000

_SIZED = frozenset({"uniform_ball", "spheres", "axes", "diagonals"})  # blocks whose size is the layout's


@functools.lru_cache(maxsize=2)
def _block(points: PointSet, i: int) -> "np.ndarray":  # noqa: F821
    return points.block(i)


def block_rows(points, i: int) -> "np.ndarray":  # noqa: F821
    """Block ``i`` of a :class:`PointSet`, drawn in this process (a worker draws only the blocks of its pieces,
    at most BLOCK × d floats at a time); an array is its own single block."""
    if not isinstance(points, PointSet):
        return points
    return _block(points, i)


def _knot_points(d: int, R: float, knots: tuple[float, ...], rng) -> "np.ndarray":  # noqa: F821
    """Points where the interpolation errors of the squares add up: k coordinates at a knot or at the
    midpoint of a piece (where (s − a)(b − s) is largest), the others 0; and two-level mixes — k₁
    coordinates at one midpoint, k₂ at the first (smallest) one — the maximisers of the Lagrangian
    bound, which spend the radius on few large coordinates and many small ones.

    ``knots`` are the sorted positive coordinate knots a certificate found (its ``probe_levels``)."""
    import numpy as np

    kn = list(knots) if len(knots) <= 12 else list(knots[:4]) + [knots[len(knots) // 2]]
    mids = [(a + b) / 2 for a, b in zip([0.0] + list(knots), list(knots) + [R]) if b > a]
    mids = mids if len(mids) <= 12 else mids[:4] + [mids[len(mids) // 2]]
    levels = sorted(set(kn + mids))
    ks = _geometric_counts(d, 48)
    pts = []

    def add(p):
        pts.append(p)
        q = p * np.where(rng.random(d) < 0.5, -1.0, 1.0)
        pts.append(rng.permutation(q))

    for v in levels:
        for k in ks:
            if np.sqrt(k) * v > R:
                break
            p = np.zeros(d)
            p[:k] = v
            add(p)
    small = mids[0] if mids else 0.0
    kmix = _geometric_counts(d, 12)
    for v in mids[1:]:
        for k1 in kmix:
            if np.sqrt(k1) * v > R or k1 >= d:
                break
            for k2 in kmix:
                if k1 + k2 > d or k1 * v * v + k2 * small * small > R * R:
                    break
                p = np.zeros(d)
                p[:k1] = v
                p[k1:k1 + k2] = small
                add(p)
    return np.array(pts) if pts else np.zeros((0, d))


def _geometric_counts(d: int, num: int) -> list[int]:
    """⌊d^(j/(m−1))⌋ for j = 0, …, m − 1 with m = min(d, num), without duplicates — in integers (a float power
    rounds differently on different CPUs, and 2.9999… vs 3.0 would change the points)."""
    m = min(d, num)
    if m < 2:
        return [1]
    return sorted({integer_root(d**j, m - 1) for j in range(m)})


def _errors(context, X) -> "np.ndarray":  # noqa: F821
    """|N(x) − g(‖x‖)| in float64 for the rows of X (``context`` = (net, target, digits))."""
    import numpy as np

    net, target = context[0], context[1]
    return np.abs(net(X)[:, 0] - target.g_float(np.linalg.norm(X, axis=1)))


def _screen(context, piece) -> tuple:
    """:func:`_errors` on rows a:b of block i (``piece`` = (i, a, b, keep)) of the sample points the context
    carries (``context`` = (net, target, digits, a :class:`PointSet` or an array)): the pieces are four
    integers.  Returns (the errors, the positions of the ``keep`` largest — ordered by (−error, position) — and
    those rows), so that the caller never needs the other rows."""
    import numpy as np

    i, a, b, keep = piece
    X = block_rows(context[3], i)[a:b]
    e = _errors(context, X)
    top = np.argsort(-machine_key(e), kind="stable")[:keep]
    return e, top, X[top]


def _climb(context, piece) -> "np.ndarray":  # noqa: F821
    """Hill climbing from one start point (``piece`` = (x, rng seed, rounds, proposals)): each round tries
    random moves of one coordinate, a few, or all (step sizes shrinking), kept inside the ball, and keeps
    the best when |N − g| grows."""
    import numpy as np

    target = context[1]
    x, seed, rounds, proposals = piece
    R = float(target.radius)
    d = len(x)
    rng = np.random.default_rng(seed)
    cur, cur_e = x.copy(), float(machine_key(_errors(context, x[None, :]))[0])
    for t in range(rounds):
        step = R * 0.1 * 0.93**t
        P = np.repeat(cur[None, :], proposals, axis=0)
        mask = rng.random(P.shape) < rng.choice([1.0 / d, 3.0 / d, 1.0], size=(proposals, 1))
        P = P + mask * rng.standard_normal(P.shape) * step
        norms = np.linalg.norm(P, axis=1, keepdims=True)
        P = np.where(norms > R, P * (R / np.maximum(norms, 1e-300)), P)
        e = machine_key(_errors(context, P))
        i = int(e.argmax())  # the first of the largest: the same step on every machine
        if e[i] > cur_e:
            cur, cur_e = P[i], float(e[i])
    return cur


def inside_ball(x, radius) -> tuple[Fraction, ...]:
    """The float point ``x`` read exactly (each coordinate the rational its binary64 value is), pulled inside the
    closed ball exactly when rounding left it outside (‖x‖² > R² in exact arithmetic: scaled by R/q with q ≥ ‖x‖
    rational): a witness is a point of the domain, checked, not assumed."""
    from .exact import sqrt_up

    xi = tuple(Fraction(float(v)) for v in x)
    R = Fraction(radius)
    r2 = sum(v * v for v in xi)
    if r2 > R * R:
        s = R / sqrt_up(r2, 20)
        xi = tuple(v * s for v in xi)
        assert sum(v * v for v in xi) <= R * R
    return xi


def _confirm(context, x) -> tuple:
    """|N(x) − g(‖x‖)| at ``digits`` digits at the point :func:`inside_ball` makes of ``x`` (exact, in the ball),
    N(x) exact (integer arithmetic, rounded once) when the network is piecewise linear, else evaluated at
    ``digits`` digits.  Returns (that error as mpmath's raw (sign, mantissa, exponent, bits) tuple, the exact
    point, N(x) exact or None) — picklable, and all a :func:`witness` needs, so nothing is evaluated twice."""
    net, target, dps = context[0], context[1], context[2]
    mp = multiprecision(dps)
    xi = inside_ball(x, target.radius)
    exact = net.evaluate_exact_fast(xi)
    n_mp = mp.const(exact[0]) if exact is not None else net.evaluate_point(xi, mp)[0]
    rr = mp.ctx.sqrt(sum(mp.const(v) ** 2 for v in xi))
    return abs(n_mp - mp.ctx.mpf(target.g_mp(rr, dps=dps)))._mpf_, xi, None if exact is None else exact[0]


def witness(target: Target, xi: tuple[Fraction, ...], n_exact) -> dict:
    """The worst point found, for anyone to re-check: its coordinates ``xi`` as exact numbers (inside the ball:
    ‖x‖² ≤ R² checked exactly), N(x) exact (``n_exact``, where the network is piecewise linear), g(‖x‖) enclosed by
    interval arithmetic, and the error there as a *proved* lower bound of the sup error, min |N(x) − g| over that
    enclosure (``netconstruct eval NET --x <the coordinates>`` prints N(x) again)."""
    from .arith import interval_bounds
    from .exact import format_exact, round_down, sqrt_down, sqrt_up, upper_text

    r2 = sum(v * v for v in xi)
    out: dict = {"x": [format_exact(v) for v in xi], "norm_squared_le_radius_squared": bool(r2 <= Fraction(target.radius) ** 2)}
    try:
        g_lo, g_hi = interval_bounds(target.g_interval(sqrt_down(r2), sqrt_up(r2, 20)))
    except ValueError:  # an unbounded enclosure: no proved lower bound here
        g_lo = g_hi = None
    out["g_interval"] = [None if g_lo is None else format_exact(round_down(g_lo, 20)),
                         None if g_hi is None else upper_text(g_hi, 20)]
    if n_exact is not None:
        n = Fraction(n_exact)
        out["N"] = format_exact(n) if len(format_exact(n)) <= 200 else upper_text(n, 40) + " (rounded up)"
        if g_lo is not None:
            out["error_at_least"] = format_exact(round_down(max(Fraction(0), n - g_hi, g_lo - n), 15))
    return out


def search_worst(net: Network, target: Target, X, seed: int = 0, dps: int = 50, top: int = 5, starts: int = 16,
                 rounds: int = 60, proposals: int = 32, max_work: int = 4 * 10**8, workers: int | None = 1,
                 scheduler: str | None = None, kinds: dict | None = None, progress: Progress | None = None,
                 piece_rows: int | None = None) -> Sampled:
    """The worst error found — a *lower* bound of the sup error: float64 screening of X (an array, or a
    :class:`PointSet` whose recipe travels to the workers instead of the array) in pieces, hill
    climbing from the ``starts`` worst points (:func:`_climb`, one piece each; rounds capped so that the work
    stays ≤ ``max_work`` neuron evaluations), and the ``top`` worst re-evaluated at ``dps`` digits.  Every
    step runs through :func:`netconstruct.parallel.run`: the same points and numbers whatever the backend.
    ``progress(stage)`` hears each stage's pieces done, rate and ETA; ``piece_rows`` overrides the rows per
    screening piece (the result does not depend on it)."""
    import numpy as np

    from .parallel import chunks, counted, executor

    context = (net, target, dps, X)
    keep = max(starts, top)  # the global top `keep` (by −error, then row) is within the pieces' own top `keep`
    if isinstance(X, PointSet):  # a piece is a whole block: drawn once, by the worker that screens it (cutting it
        # finer would have several workers draw it — at d = 1000 a block costs as much to draw as 64 of its rows
        # cost to screen through 10⁵ neurons)
        pieces = [(i, a, b, keep) for i, n in enumerate(X.sizes()) for a, b in chunks(n, piece_rows or n)]
    else:  # pieces of ≈ 2·10⁷ neuron evaluations (~0.1 s)
        pieces = [(0, a, b, keep) for a, b in chunks(len(X), piece_rows or 20_000_000 // max(1, net.size))]
    kinds = dict(kinds or {})
    net(np.zeros((1, net.input_dim)))  # build the float64 weights here once: they travel with the network
    rounds = max(0, min(rounds, max_work // max(1, net.size * starts * proposals)))  # work ≤ max_work
    total = sum(b - a for _, a, b, _ in pieces)
    if scheduler is None and net.size * (total + starts * proposals * rounds) < _INLINE_WORK:
        workers = 1  # a small search: here, faster than starting workers (the result is the same anywhere)
    with executor(context, workers, scheduler) as ex:  # one set of workers for the three stages
        parts = ex.map(_screen, pieces, counted(progress, "float64 screening, pieces"),
                       cost=lambda p: p[2] - p[1])  # largest first: no lone piece at the end
        screened = np.concatenate([e for e, _, _ in parts]) if parts else np.zeros(0)
        n = len(screened)
        first = np.cumsum([0] + [len(e) for e, _, _ in parts])
        rows = {int(first[k] + j): x for k, (_, tops, xs) in enumerate(parts) for j, x in zip(tops, xs)}
        climbed = np.zeros((0, net.input_dim))
        if n:
            order = np.argsort(-machine_key(screened), kind="stable")[:starts]
            climbed = np.array(ex.map(_climb, [(rows[int(i)], [seed, 7, k], rounds, proposals) for k, i in enumerate(order)],
                                      counted(progress, "hill climbing from the worst points")))
            kinds["climbed"] = len(climbed)
            screened = np.concatenate([screened, _errors(context, climbed)])
        worst = np.argsort(-machine_key(screened), kind="stable")[:top]  # rows of the points, then the climbed ones
        chosen = np.array([rows[int(i)] if i < n else climbed[i - n] for i in worst]).reshape(len(worst), net.input_dim)
        confirmed = ex.map(_confirm, list(chosen), counted(progress, f"exact re-evaluation of the {len(chosen)} worst"))
    mp = multiprecision(dps)
    exact = [mp.ctx.make_mpf(v) for v, _, _ in confirmed]
    best = max(range(len(exact)), key=lambda k: (exact[k], -k), default=None)  # the exact maximum, first if tied
    return Sampled(
        points=int(n + len(climbed)),
        max_error_float64=float(screened.max()) if len(screened) else 0.0,
        max_error_mpmath=max(exact, default=mp.ctx.zero),
        digits=dps,
        float64_minus_mpmath=max((abs(float(screened[i]) - float(e)) for i, e in zip(worst, exact)), default=0.0),
        worst_radius=float(np.linalg.norm(chosen[best:best + 1], axis=1)[0]) if best is not None else None,
        kinds=kinds,
        seed=seed,
        witness=witness(target, *confirmed[best][1:]) if best is not None else None,
    )


def verify_radial(
    net: Network,
    target: Target,
    eps: float | Fraction | None = None,
    samples: int = 10_000,
    seed: int = 0,
    dps: int = 50,
    progress: Progress = _noop,
    workers: int | None = 1,
    scheduler: str | None = None,
    budget: Budget | None = None,
    a_priori_source: str = "file",
    eps_source: str = "--eps",
) -> RadialReport:
    """Run the four checks of the module docstring (the certificate from :mod:`.certificates`, the
    general box certificate under ``budget``).  ``a_priori_source`` says whether the a-priori bound in the
    network's metadata was proved by the construction in this run ("construction") or is a number read from a
    file ("file": reported as a claim, never as proved); ``eps_source`` where ε came from ("--eps" or "file")."""
    if net.output_dim != 1:
        raise NetconstructError(f"radial verification needs a network with one output, this one has {net.output_dim}")
    if not isinstance(samples, int) or samples < 1 or not isinstance(dps, int) or dps < 15:
        raise UsageError(f"need samples ≥ 1 and dps ≥ 15, got samples={samples!r}, dps={dps!r}")
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    progress("certifying (exact + interval arithmetic)")
    b = replace(budget or Budget(), workers=workers, scheduler=scheduler)  # the box certificate's steps too
    if b.progress is None:
        b = replace(b, progress=progress)
    cert = certify(net, target, b)
    timings["certify_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress("sampling (float64, then mpmath)")
    R = float(target.radius)
    extra: tuple = ()
    if cert.probe_points:
        import numpy as np

        P = np.array(cert.probe_points, dtype=float)
        extra = tuple(tuple(float(v) for v in p) for p in P[np.linalg.norm(P, axis=1) <= R])
    points = PointSet(net.input_dim, R, samples, seed, tuple(cert.probe_levels), extra)
    kinds = points.kinds()
    if cert.probe_points:
        kinds["certificate_boxes"] = len(extra)
    progress("searching for the worst point (float64 screening, hill climbing, mpmath)")
    sampled = search_worst(net, target, points, seed, dps, workers=workers, scheduler=scheduler, kinds=kinds,
                           progress=progress)
    _block.cache_clear()  # the near-knot block (built to count it) is not kept past the verification
    timings["sample_s"] = time.perf_counter() - t0

    progress("weights")
    st = net.stats()
    bounds = net.metadata.get("bounds")

    checks: dict[str, bool] = {}
    if cert.value is not None:
        checks["certified_ge_empirical"] = bool(cert.value >= sampled.value * (1 - Fraction(1, 10**12)))
    a_priori = bounds.get("sup_error") if isinstance(bounds, dict) else None
    if a_priori is not None and a_priori_source == "file":  # a file's claim: a found error above it refutes it
        try:
            claimed = as_exact(str(a_priori)[:200], "metadata.bounds.sup_error")
        except UsageError:
            raise FormatError(f"metadata.bounds.sup_error {str(a_priori)[:40]!r} is not a number") from None
        checks["stored_a_priori_ge_empirical"] = bool(claimed >= sampled.value * (1 - Fraction(1, 10**12)))
    eps_q = None
    if eps is not None:
        eps_q = Fraction(as_exact(str(eps) if isinstance(eps, float) else eps, "eps"))
        checks["empirical_le_eps"] = bool(sampled.value <= eps_q)
        # a pass is a proof: without a certificate the claim "error ≤ ε" is not established
        checks["certified_le_eps"] = bool(cert.value is not None and cert.value <= eps_q)
    return RadialReport(
        certified=cert,
        sampled=sampled,
        max_abs_weight=upper_text(st["max_abs_weight"], 15),
        max_abs_bias=upper_text(st["max_abs_bias"], 15),
        a_priori=None if a_priori is None else str(a_priori),
        eps=eps_q,
        checks=checks,
        timings=timings,
        a_priori_source=a_priori_source,
        eps_source=eps_source,
    )


def build_and_verify(
    construction,
    d: int,
    eps: Fraction,
    target: Target,
    max_neurons: int,
    verify: bool = True,
    samples: int = 10_000,
    seed: int = 0,
    dps: int = 50,
    progress: Progress = _noop,
    options: dict | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    budget: Budget | None = None,
) -> tuple[Network, RadialReport | None, float]:
    """Build ``construction`` (an entry of :data:`netconstruct.constructions.CONSTRUCTIONS`) for (d, ε,
    target) and verify it; the report is stored in the network's ``metadata.verification``.

    ``options`` are the construction's own keyword arguments (``knots`` for depth 3).
    Returns (network, report or None, build seconds)."""
    t0 = time.perf_counter()
    progress("building the network (exact arithmetic)")
    net = construction.build(d, eps, target, max_neurons=max_neurons, **(options or {}))
    t_build = time.perf_counter() - t0
    rep = None
    if verify:
        rep = verify_radial(net, target, eps, samples=samples, seed=seed, dps=dps, progress=progress,
                            workers=workers, scheduler=scheduler, budget=budget, a_priori_source="construction")
        net = net.with_metadata(verification=rep.to_json())
    return net, rep, t_build
