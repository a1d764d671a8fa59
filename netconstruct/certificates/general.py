"""The certificate of *any* feed-forward ReLU network: box branch and bound (:mod:`netconstruct.bounds.boxes`).

Its value is a proved upper bound of sup_{‖x‖≤R} |N(x) − g(‖x‖)| for the network with its exact weights;
``details`` also carry the worst error found at a box centre (a float64 *lower* estimate), the gap
between the two, the boxes bounded and why the search stopped.  The budget (boxes, seconds, the relative
gap at which to stop) comes from :class:`.base.Budget`.
"""

from __future__ import annotations

from fractions import Fraction

from ..network import Network
from ..reports import Certificate
from .base import Budget

METHOD = ("box branch and bound over the ball: CROWN linear relaxations, a linear bound of g(|x|) "
          "with its curvature remainder, rounding errors bounded")


def certify(net: Network, target, budget: Budget | None = None) -> Certificate:
    """Run :func:`netconstruct.bounds.boxes.certify_any` under ``budget`` (raises ``NotCertifiable`` where it
    does not apply: other activations, several outputs)."""
    from ..bounds.boxes import certify_any  # here: a job that never needs it does not import it (≈ 10 ms)

    b = budget or Budget()
    res = certify_any(net, target, tol=b.tol, stop_below=b.stop_below, max_regions=b.max_regions,
                      seconds=b.seconds, progress=b.progress, workers=b.workers, scheduler=b.scheduler, atol=b.atol,
                      max_memory=b.max_memory)
    gap = res.upper / res.lower if res.lower > 0 else None
    details = {
        "boxes": res.regions,
        "boxes_in_cover": res.live,
        "worst_found_float64": res.lower,
        "upper_over_found": gap,
        "stopped": {"tolerance": f"bound within {b.tol:g} (relative)" + (f" + {b.atol:g}" if b.atol else "")
                                 + " of the error found",
                    "below": "bound below the requested value",
                    "above": "an error above the requested value was found",
                    "regions": f"box budget ({b.max_regions:,}) spent",
                    "time": f"time budget ({b.seconds:g} s) spent",
                    "memory": "memory budget for the live boxes reached (--max-memory)"}[res.stopped],
    }
    if res.symmetry:
        details["symmetry"] = (f"{res.symmetry} (checked exactly on the neurons): boxes cover the fundamental domain "
                               "only, where |N - g| takes all its values")
    return Certificate(Fraction(res.upper), METHOD, details, probe_points=(res.worst_point,) + res.probe_points)
