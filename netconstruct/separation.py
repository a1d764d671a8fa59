"""The depth-2 / depth-3 trade-off in numbers (Safran, Eldan & Shamir, COLT 2019).

For each (d, ε) the exact number of neurons of the three constructions, from their own size
formulas (nothing is built to count it):

* depth 3 (``radial_depth3``) — polynomial in d and in 1/ε;
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

from .constructions import radial_depth2, radial_depth3
from .constructions.polyapprox import degrees_below
from .errors import TooLargeError
from .targets import Target

ENUMERATION_LIMIT = 200_000


def depth2_size(regime: str, d: int, eps: Fraction, target: Target) -> dict:
    """{"neurons": int, "exact": bool, "degree": K, "directions": int} for one depth-2 regime."""
    polys = degrees_below(target, eps)
    if not polys:
        return {"neurons": None, "exact": False, "degree": None, "directions": None}
    K = polys[0].degree
    ndirs = radial_depth2.direction_count(regime, d, K)
    if regime == "accuracy" and ndirs > ENUMERATION_LIMIT:  # the dimension regime only enumerates types
        return {"neurons": 2 * ndirs, "exact": False, "degree": K, "directions": ndirs}
    p = radial_depth2.plan(regime, d, eps, target, max_directions=ENUMERATION_LIMIT if regime == "accuracy" else None)
    return {"neurons": p.neurons, "exact": True, "degree": p.poly.degree, "directions": p.directions}


def size_table(
    dims: list[int],
    epss: list[Fraction],
    target: Target,
    build_max: int = 0,
    progress: Callable[[str], None] = lambda s: None,
) -> list[dict]:
    from .verify import verify_radial

    rows = []
    for eps in epss:
        for d in dims:
            progress(f"sizes for d={d}, eps={float(eps):g}")
            row: dict = {"d": d, "eps": float(eps), "depth3": radial_depth3.plan(d, eps, target).neurons}
            for regime in radial_depth2.REGIMES:
                row[f"depth2_{regime}"] = depth2_size(regime, d, eps, target)
            if build_max:
                built = {}
                candidates = [("depth3", row["depth3"], lambda: radial_depth3.build(d, eps, target))]
                for regime in radial_depth2.REGIMES:
                    info = row[f"depth2_{regime}"]
                    if info["exact"]:
                        candidates.append(
                            (f"depth2_{regime}", info["neurons"], lambda r=regime: radial_depth2.build(r, d, eps, target))
                        )
                for name, n, make in candidates:
                    if n is not None and n <= build_max:
                        progress(f"building and verifying {name}, d={d}, eps={float(eps):g}")
                        try:
                            net = make()
                        except TooLargeError:
                            continue
                        rep = verify_radial(net, target, eps, samples=1000, seed=0)
                        assert net.size == n, (name, net.size, n)
                        built[name] = {"certified": rep.certified.to_json().get("sup_error"), "ok": rep.ok}
                row["built"] = built
            rows.append(row)
    return rows
