"""What every certificate module shares: its failure type and its one interface.

A certificate is a function ``certify(net, target) -> Certificate`` (see :mod:`netconstruct.reports`)
whose value is a *proved* upper bound of sup_{‖x‖≤R} |N(x) − g(‖x‖)|, or which raises
:class:`NotCertifiable` naming the structure the network lacks.
"""

from __future__ import annotations

from typing import Callable

from ..errors import NotCertifiable
from ..network import Network
from ..reports import Certificate

__all__ = ["Certifier", "NotCertifiable"]


Certifier = Callable[[Network, object], Certificate]
