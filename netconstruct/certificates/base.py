"""What every certificate module shares: its failure type and its one interface.

A certificate is a function ``certify(net, target, budget=None) -> Certificate`` (see :mod:`netconstruct.reports`)
whose value is a *proved* upper bound of sup_{‖x‖≤R} |N(x) − g(‖x‖)|, or which raises
:class:`NotCertifiable` naming the structure the network lacks; ``budget`` (a :class:`Budget`) says what it may
spend and where it may run its pieces (``workers``), and never changes the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import NotCertifiable
from ..network import Network
from ..reports import Certificate

__all__ = ["Budget", "Certifier", "NotCertifiable"]


@dataclass(frozen=True)
class Budget:
    """What the general (box) certificate may spend, and when it should stop.

    ``general``: "auto" runs it where no structural certificate applies and, in addition, for inputs of
    dimension ≤ ``general_dims`` (the smaller bound wins); "always" / "never" as they say.  The search
    stops when the bound is within ``tol`` (relative) plus ``atol`` (absolute) of the worst error found
    (upper ≤ lower·(1 + tol) + atol), below ``stop_below``,
    or when ``max_regions`` boxes or ``seconds`` are spent (a box budget keeps outputs reproducible;
    the time limit is a safety net; ``max_memory`` caps the bytes of its live boxes, default half of RAM).
    ``workers`` / ``scheduler``: where each step's boxes are bounded (:mod:`netconstruct.parallel`; the same
    bounds on any backend)."""

    max_regions: int = 2_000_000
    seconds: float = 120.0
    tol: float = 1e-3
    atol: float = 0.0
    stop_below: float | None = None
    general: str = "auto"
    general_dims: int = 3
    progress: Callable[[str], None] | None = None
    workers: int | None = 1
    scheduler: str | None = None
    max_memory: int | None = None


Certifier = Callable[..., Certificate]  # structural certificates: (net, target, budget=None)
