"""Explicit constructions, one module per network they build, and the registry of radial builders.

``CONSTRUCTIONS`` lists every construction of a network for a radial target f(x) = g(‖x‖) with one
interface — ``plan(d, eps, target)`` (exact parameters and size, nothing built), ``size(d, eps,
target)`` (the neuron count, or a proved lower bound where the plan cannot be enumerated) and
``build(d, eps, target, max_neurons)`` — so that ``radial``, ``separation`` and the library iterate over
it instead of naming modules.  Adding one: a module with those three functions and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..errors import UsageError
from ..network import Network
from . import radial_depth2, radial_depth3, ridge_average, symmetric_ridges


@dataclass(frozen=True)
class Size:
    """Neurons of a construction for (d, ε): ``exact`` False means a proved lower bound only."""

    neurons: int | None
    exact: bool = True
    degree: int | None = None
    directions: int | None = None

    def to_json(self) -> dict:
        return {"neurons": self.neurons, "exact": self.exact, "degree": self.degree, "directions": self.directions}


@dataclass(frozen=True)
class Construction:
    """One radial construction in the registry (see the module docstring)."""

    key: str  # as in tables and JSON: depth3, depth2_dimension, depth2_accuracy
    depth: int
    regime: str | None
    summary: str
    plan: Callable[[int, Fraction, object], object]
    size: Callable[[int, Fraction, object], Size]
    build: Callable[..., Network]

    @property
    def label(self) -> str:
        return f"depth {self.depth}" if self.regime is None else f"depth {self.depth} ({self.regime})"


def _depth3_size(d: int, eps: Fraction, target) -> Size:
    return Size(radial_depth3.plan(d, eps, target).neurons)


ENUMERATION_LIMIT = 20_000  # accuracy-regime cubature directions planned exactly (beyond: the lower bound)
DIMENSION_DEGREE_LIMIT = 12  # polarisation degrees planned exactly (beyond: the lower bound 2 × directions)


def _depth2(regime: str) -> Construction:
    """Depth 2.  ``accuracy`` at d ∈ {2, 3}: the ridge average (:mod:`.ridge_average`), at d ∈ {4, 5} the B_d-symmetric
    ridges (:mod:`.symmetric_ridges`, for ε down to its MIN_EPS), both certified at build; elsewhere the polynomial
    construction of :mod:`.radial_depth2` (polarisation / sphere cubature)."""

    def ridge(d: int):
        """The ridge module for d, or None."""
        if regime != "accuracy":
            return None
        if d in ridge_average.DIMENSIONS:
            return ridge_average
        return symmetric_ridges if d in symmetric_ridges.DIMENSIONS else None

    def symmetric(d: int, eps: Fraction) -> bool:
        return ridge(d) is symmetric_ridges and Fraction(eps) >= symmetric_ridges.MIN_EPS[d]

    def plan(d: int, eps: Fraction, target):
        if ridge(d) is ridge_average or symmetric(d, eps):
            return ridge(d).plan(d, eps, target)
        return radial_depth2.plan(regime, d, eps, target)

    def size(d: int, eps: Fraction, target) -> Size:
        if ridge(d) is ridge_average:
            if Fraction(eps) < ridge_average.MIN_EPS[d]:
                return Size(None, False)  # beyond the ridge average's build budget (it is counted by building it)
            net = ridge_average.certified(d, Fraction(eps), target)
            return Size(net.size, True, None, net.metadata["parameters"]["directions"])
        if symmetric(d, eps):
            net = symmetric_ridges.certified(d, Fraction(eps), target)
            return Size(net.size, True, None, net.metadata["parameters"]["directions"])
        from .polyapprox import degrees_below

        polys = degrees_below(target, eps)
        if not polys:
            return Size(None, False)
        K = polys[0].degree
        ndirs = radial_depth2.direction_count(regime, d, K)
        if (regime == "accuracy" and ndirs > ENUMERATION_LIMIT) or (regime == "dimension" and K > DIMENSION_DEGREE_LIMIT):
            return Size(2 * ndirs, False, K, ndirs)  # ≥ 2 neurons per direction: a proved lower bound
        limit = ENUMERATION_LIMIT if regime == "accuracy" else None
        p = radial_depth2.plan(regime, d, eps, target, max_directions=limit)
        return Size(p.neurons, True, p.poly.degree, p.directions)

    def build(d: int, eps: Fraction, target, max_neurons: int = radial_depth2.DEFAULT_MAX_NEURONS) -> Network:
        if ridge(d) is ridge_average:
            return ridge_average.certified(d, Fraction(eps), target, max_neurons=min(max_neurons, ridge_average.DEFAULT_MAX_NEURONS))
        if symmetric(d, eps):
            return symmetric_ridges.certified(d, Fraction(eps), target,
                                              max_neurons=min(max_neurons, symmetric_ridges.DEFAULT_MAX_NEURONS))
        return radial_depth2.build(regime, d, eps, target, max_neurons=max_neurons)

    summary = {"dimension": "depth 2, size poly(d) at fixed ε (polarisation ridges)",
               "accuracy": "depth 2, size poly(1/ε) at fixed d (ridge average at d = 2, 3; B_d-symmetric ridges at "
                           "d = 4, 5; sphere cubature beyond)"}[regime]
    return Construction(f"depth2_{regime}", 2, regime, summary, plan, size, build)


CONSTRUCTIONS: dict[str, Construction] = {
    "depth3": Construction("depth3", 3, None, "depth 3, size poly(d, 1/ε) (sum of univariate squares)",
                           radial_depth3.plan, _depth3_size, radial_depth3.build),
    "depth2_dimension": _depth2("dimension"),
    "depth2_accuracy": _depth2("accuracy"),
}


def find(depth: int, regime: str | None = None) -> Construction:
    """The construction of the given depth (and, for depth 2, regime), or a one-line UsageError."""
    matches = [c for c in CONSTRUCTIONS.values() if c.depth == depth and (c.regime is None or c.regime == regime)]
    if not matches:
        depths = sorted({c.depth for c in CONSTRUCTIONS.values()})
        if depth not in depths:
            raise UsageError(f"--depth must be one of {', '.join(map(str, depths))}, got {depth}")
        regimes = [c.regime for c in CONSTRUCTIONS.values() if c.depth == depth]
        raise UsageError(f"unknown regime {regime!r} ({' or '.join(map(str, regimes))})")
    return matches[0]
