"""Rich tables for reports (stdout); no computation beyond formatting."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def table(title: str, rows: list[tuple[str, str]]):
    """Two columns of plain text (no markup: "[lower, upper]" stays as written); long values wrap onto more lines,
    never cut (an exact value of 200 digits is shown whole)."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text(title), show_header=False, title_justify="left")
    t.add_column("quantity", style="bold")
    t.add_column("value", overflow="fold")
    for k, v in rows:
        t.add_row(Text(k), Text(v))
    return t


def columns(title: str, names: tuple[str, ...], rows: list[tuple[str, ...]]):
    """A table with a header row, every column right-justified."""
    from rich.table import Table

    t = Table(title=title)
    for col in names:
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(*r)
    return t


def _num(v: Any) -> str:
    if isinstance(v, Fraction):
        f = float(v)
        return f"{f:.10g}" if v.denominator != 1 else f"{v.numerator:,}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def fmt_number(v: Any) -> str:
    """Short text for an exact or float number: small integers in full, the rest to 6 digits."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}" if abs(v) < 10**15 else f"{float(v):.6g}"
    if isinstance(v, Fraction):
        return fmt_number(v.numerator) if v.denominator == 1 else f"{float(v):.6g}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def stats_rows(stats: dict) -> list[tuple[str, str]]:
    return [
        ("depth", str(stats["depth"])),
        ("widths", " → ".join(str(w) for w in stats["widths"])),
        ("neurons (hidden)", f"{stats['neurons']:,}"),
        ("parameters (non-zero)", f"{stats['parameters_nonzero']:,}"),
        ("parameters (dense count)", f"{stats['parameters_dense']:,}"),
        ("activations", ", ".join(stats["activations"])),
        ("max |weight|", _num(stats["max_abs_weight"])),
        ("max |bias|", _num(stats["max_abs_bias"])),
    ]


def verification_rows(rep) -> list[tuple[str, str]]:
    """Rows of a :class:`~netconstruct.reports.RadialReport`."""
    data = rep.to_json()
    rows: list[tuple[str, str]] = []
    if data.get("eps") is not None:
        source = "from --eps" if data.get("eps_source") == "--eps" else "from the file's parameters.eps: its claim"
        rows.append((f"target ε checked ({source})", data["eps"]))
    if data.get("a_priori") is not None:
        label = ("a-priori bound (proved by the construction)" if data.get("a_priori_source") == "construction"
                 else "a-priori bound (stored in the file, not re-proved)")
        rows.append((label, data["a_priori"]))
    c = data["certified"]
    if c.get("available"):
        rows.append(("certified sup error (proved upper bound)", c["sup_error"]))
        rows.append(("certificate", c["method"]))
        if "boxes" in c:
            rows.append(("boxes bounded / stopped", f"{c['boxes']:,} / {c['stopped']}"))
        if "symmetry" in c:
            rows.append(("symmetry used", c["symmetry"]))
        for other in c.get("other_certificates", []):
            rows.append(("other certificate (larger)", f"{other['sup_error']}  ({other['method']})"))
        gap = data["sup_error_interval"]["upper_over_lower"]
        if gap is not None:
            rows.append(("sup error ∈ [lower, upper]", f"[{data['sup_error_interval']['lower']}, "
                                                     f"{data['sup_error_interval']['upper']}], upper/lower {gap:.4f}"))
    else:
        rows.append(("certified sup error", f"not available: {c.get('reason', '')}"))
    e = data["empirical"]
    rows.append((f"sampled max error, float64 ({e['points']:,} pts)", f"{e['max_error_float64']:.12g}"))
    rows.append((f"sampled max error, mpmath {e['mpmath_digits']} digits", e["max_error_mpmath"]))
    rows.append(("|float64 − mpmath| at worst points", f"{e['float64_minus_mpmath']:.3g}"))
    rows.append(("max |weight| (exact)", data["weights"]["max_abs_weight"]))
    for k, v in data.get("checks", {}).items():
        rows.append((k.replace("_", " "), "✔" if v else "✘ FAILED"))
    return rows
