"""Figures (matplotlib, an optional extra: ``pip install "netconstruct[plot]"``).

Every figure of the project is drawn here: the network against its radial target along rays, and
the size tables/curves of the other commands (``plot_lines``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .fileio import atomic_writer
from .export import require


#: the image formats every figure can be written as (the file's suffix chooses)
IMAGE_FORMATS = ("png", "pdf", "svg")


def check_image_file(path: str | Path | None) -> None:
    """A one-line UsageError unless ``path`` ends in one of :data:`IMAGE_FORMATS` (checked before any work)."""
    from .errors import UsageError

    if path is not None and Path(path).suffix.lower().lstrip(".") not in IMAGE_FORMATS:
        raise UsageError(f"cannot draw {path}: the file name must end in .png, .pdf or .svg")


def _pyplot():
    mpl = require("matplotlib", "plot")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_radial(net, target, out: str | Path, rays: int = 6, seed: int = 0, certified: float | None = None,
                points: int = 801, stored: bool = True) -> dict:
    """Target g(r) and N(r·u) along ``rays`` directions u (coordinate axis, diagonal, random), and the
    error N − g with the bound ``certified`` drawn as a band — labelled "stored in the file, not re-proved" when
    ``stored`` (a file's number is a claim until ``verify`` proves it), and "CONTRADICTED" when an error plotted
    along the rays exceeds it."""
    import numpy as np

    plt = _pyplot()
    d = net.input_dim
    R = float(target.radius)
    rng = np.random.default_rng(seed)
    dirs = {"axis e1": np.eye(d)[0], "diagonal": np.ones(d) / np.sqrt(d)}
    while len(dirs) < rays:
        v = rng.standard_normal(d)
        dirs[f"random {len(dirs) - 1}"] = v / np.linalg.norm(v)
    r = np.linspace(0, R, points)
    g = target.g_float(r)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    ax1.plot(r, g, color="black", lw=2.5, label="target g(r)")
    worst = 0.0
    for name, u in list(dirs.items())[:rays]:
        y = net(np.outer(r, u))[:, 0]
        ax1.plot(r, y, lw=1, label=f"network along {name}")
        err = y - g
        worst = max(worst, float(np.abs(err).max()))
        ax2.plot(r, err, lw=1, label=name)
    contradicted = certified is not None and worst > certified
    if certified is not None:
        label = (f"bound stored in the file ±{certified:.4g} (not re-proved: run verify)" if stored
                 else f"certified ±{certified:.4g}")
        if contradicted:
            label = f"{label} — CONTRADICTED: error {worst:.4g} on the rays"
        ax2.axhspan(-certified, certified, color="tab:red" if contradicted else "tab:green", alpha=0.12, label=label)
    ax1.set_ylabel("value")
    ax1.legend(fontsize=8)
    ax1.set_title(f"{net.metadata.get('construction', 'network')}: d = {d}, depth {net.depth}, {net.size:,} neurons")
    ax2.set_xlabel("r = ‖x‖")
    ax2.set_ylabel("network − target")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    with atomic_writer(out) as fh:
        fig.savefig(fh, dpi=120, format=Path(out).suffix.lstrip(".").lower() or "png")
    plt.close(fig)
    out_json = {"out": str(out), "rays": rays, "max_error_on_rays": worst}
    if certified is not None:
        out_json["band"] = {"bound": certified, "source": "file (not re-proved)" if stored else "certified in this run",
                            "contradicted_on_rays": contradicted}
    return out_json


def plot_lines(series: dict[str, tuple[Sequence[float], Sequence[float]]], out: str | Path, xlabel: str,
               ylabel: str, title: str = "", logx: bool = False, logy: bool = False,
               styles: dict[str, dict] | None = None) -> dict:
    """A simple multi-line chart (used by the separation table and training curves).

    A series is (xs, ys) or (xs, ys, error bars).  ``styles`` maps a series name to matplotlib keyword
    arguments (color, linestyle, marker)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, data in series.items():
        xs, ys = data[0], data[1]
        kw = {"marker": "o", "lw": 1.5, **((styles or {}).get(name, {}))}
        if len(data) > 2 and data[2] is not None:
            ax.errorbar(xs, ys, yerr=data[2], label=name, capsize=3, **kw)
        else:
            ax.plot(xs, ys, label=name, **kw)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_writer(out) as fh:
        fig.savefig(fh, dpi=120, format=Path(out).suffix.lstrip(".").lower() or "png")
    plt.close(fig)
    return {"out": str(out)}
