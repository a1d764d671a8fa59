r"""Trained versus constructed: the smallest network training finds that *provably* meets ε, beside the theorems'.

For a radial target f(x) = g(‖x‖) on the ball B_R, a dimension d, an accuracy ε and a depth (2: one hidden
layer d → w → 1; 3: two, d → w → w → 1), :func:`study` trains ReLU networks of growing width w (PyTorch,
float64), certifies each with the box certificate of :mod:`netconstruct.bounds.boxes` (a proof of
sup_{B_R} |N − f| ≤ upper for the network with its exact weights — the float64 tensors read exactly), and
reports the **smallest width whose certified sup error is ≤ ε**, with [lower, upper] for every width tried.

**What counts.**  A width succeeds only on a proof (upper ≤ ε).  An error > ε found at a point refutes it
(``exceeds``); an interval that straddles ε is ``not certified`` — neither is ever shown as a success.

**The width search.**  Widths double from ``start`` until one succeeds (or ``max_width`` fails), then
bisection between the last failure and the first success — on the assumption that success is monotone in
the width, which training does not guarantee; every width tried is reported, and the answer is the
smallest *certified* width among them (:func:`search_widths`, a pure function of the outcomes).

**Training recipes** (docs/trained.md says why):

* ``mse`` — Adam on the mean squared error over points uniform in the ball (what people do);
* ``minimax`` — aimed at the sup norm: the same start (MSE for the first 30% of the steps), then the L_p
  loss (mean |e|^p)^{1/p} with p growing geometrically from 4 to 64, each batch joined by a pool of *hard
  points* mined by gradient ascent of |N − g| (:mod:`netconstruct.bounds.ascent`, the certifier's own
  lower-bound search) from the batch's worst points and the origin, re-mined every 10% of the steps.

Seeds: ``seed`` fixes the sample stream, the initialisation and the order; the k-th of ``seeds`` runs per
width uses seed·1000 + k.  Training runs on one thread (the same numbers on any machine of a kind).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..errors import TooLargeError, UsageError
from ..reports import Report
from ..targets import Target

RECIPES = ("mse", "minimax")
#: training work one CPU core does per second, in multiply-adds (float64; measured ≈ 1.5·10⁹ on the 2-core machine)
MACS_PER_SECOND = 1.0e9
#: hard points kept by the minimax recipe
POOL = 256


@dataclass(frozen=True)
class Recipe:
    """How one network is trained: ``name`` in :data:`RECIPES`, Adam steps, learning rate, batch size."""

    name: str = "minimax"
    steps: int = 3000
    lr: float = 3e-3
    batch: int = 512

    def to_json(self) -> dict:
        text = {"mse": "Adam on the mean squared error, points uniform in the ball, cosine learning rate",
                "minimax": "Adam: MSE for 30% of the steps, then (mean |e|^p)^(1/p) with p from 4 to 64, each batch "
                           f"joined by up to {POOL} hard points mined by gradient ascent of |N - g|; cosine learning rate"}
        return {"name": self.name, "steps": self.steps, "lr": self.lr, "batch": self.batch, "description": text[self.name]}


def parameters(d: int, depth: int, width: int) -> int:
    """Weights and biases of d → width (→ width) → 1."""
    return (d + 1) * width + (width + 1) * width * (depth - 2) + width + 1


def estimate_seconds(d: int, depth: int, width: int, recipe: Recipe) -> float:
    """Training time of one network: steps × points × parameters × 3 (forward and backward) / :data:`MACS_PER_SECOND`,
    plus a fixed 0.3 ms a step of framework overhead."""
    points = recipe.batch + (POOL if recipe.name == "minimax" else 0)
    return recipe.steps * (points * parameters(d, depth, width) * 3 / MACS_PER_SECOND + 3e-4)


def _ball_points(rng, n: int, d: int, R: float):
    import numpy as np

    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True) * R * rng.random((n, 1)) ** (1 / d)


def _model(torch, d: int, depth: int, width: int):
    layers, n = [], d
    for _ in range(depth - 1):
        layers += [torch.nn.Linear(n, width, dtype=torch.float64), torch.nn.ReLU()]
        n = width
    layers.append(torch.nn.Linear(n, 1, dtype=torch.float64))
    return torch.nn.Sequential(*layers)


def _pieces(model):
    """(W, b, activation) in float64 numpy for :func:`netconstruct.export.network_from_pieces`."""
    linear = [m for m in model if hasattr(m, "weight")]
    return [(m.weight.detach().cpu().numpy().astype(float), m.bias.detach().cpu().numpy().astype(float),
             "relu" if i < len(linear) - 1 else "identity") for i, m in enumerate(linear)]


def _layers(pieces) -> tuple:
    """(weights, biases, relu flags of the hidden layers): the form :mod:`netconstruct.bounds.ascent` takes."""
    return [w for w, _, _ in pieces], [b for _, b, _ in pieces], [a == "relu" for _, _, a in pieces[:-1]]


def train(d: int, depth: int, width: int, target: Target, seed: int = 0, recipe: Recipe = Recipe(),
          device: str = "cpu"):
    """One trained network (:class:`netconstruct.network.Network`, its float64 weights read exactly)."""
    import numpy as np

    from ..bounds.ascent import ascend, forward
    from ..export import network_from_pieces, require

    torch = require("torch", "torch")
    R = float(target.radius)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _model(torch, d, depth, width).to(device)
        rng = np.random.default_rng(seed)
        opt = torch.optim.Adam(model.parameters(), lr=recipe.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, recipe.steps)
        warm = int(0.3 * recipe.steps) if recipe.name == "minimax" else recipe.steps
        mine_every = max(1, recipe.steps // 10)
        pool = np.zeros((0, d))
        for t in range(recipe.steps):
            X = _ball_points(rng, recipe.batch, d, R)
            if t >= warm and (t - warm) % mine_every == 0:
                with torch.no_grad():
                    layers = _layers(_pieces(model))

                def errors(Y):
                    return np.abs(forward(*layers, Y, gradient=False)[0] - target.g_float(np.linalg.norm(Y, axis=1)))

                probe = np.vstack([_ball_points(rng, 2048, d, R), np.zeros((1, d)), pool])
                worst = probe[np.argsort(-errors(probe), kind="stable")[:32]]
                pool = np.vstack([pool, ascend(*layers, target, worst, steps=40)[0]])  # the certifier's own search
                pool = pool[np.argsort(-errors(pool), kind="stable")[:POOL]]
            if len(pool):
                X = np.vstack([X, pool])
            x = torch.from_numpy(X).to(device)
            y = torch.from_numpy(target.g_float(np.linalg.norm(X, axis=1))[:, None]).to(device)
            e = model(x) - y
            if t < warm:
                loss = (e * e).mean()
            else:
                p = 4.0 * 16.0 ** ((t - warm) / max(1, recipe.steps - warm - 1))
                a = e.abs()
                m = a.max().detach() + 1e-300
                loss = m * ((a / m) ** p).mean() ** (1.0 / p)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        return network_from_pieces(_pieces(model), where="trained model")
    finally:
        torch.set_num_threads(threads)


#: the certificate's budget per network, in boxes: a count, so that the table does not depend on the machine's speed.
#: A certificate stops as soon as it proves ≤ ε or finds an error > ε; only undecided networks spend it all (at d = 5
#: the networks near ε needed 0.5–1.2 million boxes, ≤ 19 s each; 300,000, the earlier default, decided none of
#: them; docs/trained.md)
CERTIFY_BOXES = 2_000_000


def certify_trained(net, target: Target, eps: Fraction, seconds: float, workers: int | None = 1,
                    boxes: int = CERTIFY_BOXES) -> dict:
    """The box certificate of ``net``, stopped as soon as upper ≤ ε or an error > ε is found: {status, lower,
    upper, worst_point, boxes, seconds, stopped}.  ``status``: ``certified`` (upper ≤ ε: a proof), ``exceeds`` (an
    error > ε found at a point of the ball), ``not certified`` (the budget ran out with lower ≤ ε < upper).  The
    budget is ``boxes`` (reproducible) and, as a safety cap, ``seconds`` (a run stopped by time says so: then
    the entry depends on the machine's speed)."""
    from ..bounds.boxes import certify_any

    # no relative stopping gap: the question is only "≤ ε or not", so an interval that straddles ε is narrowed until
    # one side wins or the budget is spent ("not certified" means the budget ran out, never a gap small enough)
    res = certify_any(net, target, tol=0.0, stop_below=float(eps), seconds=seconds, workers=workers,
                      max_regions=boxes)
    if Fraction(res.upper) <= eps:
        status = "certified"
    elif Fraction(res.lower) > eps:
        status = "exceeds"
    else:
        status = "not certified"
    return {"status": status, "lower": res.lower, "upper": res.upper, "worst_point": list(res.worst_point),
            "boxes": res.regions, "certify_stopped": res.stopped, "certify_seconds": round(res.seconds, 3)}


def search_widths(outcome: Callable[[int], bool], start: int = 2, max_width: int = 256) -> tuple[int | None, list[int]]:
    """(the smallest width w with ``outcome(w)`` true among those tried, the widths tried in order).

    Doubling from ``start`` until a success or ``max_width`` (the last try is ``max_width`` itself), then
    bisection between the last failure (0 when ``start`` itself succeeds) and the first success.  ``outcome`` is called once per width."""
    if not (1 <= start <= max_width):
        raise UsageError(f"need 1 ≤ start width ≤ max width, got {start} and {max_width}")
    tried: list[int] = []
    seen: dict[int, bool] = {}

    def ok(w: int) -> bool:
        if w not in seen:
            seen[w] = bool(outcome(w))
            tried.append(w)
        return seen[w]

    lo, w = 0, start  # lo: the largest width known to fail (0: none)
    while not ok(w):
        lo = w
        if w >= max_width:
            return None, tried
        w = min(2 * w, max_width)
    hi = w
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi, tried


def constructed_sizes(d: int, eps: Fraction, target: Target) -> dict:
    """Neurons of the theorems' networks for (d, ε): {construction label: {neurons, exact}} (planned sizes)."""
    from ..constructions import CONSTRUCTIONS

    out = {}
    for key, c in CONSTRUCTIONS.items():
        try:
            s = c.size(d, eps, target)
            out[key] = {"label": c.label, "depth": c.depth, "neurons": s.neurons, "exact": bool(s.exact)}
        except (TooLargeError, UsageError) as exc:
            out[key] = {"label": c.label, "depth": c.depth, "neurons": None, "exact": False, "note": str(exc)}
    return out


def study(d: int, epss: list[Fraction], target: Target, depths=(2, 3), recipe: Recipe = Recipe(), seeds: int = 2,
          seed: int = 0, start: int = 2, max_width: int = 128, widths: list[int] | None = None,
          certify_seconds: float = 300.0, device: str = "cpu", workers: int | None = 1,
          progress: Callable[[str], None] = lambda s: None, keep_networks: bool = False,
          boxes: int = CERTIFY_BOXES) -> Report:
    """The study of the module docstring for every ε in ``epss`` and depth in ``depths``.  ``widths`` (a list)
    replaces the doubling search: every width in it is tried, in order, until one is certified.  ``boxes``: each
    certificate's budget (:func:`certify_trained`)."""
    rows, networks = [], {}
    t_all = time.monotonic()
    for eps in epss:
        eps = Fraction(eps)
        sizes = constructed_sizes(d, eps, target)
        for depth in depths:
            entries: dict[int, dict] = {}

            def outcome(w: int) -> bool:
                best = None
                for k in range(seeds):
                    s = seed * 1000 + k
                    progress(f"ε = {float(eps):g}, depth {depth}: width {w}, seed {s} — training")
                    t0 = time.monotonic()
                    net = train(d, depth, w, target, s, recipe, device)
                    train_s = time.monotonic() - t0
                    progress(f"ε = {float(eps):g}, depth {depth}: width {w}, seed {s} — certifying")
                    cert = certify_trained(net, target, eps, certify_seconds, workers, boxes)
                    entry = {"width": w, "neurons": net.size, "seed": s, **cert, "train_seconds": round(train_s, 3)}
                    rank = (entry["status"] != "certified", entry["upper"])
                    if best is None or rank < best[0]:
                        best = (rank, entry, net)
                    if entry["status"] == "certified":
                        break  # a proof for this width: the other seeds cannot do better than "certified"
                entries[w] = best[1]
                if keep_networks:
                    networks[(float(eps), depth, w)] = best[2]
                return best[1]["status"] == "certified"

            if widths:
                found = None
                for w in widths:
                    if outcome(w):
                        found = w
                        break
                order = [w for w in widths if w in entries]
            else:
                found, order = search_widths(outcome, start, max_width)
            smallest = entries[found] if found is not None else None
            rows.append({
                "eps": float(eps), "depth": depth,
                "smallest_certified_width": found,
                "smallest_certified_neurons": smallest["neurons"] if smallest else None,
                "tried": [entries[w] for w in order],
                "constructed": sizes,
                "constructed_over_trained": {k: (v["neurons"] / smallest["neurons"] if smallest and v["neurons"] else None)
                                             for k, v in sizes.items()},
            })
    data = {
        "setup": {"d": d, "target": target.name or target.expression, "expression": target.expression,
                  "radius": str(target.radius), "eps": [float(e) for e in epss], "depths": list(depths), "seeds": seeds,
                  "seed": seed, "device": device, "certify_seconds": certify_seconds, "certify_boxes": boxes},
        "recipe": recipe.to_json(),
        "rows": rows,
    }
    checks = {"every reported success is certified (upper ≤ ε)":
              all(r["smallest_certified_width"] is None or
                  any(t["width"] == r["smallest_certified_width"] and t["status"] == "certified" and t["upper"] <= r["eps"]
                      for t in r["tried"]) for r in rows)}
    return Report("trained_vs_constructed", data, checks, {"total_s": time.monotonic() - t_all},
                  {"networks": networks})


def plot_series(rows: list[dict]) -> tuple[dict, dict]:
    """(series, styles) for :func:`netconstruct.plot.plot_lines`: neurons vs 1/ε, one line per construction (exact
    sizes only) and one per trained depth (the smallest certified width found)."""
    series, styles = {}, {}
    epss = sorted({r["eps"] for r in rows}, reverse=True)
    keys = list(rows[0]["constructed"]) if rows else []
    for key in keys:
        pts = []
        for e in epss:
            r = next(r for r in rows if r["eps"] == e)
            n = r["constructed"][key]["neurons"]
            if n and r["constructed"][key]["exact"]:  # a lower bound ("≥") is not a size to draw
                pts.append((1 / e, float(n)))
        if pts:
            label = rows[0]["constructed"][key]["label"] + " (constructed)"
            series[label] = ([p[0] for p in pts], [p[1] for p in pts])
            styles[label] = {"linestyle": "--"}
    for depth in sorted({r["depth"] for r in rows}):
        pts = [(1 / r["eps"], float(r["smallest_certified_neurons"])) for r in rows
               if r["depth"] == depth and r["smallest_certified_neurons"]]
        if pts:
            label = f"depth {depth} (trained, certified)"
            series[label] = (sorted(p[0] for p in pts), [p[1] for p in sorted(pts)])
            styles[label] = {"linestyle": "-", "lw": 2.5}
    return series, styles


def check_arguments(d: int, depths, seeds: int, start: int, max_width: int, widths, recipe: Recipe,
                    certify_seconds: float, max_minutes: float, certify_boxes: int = CERTIFY_BOXES) -> float:
    """Refuse bad arguments (UsageError, exit 2) and a study whose estimated training time exceeds ``max_minutes``
    (TooLargeError, exit 1).  Returns the estimated training seconds of the worst case (every width, every seed)."""
    if recipe.name not in RECIPES:
        raise UsageError(f"unknown recipe {recipe.name!r} (use {', '.join(RECIPES)})")
    if not 1 <= d <= 1000:
        raise UsageError(f"--d must be in 1..1000, got {d}")
    if not depths or any(k not in (2, 3) for k in depths):
        raise UsageError(f"--depth takes 2 and/or 3, got {depths}")
    if not 1 <= seeds <= 100:
        raise UsageError(f"--seeds must be in 1..100, got {seeds}")
    if not 1 <= recipe.steps <= 10**6 or not 1 <= recipe.batch <= 10**6:
        raise UsageError(f"--steps and --batch must be in 1..10^6, got {recipe.steps} and {recipe.batch}")
    if not (recipe.lr > 0 and math.isfinite(recipe.lr)):
        raise UsageError(f"--lr must be a positive number, got {recipe.lr}")
    if not (certify_seconds > 0 and math.isfinite(certify_seconds)):
        raise UsageError(f"--certify-seconds must be positive, got {certify_seconds}")
    if not 1 <= certify_boxes <= 10**9:
        raise UsageError(f"--certify-boxes must be in 1..10^9, got {certify_boxes}")
    ws = list(widths) if widths else []
    if any(w < 1 or w > 100_000 for w in ws) or not 1 <= start <= max_width <= 100_000:
        raise UsageError("widths must be in 1..100000 (and --start-width ≤ --max-width)")
    if not ws:
        w = start
        while True:
            ws.append(w)
            if w >= max_width:
                break
            w = min(2 * w, max_width)
    per_depth = [sum(estimate_seconds(d, k, w, recipe) for w in ws) * seeds for k in depths]
    total = sum(per_depth)
    memory = max(4 * 8 * (recipe.batch + POOL) * max(ws) * max(depths) + 8 * parameters(d, max(depths), max(ws)) * 4, 1)
    if memory > 8 * 2**30:
        raise TooLargeError(f"training would hold about {memory / 2**30:.1f} GiB of activations and parameters")
    if total > max_minutes * 60:
        raise TooLargeError(f"training every width and seed is estimated at {total / 60:.1f} min "
                            f"(> --max-minutes {max_minutes:g}): fewer widths, seeds or steps")
    return total
