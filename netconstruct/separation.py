"""The depth-2 / depth-3 trade-off in numbers (Safran, Eldan & Shamir, COLT 2019).

For each (d, ε), the exact number of neurons of every construction in
:data:`netconstruct.constructions.CONSTRUCTIONS`, from its own size formula (nothing is built to count it):

* depth 3 — polynomial in d and in 1/ε;
* depth 2, ``dimension`` regime — d^{O(K)}, K = K(ε): polynomial in d for fixed ε, but the exponent
  grows as ε shrinks;
* depth 2, ``accuracy`` regime — (2K+1)^{d−1} directions: polynomial in 1/ε for fixed d, exponential in d.

Where a network fits under ``build_max`` neurons it is built and its certified error reported.
When the accuracy-regime cubature is too large to enumerate, its direction count is still exact and
the neuron count is reported as the lower bound 2 × directions.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from .certificates import BESIDE_TOL, Budget
from .constructions import CONSTRUCTIONS
from .constructions.polyapprox import degrees_below, remember_degrees
from .errors import TooLargeError
from .targets import Target
from .verify import verify_radial


#: the largest depth-3 network separation counts (its plan is a search over sizes: beyond, it is refused)
COUNT_LIMIT = 10**9


def approximations(context, eps: Fraction) -> tuple:
    """The first stage of :func:`size_table`: the certified polynomial approximations of ε
    (:func:`.polyapprox.degrees_below`), which every depth-2 piece of that ε starts from."""
    return tuple(degrees_below(context[0], eps))


def part(context, piece) -> tuple:
    """One construction in one cell of :func:`size_table`: ``context`` = (target, build_max), ``piece`` =
    (ε, d, key, the approximations of ε from :func:`approximations`).  Returns (its size entry, its ``built``
    entry or None)."""
    target, build_max = context
    eps, d, key, polys = piece
    remember_degrees(target, eps, polys)
    c = CONSTRUCTIONS[key]
    size = c.size(d, eps, target)
    entry = size.neurons if c.depth == 3 else size.to_json()
    n = size.neurons
    if not build_max or not size.exact or n is None or n > build_max:
        return entry, None
    try:
        net = c.build(d, eps, target)
    except TooLargeError:
        return entry, None
    # a table of sizes: each built network's bound is proved to within 1% of the error found (BESIDE_TOL), not 0.1%
    rep = verify_radial(net, target, eps, samples=1000, seed=0, a_priori_source="construction",
                        budget=Budget(tol=BESIDE_TOL))
    assert net.size == n, (key, net.size, n)
    return entry, {"certified": rep.certified.to_json().get("sup_error"), "ok": rep.ok}


def _cost(piece) -> float:
    """A rough work estimate, to start the costly pieces first (the depth-2 accuracy cubature grows like
    (1/ε)^d, the others polynomially)."""
    eps, d, key = piece[:3]
    e = 1 / float(eps)
    return e ** min(d, 6) if key == "depth2_accuracy" else d * e * e


def size_table(
    dims: list[int],
    epss: list[Fraction],
    target: Target,
    build_max: int = 0,
    progress: Callable[[str], None] = lambda s: None,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> list[dict]:
    """One row per (ε, d): each construction's size (``depth3``: the count; others: a :class:`Size`
    record) and, where built, ``built[key] = {certified, ok}``.  Every (cell, construction) is an
    independent piece for :func:`netconstruct.parallel.run` (rows come back in order whatever the backend).

    Two stages on the same workers: first each ε's certified polynomial approximations (shared by all the
    depth-2 pieces of that ε: 1.8 s at ε = 0.05, which every worker would otherwise recompute), then the
    pieces, each carrying the approximations of its ε."""
    from .constructions.radial_depth3 import least_neurons
    from .parallel import counted, executor

    cells = [(eps, d) for eps in epss for d in dims]
    for eps, d in cells:  # closed-form lower bounds first: a hopeless cell is refused in microseconds
        least = least_neurons(d, eps, target)[0]
        if least > COUNT_LIMIT:
            raise TooLargeError(f"separation counts depth-3 networks of up to {COUNT_LIMIT:.0e} neurons; d = {d}, "
                                f"eps = {float(eps):.3g} needs at least {float(least):.3g}: use a larger --eps")
    keys = list(CONSTRUCTIONS)
    distinct = list(dict.fromkeys(Fraction(e) for e in epss))
    with executor((target, build_max), workers, scheduler, len(cells) * len(keys)) as ex:
        polys = dict(zip(distinct, ex.map(approximations, distinct, counted(progress, "polynomial approximations"),
                                          cost=lambda e: 1 / float(e))))
        pieces = [(eps, d, key, polys[Fraction(eps)]) for eps, d in cells for key in keys]
        out = ex.map(part, pieces, counted(progress, "cells × constructions"), cost=_cost)
    rows = []
    for i, (eps, d) in enumerate(cells):
        row: dict = {"d": d, "eps": float(eps)}
        results = out[i * len(keys):(i + 1) * len(keys)]
        for key, (entry, _) in zip(keys, results):
            row[key] = entry
        if build_max:
            row["built"] = {key: b for key, (_, b) in zip(keys, results) if b is not None}
        rows.append(row)
    return rows


def neurons_of(row: dict, key: str) -> tuple[int | None, bool]:
    """(neurons, exact) of construction ``key`` in a :func:`size_table` row."""
    v = row[key]
    return (v, True) if isinstance(v, int) else (v["neurons"], v["exact"])


def plot_series(rows: list[dict], epss: list[Fraction]) -> tuple[dict, dict]:
    """(series, styles) for :func:`netconstruct.plot.plot_lines`: neurons vs d, one line per
    construction and ε (colour = construction, dash = ε)."""
    colors = ["tab:blue", "tab:orange", "tab:red", "tab:green", "tab:purple"]
    dashes = ["-", "--", "-.", ":", (0, (1, 4)), (0, (5, 1))]
    series, styles = {}, {}
    for i, e in enumerate(epss):
        sub = [r for r in rows if r["eps"] == float(e)]
        for j, (key, c) in enumerate(CONSTRUCTIONS.items()):
            name = c.label
            pts = [(r["d"], neurons_of(r, key)[0]) for r in sub if neurons_of(r, key)[0]]
            label = f"{name}, eps={float(e):g}"
            series[label] = ([p[0] for p in pts], [float(p[1]) for p in pts])
            styles[label] = {"color": colors[j % len(colors)], "linestyle": dashes[i % len(dashes)]}
    return series, styles
