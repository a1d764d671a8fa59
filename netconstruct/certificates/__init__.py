"""Certificates: proved upper bounds of sup_{‖x‖≤R} |N(x) − g(‖x‖)|, one module per certificate.

``CERTIFIERS`` maps a construction's name (``metadata.construction``) to the certificate that knows its
structure; a network with no entry — trained, imported, hand-written — gets the structural
certificate ``DEFAULT``, which recognises any depth-3 "sum of univariate pieces" network.
``GENERAL`` (:mod:`.general`, box branch and bound) certifies *any* ReLU network: it runs where no
structural certificate applies and, for low input dimension, beside one — :func:`certify` reports the
smaller proved bound (``Budget`` says what it may spend).
``REFUSED`` names constructions that are checked some other way, with the message to show.

Adding a certificate: one module with ``certify(net, target, budget=None) -> Certificate`` (raising
:class:`NotCertifiable` when the network lacks its structure) and one line here.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import FormatError, NetconstructError, TooLargeError, UsageError
from ..network import Network
from ..reports import Certificate, NoCertificate
from . import general, ridges, sum_of_univariate
from .base import Budget, Certifier, NotCertifiable

DEFAULT: Certifier = sum_of_univariate.certify
GENERAL = general.certify

CERTIFIERS: dict[str, Certifier] = {
    "radial_depth3": sum_of_univariate.certify,
    "radial_depth2": ridges.certify,
    "ridge_average": lambda net, target, budget=None: GENERAL(net, target),  # certified by the general one (at build too)
    "symmetric_ridges": lambda net, target, budget=None: GENERAL(net, target),  # the general one, on the fundamental domain
}

REFUSED: dict[str, str] = {
    "bound_weights": (
        "a bound-weights network is checked against its source network: run "
        "`netconstruct bound-weights SOURCE.json` (its stored report is under metadata.verification)"
    ),
}


#: the gap at which the general certificate stops when it runs beside a structural one (``--general auto``, d ≤ 3):
#: the structural proof is already there, and a tighter gap costs up to the whole --time budget
BESIDE_TOL = 0.01


def construction_of(net: Network) -> str | None:
    """The construction named in the network's metadata, if any."""
    name = net.metadata.get("construction")
    return name if isinstance(name, str) else None


def ensure_certifiable(net: Network) -> None:
    """Raise :class:`UsageError` for a network that is verified another way (see ``REFUSED``)."""
    name = construction_of(net)
    if name in REFUSED:
        raise UsageError(REFUSED[name])


def check_metadata(net: Network) -> None:
    """Refuse (FormatError, exit 1) metadata that a structural certificate would trust and that contradicts the
    network: ``parameters`` that is not an object, or a ``parameters.d`` other than the network's inputs."""
    params = net.metadata.get("parameters")
    if params is None:
        return
    if not isinstance(params, dict):
        raise FormatError(f"metadata does not match the network: 'parameters' must be an object, got "
                          f"{type(params).__name__}")
    d = params.get("d")
    if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d != net.input_dim):
        raise FormatError(f"metadata does not match the network: parameters.d = {str(d)[:20]} but the network has "
                          f"{net.input_dim} inputs")


def _structural(net: Network, target, budget: Budget | None = None) -> Certificate:
    """The structural certificate; metadata it cannot read (a key missing, a wrong type) is a bad file."""
    try:
        return certifier_for(net)(net, target, budget)
    except (NotCertifiable, NetconstructError):
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)[:200]
        raise FormatError(f"metadata does not match the network ({construction_of(net)}): {what}") from None


def certifier_for(net: Network) -> Certifier:
    return CERTIFIERS.get(construction_of(net) or "", DEFAULT)


def certify(net: Network, target, budget: Budget | None = None) -> Certificate | NoCertificate:
    """The smallest proved bound of ``net`` against ``target`` among its structural certificate and the
    general one (run as ``budget.general`` says), or the reasons there is none."""
    ensure_certifiable(net)
    check_metadata(net)
    b = budget or Budget()
    general_only = construction_of(net) in ("ridge_average", "symmetric_ridges")
    found: list[Certificate] = []
    reasons: list[str] = []
    if not general_only:
        try:
            found.append(_structural(net, target, b))
        except NotCertifiable as exc:
            reasons.append(str(exc))
    wanted = b.general == "always" or general_only or (
        b.general == "auto" and (not found or net.input_dim <= b.general_dims))
    if wanted and b.general != "never":
        side = b
        if found and b.general == "auto":  # beside a structural proof (d ≤ 3): a second opinion, at a 1% gap at most
            side = replace(b, tol=max(b.tol, BESIDE_TOL))
        try:
            found.append(GENERAL(net, target, side))
        except (NotCertifiable, TooLargeError) as exc:  # too large for the box certificate: not a failure of the run
            reasons.append(str(exc))
    if not found:
        return NoCertificate("; ".join(reasons))
    best = min(found, key=lambda c: c.value)
    others = [c for c in found if c is not best]
    if others:
        details = {**best.details, "other_certificates": [{"method": c.method, "sup_error": c.to_json()["sup_error"]}
                                                          for c in others]}
        probes = best.probe_levels or others[0].probe_levels
        points = best.probe_points + tuple(p for c in others for p in c.probe_points)
        best = Certificate(best.value, best.method, details, probes, points)
    return best


__all__ = ["CERTIFIERS", "DEFAULT", "GENERAL", "REFUSED", "Budget", "Certificate", "NoCertificate", "NotCertifiable",
           "certify", "certifier_for", "ensure_certifiable"]
