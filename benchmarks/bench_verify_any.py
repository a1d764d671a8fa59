"""Certificates of *any* ReLU network against a radial target: trained networks and the `radial` networks.

Each row reports the interval [lower, upper] for sup_{‖x‖≤1} |N(x) − g(‖x‖)| and the time to get it:
*upper* is proved (the structural certificate where the network has that structure, and/or the box
branch and bound of `bounds.boxes.certify_any`); *lower* is the worst error found (box centres, structured points,
hill climbing, re-evaluated at 50 digits).  The baseline column runs the same branch and bound in its
CROWN-only mode — the network's CROWN bounds minus the range of g on each box's radius interval, without
the ball-aware linear bound of g(‖x‖) — under the same time budget.

The trained networks are made here, with PyTorch (fixed seeds; Adam on the MSE over points uniform in the
ball), and go through netconstruct's own .pt importer (which checks that the import evaluates like the file).

Each row runs on the machine's cores (two worker processes on the 2-core machine — what `netconstruct verify` uses
by default; ``--workers`` to change) under its time budget, with a box budget far above what the time allows; the
boxes-per-second rows run on one worker.

Run:  python benchmarks/bench_verify_any.py [--quick] [--only radial|trained|speed] [--workers N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from netconstruct.bounds.boxes import certify_any
from netconstruct.certificates import Budget
from netconstruct.constructions import radial_depth3
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def trained(d: int, widths: tuple[int, ...], seed: int, steps: int, target) -> "Network":  # noqa: F821
    """A ReLU network d → widths → 1 trained with Adam to fit g(‖x‖) on the unit ball, imported from .pt."""
    import numpy as np
    import torch

    from netconstruct.export import import_model

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    layers, n = [], d
    for w in widths:
        layers += [torch.nn.Linear(n, w, dtype=torch.float64), torch.nn.ReLU()]
        n = w
    layers.append(torch.nn.Linear(n, 1, dtype=torch.float64))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(steps):
        g = rng.standard_normal((512, d))
        x = g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random((512, 1)) ** (1 / d)
        y = target.g_float(np.linalg.norm(x, axis=1))[:, None]
        loss = ((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trained.pt"
        torch.save(model.state_dict(), path)
        return import_model(path)


#: the rows' box budget: far above what the time budgets allow, so that time is what binds (verify's default is 2·10⁶)
REGIONS = 10**8


def row(name: str, net, target, seconds: float, general: str = "auto", tol: float = 0.01, workers: int = 1) -> None:
    t0 = time.perf_counter()
    rep = verify_radial(net, target, samples=4000, workers=workers,
                        budget=Budget(seconds=seconds, general=general, tol=tol, max_regions=REGIONS))
    wall = time.perf_counter() - t0
    upper = float(rep.certified.value) if rep.certified.value is not None else float("nan")
    lower = float(rep.sampled.value)
    d = rep.certified.details
    won = f"box ({d['boxes']:,} boxes, {d['stopped']})" if "boxes" in d else "sum of univariate (shells)"
    box = certify_any(net, target, tol=tol, seconds=seconds, workers=workers, max_regions=REGIONS) if "boxes" not in d else None
    base = certify_any(net, target, tol=tol, seconds=seconds, linear_target=False, workers=workers, max_regions=REGIONS)
    box_cell = f"{box.upper:.5f} ({box.seconds:.0f} s)" if box else "(kept)"
    print(f"| {name} | {net.size:,} | {lower:.6f} | {upper:.6f} | {upper / lower:.5f} | {wall:.1f} | {won} | "
          f"{box_cell} | {base.upper:.5f} ({base.seconds:.0f} s, {base.upper / lower:.3f}) |", flush=True)


def speed(name: str, net, target, seconds: float) -> None:
    """Boxes bounded per second, one worker, and the bound reached, with and without the ball-aware bounds."""
    for label, linear in (("netconstruct", True), ("CROWN-only", False)):
        r = certify_any(net, target, tol=0.0, seconds=seconds, linear_target=linear)
        print(f"| {name}, {label} | {r.regions:,} boxes in {r.seconds:.0f} s | {r.regions / r.seconds:,.0f} boxes/s | "
              f"upper {r.upper:.5f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer training steps, shorter budgets")
    ap.add_argument("--only", choices=["radial", "trained", "speed"], help="one part of the table")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes for the rows (default: the machine's cores, as `netconstruct verify`); "
                         "the boxes-per-second rows always use one")
    args = ap.parse_args()
    from netconstruct.parallel import default_workers

    workers = args.workers or default_workers()
    sine = make_target("sine")
    q = 4 if args.quick else 1
    steps = 500 if args.quick else 3000
    if args.only in (None, "radial"):
        print("| network | neurons | lower | upper (proved) | upper/lower | s | certificate kept | box certificate alone | CROWN-only baseline (upper, s, upper/lower) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for d, knots, budget in ((2, "uniform", 5), (2, "geometric", 5), (3, "uniform", 30), (3, "geometric", 30),
                                 (5, "uniform", 120), (5, "geometric", 120)):
            net = radial_depth3.build(d, Fraction(1, 10), sine, knots=knots)
            row(f"radial d={d}, ε=0.1, {knots}", net, sine, budget / q, workers=workers)
    if args.only in (None, "trained"):
        # the rows: four small networks to a 10⁻⁴ gap in 60 s, then d = 10 and d = 50
        for d, widths, budget in ((2, (48, 24), 60), (3, (64, 64), 60), (5, (128,), 60), (2, (32, 32, 32), 60),
                                  (10, (64, 32), 120), (10, (64, 64), 300), (50, (64,), 120)):
            name = f"trained {d}→{'→'.join(map(str, widths))}→1"
            row(name, trained(d, widths, 0, steps, sine), sine, budget / q, tol=1e-4, workers=workers)
    if args.only in (None, "speed"):
        speed("trained 10→64→32→1", trained(10, (64, 32), 0, steps, sine), sine, 30 / q)


if __name__ == "__main__":
    main()
