"""Typed reports: frozen dataclasses with ``.ok`` and ``.to_json(timings=False)``.

Every check the library runs returns one of these; the CLI renders them and ``--json`` prints
``to_json()``.  Exact numbers stay exact in the fields (Fractions, mpmath numbers); ``to_json`` turns
them into the documented text (an upper bound rounded *up* where the number is a bound).  Timings are
kept apart and left out of ``to_json()`` unless asked for, so that reports are reproducible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .exact import format_exact, upper_text


def jsonable(obj: Any) -> Any:
    """Plain JSON data from nested reports, dicts, lists, Fractions and numpy scalars."""
    if hasattr(obj, "to_json") and not isinstance(obj, type):
        return jsonable(obj.to_json())
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Fraction):
        return format_exact(obj)
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return obj.item()
    return obj


def to_json_text(obj: Any) -> str:
    """The indented JSON document the CLI prints for ``--json``."""
    return json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class Certificate:
    """A proved upper bound ``value`` of sup |N − f| over the domain, with how it was obtained."""

    value: Fraction
    method: str
    details: dict = field(default_factory=dict)  # JSON-ready terms of the bound (shells, terms, …)
    probe_levels: tuple[float, ...] = field(default=(), compare=False)  # coordinates worth sampling at
    probe_points: tuple = field(default=(), compare=False)  # points worth sampling at (box certificate)

    def to_json(self) -> dict:
        return {"available": True, "sup_error": upper_text(self.value), "method": self.method, **self.details}


@dataclass(frozen=True)
class NoCertificate:
    """The network lacks the structure every applicable certificate needs; ``reason`` says why."""

    reason: str
    value = None
    probe_levels: tuple[float, ...] = ()
    probe_points: tuple = ()

    def to_json(self) -> dict:
        return {"available": False, "reason": self.reason}


@dataclass(frozen=True)
class Sampled:
    """The worst error found at sample points: a *lower* bound of the sup error, never a proof."""

    points: int
    max_error_float64: float
    max_error_mpmath: Any  # an mpmath number at ``digits`` digits
    digits: int
    float64_minus_mpmath: float
    worst_radius: float | None
    kinds: dict
    seed: int
    #: the worst point, for anyone to re-check (``verify.witness``): exact coordinates inside the ball, N(x) exact,
    #: g(‖x‖) enclosed, and the proved lower bound ``error_at_least`` of the sup error there
    witness: dict | None = None

    @property
    def value(self) -> Fraction:
        """The high-precision worst error as an exact rational (its decimal text)."""
        return Fraction(str(self.max_error_mpmath))

    def to_json(self) -> dict:
        ctx = self.max_error_mpmath.context
        return {
            "points": self.points,
            "max_error_float64": self.max_error_float64,
            "max_error_mpmath": ctx.nstr(self.max_error_mpmath, 20),
            "mpmath_digits": self.digits,
            "float64_minus_mpmath": self.float64_minus_mpmath,
            "worst_radius": self.worst_radius,
            "kinds": self.kinds,
            "seed": self.seed,
            **({"witness": self.witness} if self.witness is not None else {}),
        }


@dataclass(frozen=True)
class RadialReport:
    """Verification of a network against a radial target (``verify``, ``radial``)."""

    certified: Certificate | NoCertificate
    sampled: Sampled
    max_abs_weight: str
    max_abs_bias: str
    a_priori: str | None
    eps: Fraction | None
    checks: dict[str, bool]
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    #: where ``a_priori`` comes from: "construction" (proved by the construction that built the network in this
    #: run) or "file" (a number stored in the file: a claim, not re-proved)
    a_priori_source: str = "construction"
    #: where ``eps`` comes from: "--eps" (the user) or "file" (the file's parameters.eps: a claim of the file)
    eps_source: str = "--eps"

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    @property
    def verdict(self) -> str:
        """One line: ``certified`` (the proved bound is ≤ ε), ``counterexample`` (a point with error > ε was
        found), ``not certified`` (neither: no proof within reach), or ``checked`` (no ε was claimed)."""
        if self.eps is None:
            return "checked"
        if not self.checks.get("empirical_le_eps", True):
            return "counterexample"
        return "certified" if self.checks.get("certified_le_eps") else "not certified"

    def to_json(self, timings: bool = False) -> dict:
        out: dict = {
            "certified": self.certified.to_json(),
            "empirical": self.sampled.to_json(),
            "weights": {"max_abs_weight": self.max_abs_weight, "max_abs_bias": self.max_abs_bias},
            "a_priori": self.a_priori,
        }
        if self.a_priori is not None:
            out["a_priori_source"] = self.a_priori_source
        lower = self.sampled.value
        upper = self.certified.value
        out["sup_error_interval"] = {
            "lower": self.sampled.to_json()["max_error_mpmath"],
            "upper": upper_text(upper) if upper is not None else None,
            "upper_over_lower": float(upper / lower) if upper is not None and lower > 0 else None,
        }
        if self.eps is not None:
            out["eps"] = format_exact(self.eps)
            out["eps_source"] = self.eps_source
        out["checks"] = dict(self.checks)
        out["ok"] = self.ok
        if self.eps is not None:
            out["verdict"] = self.verdict
        if timings:
            out["timings"] = dict(self.timings)
        return out


@dataclass(frozen=True)
class Report:
    """A report whose content is JSON-ready data with named checks (the seed experiments, transforms).

    ``data`` is the documented JSON body (its key order is the output's); ``checks`` are the named
    pass/fail results that decide the exit code; ``artifacts`` holds objects for the caller that are
    not printed (a trained network, curves for a plot).
    """

    kind: str
    data: dict
    checks: dict[str, bool] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    artifacts: dict = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    def to_json(self, timings: bool = False) -> dict:
        out = dict(self.data)
        if timings:
            out["timings"] = dict(self.timings)
        return out
