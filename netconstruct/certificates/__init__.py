"""Certificates: proved upper bounds of sup_{‖x‖≤R} |N(x) − g(‖x‖)|, one module per certificate.

``CERTIFIERS`` maps a construction's name (``metadata.construction``) to the certificate that knows its
structure; a network with no entry — trained, imported, hand-written — gets the structural
certificate ``DEFAULT``, which recognises any depth-3 "sum of univariate pieces" network.
``REFUSED`` names constructions that are checked some other way, with the message to show.

Adding a certificate: one module with ``certify(net, target) -> Certificate`` (raising
:class:`NotCertifiable` when the network lacks its structure) and one line here.
"""

from __future__ import annotations

from ..errors import UsageError
from ..network import Network
from ..reports import Certificate, NoCertificate
from . import ridges, sum_of_univariate
from .base import Certifier, NotCertifiable

DEFAULT: Certifier = sum_of_univariate.certify

CERTIFIERS: dict[str, Certifier] = {
    "radial_depth3": sum_of_univariate.certify,
    "radial_depth2": ridges.certify,
}

REFUSED: dict[str, str] = {
    "bound_weights": (
        "a bound-weights network is checked against its source network: run "
        "`netconstruct bound-weights SOURCE.json` (its stored report is under metadata.verification)"
    ),
}


def construction_of(net: Network) -> str | None:
    """The construction named in the network's metadata, if any."""
    name = net.metadata.get("construction")
    return name if isinstance(name, str) else None


def ensure_certifiable(net: Network) -> None:
    """Raise :class:`UsageError` for a network that is verified another way (see ``REFUSED``)."""
    name = construction_of(net)
    if name in REFUSED:
        raise UsageError(REFUSED[name])


def certifier_for(net: Network) -> Certifier:
    return CERTIFIERS.get(construction_of(net) or "", DEFAULT)


def certify(net: Network, target) -> Certificate | NoCertificate:
    """The registered certificate of ``net`` against ``target``, or the reason there is none."""
    ensure_certifiable(net)
    try:
        return certifier_for(net)(net, target)
    except NotCertifiable as exc:
        return NoCertificate(str(exc))


__all__ = ["CERTIFIERS", "DEFAULT", "REFUSED", "Certificate", "NoCertificate", "NotCertifiable", "certify",
           "certifier_for", "ensure_certifiable"]
