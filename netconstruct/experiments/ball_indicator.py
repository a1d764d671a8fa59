r"""Ball indicators with two layers of sigmoids, trained by gradient descent on the output layer.

Safran & Lee, "Optimization-Based Separations for Neural Networks" (COLT 2022): for radial data
satisfying mild assumptions, gradient descent efficiently learns x ↦ 1{‖x‖ ≤ r} with a depth-2 network
that has **two layers of sigmoidal activations** and a hidden layer **held fixed**; with a single layer
of non-linearities (linear output) standard GD cannot beat a constant on their hard distributions.

Network (``--hidden coordinate``, the issue's reading; ``--hidden random`` is the random-feature
reading of the paper's abstract):

    N_u(x) = σ(u₀ + Σ_j u_j φ_j(x)),   φ = the fixed hidden layer.

*Coordinate hidden layer.*  ψ(s) = Σ_{k=1}^m Δ_k [σ(a(s − t_k)) + σ(a(−s − t_k))], t_k = (k − ½)δ,
δ = B/m, Δ_k = (2k − 1)δ², a = steepness/δ: a sigmoid-smoothed staircase equal to s² at the step centres
jδ up to exponentially small tails.  Σ_i ψ(x_i) ≈ ‖x‖²; :func:`square_error_bound` gives a proved
bound of sup_{|s|≤B} |ψ(s) − s²| (grid values in float64 with a rigorous Lipschitz slack, then the 5 worst
points in mpmath).  With u* = −β·(Δ_k per feature), u₀* = βr², N_{u*}(x) = σ(β(r² − Σψ(x_i))) ≈ 1{‖x‖ ≤ r}.

*Training.*  Full-batch gradient descent on the squared loss, only u (u₀ included), from u = 0.
*Baseline.*  A network with one layer of non-linearities, x ↦ v·σ(Wx + b) + c, of the same width,
trained end to end by full-batch GD on the same samples.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
import numpy as np

from ..errors import UsageError

DISTRIBUTIONS = ("uniform-radius", "gaussian-shell", "heavy-tailed")


def sigmoid(z):
    from scipy.special import expit

    return expit(z)


def sample(dist: str, d: int, n: int, r: float, rng) -> np.ndarray:
    """Radial laws: the radius law is all that differs; directions are uniform.

    * ``uniform-radius``: ‖x‖ ~ U[0, 2r] (half the mass inside the ball, density bounded near ‖x‖ = r);
    * ``gaussian-shell``: ‖x‖ ~ |N(r, (r/4)²)| (mass concentrated around the sphere, the hard region);
    * ``heavy-tailed``: ‖x‖ = r·|t₃|·(ln 2 / median), a Student-t radius with median r (unbounded support).
    """
    g = rng.standard_normal((n, d))
    u = g / np.linalg.norm(g, axis=1, keepdims=True)
    if dist == "uniform-radius":
        rad = rng.uniform(0, 2 * r, n)
    elif dist == "gaussian-shell":
        rad = np.abs(rng.normal(r, r / 4, n))
    elif dist == "heavy-tailed":
        t = np.abs(rng.standard_t(3, n))
        rad = r * t / np.median(np.abs(rng.standard_t(3, 200_001)))
    else:
        raise UsageError(f"unknown distribution {dist!r} ({', '.join(DISTRIBUTIONS)})")
    return u * rad[:, None]


@dataclass(frozen=True)
class Hidden:
    W: np.ndarray  # (H, d)
    b: np.ndarray  # (H,)
    u_star: np.ndarray  # (H,) output weights with Σ u*_j φ_j ≈ −‖x‖² (coordinate mode), else zeros
    kind: str
    meta: dict

    def features(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(X @ self.W.T + self.b)


def coordinate_hidden(d: int, m: int, B: float, steepness: float = 4.0) -> Hidden:
    delta = B / m
    a = steepness / delta
    t = (np.arange(1, m + 1) - 0.5) * delta
    dk = (2 * np.arange(1, m + 1) - 1) * delta**2
    W = np.zeros((2 * d * m, d))
    b = np.zeros(2 * d * m)
    u = np.zeros(2 * d * m)
    j = 0
    for i in range(d):
        for s in (1.0, -1.0):
            W[j : j + m, i] = s * a
            b[j : j + m] = -a * t
            u[j : j + m] = -dk
            j += m
    return Hidden(W, b, u, "coordinate", {"m": m, "B": B, "steepness": steepness, "delta": delta})


def random_hidden(d: int, width: int, r: float, rng) -> Hidden:
    g = rng.standard_normal((width, d))
    W = g / np.linalg.norm(g, axis=1, keepdims=True) * (4.0 / r)
    b = rng.uniform(-8.0, 8.0, width)
    return Hidden(W, b, np.zeros(width), "random", {"width": width})


def psi(s: np.ndarray, m: int, B: float, steepness: float) -> np.ndarray:
    delta = B / m
    a = steepness / delta
    t = (np.arange(1, m + 1) - 0.5) * delta
    dk = (2 * np.arange(1, m + 1) - 1) * delta**2
    s = np.asarray(s, dtype=float)[..., None]
    return (dk * (sigmoid(a * (s - t)) + sigmoid(a * (-s - t)))).sum(-1)


def square_error_bound(m: int, B: float, steepness: float, grid: int = 200_001) -> dict:
    """A bound of sup_{|s|≤B} |ψ(s) − s²|: max over a grid of spacing h plus L·h/2, with L ≥ |(ψ − s²)'|
    = |Σ Δ_k a σ'(…) ± …| + 2B ≤ Σ Δ_k·a/4·2 + 2B; the float64 grid values are re-checked in mpmath."""
    import mpmath

    s = np.linspace(0, B, grid)  # ψ − s² is even
    err = np.abs(psi(s, m, B, steepness) - s * s)
    delta = B / m
    a = steepness / delta
    dk = (2 * np.arange(1, m + 1) - 1) * delta**2
    lip = float(dk.sum() * a / 2 + 2 * B)
    h = s[1] - s[0]
    worst = np.argsort(-err)[:5]
    ctx = mpmath.MPContext()
    ctx.dps = 30
    mp_err = 0.0
    for i in worst:
        x = ctx.mpf(float(s[i]))
        val = sum(
            ctx.mpf(float(dk[k])) * (1 / (1 + ctx.exp(-a * (x - (k + 0.5) * delta))) + 1 / (1 + ctx.exp(-a * (-x - (k + 0.5) * delta))))
            for k in range(m)
        )
        mp_err = max(mp_err, float(abs(val - x * x)))
    sup = max(float(err.max()), mp_err) + lip * h / 2 + 1e-12
    return {"sup_error": sup, "grid_max": float(err.max()), "mpmath_max_at_worst": mp_err, "lipschitz_slack": lip * h / 2}


def train_output_layer(F: np.ndarray, y: np.ndarray, steps: int, lr: float, Fte=None, yte=None, log_every: int = 50, progress=None):
    """GD on u (with bias) for mean (σ(F u + u₀) − y)², from u = 0.  Returns (u, u0, history)."""
    n, H = F.shape
    u = np.zeros(H)
    u0 = 0.0
    hist = []
    for t in range(steps + 1):
        if t % log_every == 0 or t == steps:
            hist.append((t, *_metrics(sigmoid(F @ u + u0), y), *(_metrics(sigmoid(Fte @ u + u0), yte) if Fte is not None else (None, None))))
            if progress:
                progress(t)
        if t == steps:
            break
        p = sigmoid(F @ u + u0)
        g = 2 * (p - y) * p * (1 - p) / n
        u -= lr * (F.T @ g)
        u0 -= lr * g.sum()
    return u, u0, hist


def train_one_layer(X, y, width: int, steps: int, lr: float, rng, Xte=None, yte=None, log_every: int = 50, progress=None):
    """Baseline x ↦ v·σ(Wx + b) + c (one layer of non-linearities), all parameters by full-batch GD."""
    n, d = X.shape
    W = rng.standard_normal((width, d)) / np.sqrt(d)
    b = rng.standard_normal(width)
    v = rng.standard_normal(width) / np.sqrt(width)
    c = 0.5
    hist = []
    for t in range(steps + 1):
        if t % log_every == 0 or t == steps:
            pred = sigmoid(X @ W.T + b) @ v + c
            pte = sigmoid(Xte @ W.T + b) @ v + c if Xte is not None else None
            hist.append((t, *_metrics(pred, y), *(_metrics(pte, yte) if Xte is not None else (None, None))))
            if progress:
                progress(t)
        if t == steps:
            break
        Hh = sigmoid(X @ W.T + b)
        pred = Hh @ v + c
        g = 2 * (pred - y) / n
        gv = Hh.T @ g
        gc = g.sum()
        gH = np.outer(g, v) * Hh * (1 - Hh)
        W -= lr * (gH.T @ X)
        b -= lr * gH.sum(0)
        v -= lr * gv
        c -= lr * gc
    return hist


def _metrics(pred, y):
    if y is None:
        return (None, None)
    return float(np.mean((pred - y) ** 2)), float(np.mean((pred >= 0.5) != (y >= 0.5)))


def trained_network(hid: Hidden, u: np.ndarray, u0: float, metadata: dict):
    """The trained two-sigmoid-layer network as a :class:`~netconstruct.network.Network`
    (float weights taken at their exact binary values)."""
    from fractions import Fraction as Fr

    from ..matrix import Coo
    from ..network import Layer, Network

    H = hid.W.shape[0]
    rows, cols = np.nonzero(hid.W)
    W1 = Coo.from_triplets(hid.W.shape, rows.tolist(), cols.tolist(), [Fr(float(v)) for v in hid.W[rows, cols]])
    W2 = Coo.from_triplets((1, H), [0] * H, range(H), [Fr(float(v)) for v in u])
    return Network((Layer(W1, tuple(Fr(float(v)) for v in hid.b), "sigmoid"), Layer(W2, (Fr(float(u0)),), "sigmoid")),
                   metadata)


#: multiply-adds one `ball` run may cost (≈ 10 minutes on one core); docs/reliability.md
MAX_WORK = 2 * 10**12


def study(d: int = 20, radius: float = 1.0, width: int = 8, hidden: str = "coordinate", train_steps: int = 1000,
          dist: str = "uniform-radius", samples: int = 6000, lr: float = 2.0, baseline_lrs: tuple[float, ...] = (0.1, 0.5),
          seed: int = 0, progress=None):
    """The whole experiment: sample train/test sets, GD on the output layer of the two-sigmoid-layer
    network, GD on the one-layer baseline for each step size (the best is kept).

    Returns a :class:`~netconstruct.reports.Report` (kind ``ball``) whose ``artifacts`` hold the trained
    ``network`` and the test-error ``curves``.  ``progress(done, total, description)`` is called as GD runs.
    """
    from ..reports import Report

    numbers = [radius, lr, *baseline_lrs]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in numbers):
        raise UsageError(f"--radius, --lr and --baseline-lrs must be finite and > 0, got {', '.join(map(repr, numbers))}")
    if d <= 0 or width <= 0 or train_steps <= 0 or samples < 100 or d > 10**5 or width > 10**5:
        raise UsageError("--d, --width, --train-steps must be positive (--d, --width ≤ 100,000) and --samples ≥ 100")
    work = train_steps * samples * 2 * d * width * (1 + len(baseline_lrs))
    if work > MAX_WORK:
        raise UsageError(f"{train_steps:,} steps × {samples:,} samples × {2 * d * width:,} hidden units × "
                         f"{1 + len(baseline_lrs)} runs is about {work:.2g} multiply-adds, above the budget of "
                         f"{MAX_WORK:.0e} (minutes on one core); lower --train-steps, --samples or --width")
    if dist not in DISTRIBUTIONS:
        raise UsageError(f"unknown --dist {dist!r} ({', '.join(DISTRIBUTIONS)})")
    if hidden not in ("coordinate", "random"):
        raise UsageError("--hidden must be coordinate or random")
    H = 2 * d * width
    if samples * H > 200_000_000:
        raise UsageError(f"{samples:,} samples × {H:,} hidden units would need more than 1.6 GB; lower --samples or --width")
    total = train_steps * (1 + len(baseline_lrs))
    report = progress or (lambda done, total, description: None)
    rng = np.random.default_rng(seed)
    X = sample(dist, d, samples, radius, rng)
    Xt = sample(dist, d, samples // 2, radius, rng)
    y = (np.linalg.norm(X, axis=1) <= radius).astype(float)
    yt = (np.linalg.norm(Xt, axis=1) <= radius).astype(float)
    B = 2.0 * radius
    hid = coordinate_hidden(d, width, B) if hidden == "coordinate" else random_hidden(d, H, radius, rng)
    bound = square_error_bound(width, B, 4.0) if hidden == "coordinate" else None
    log_every = max(1, train_steps // 40)
    done = 0
    F, Ft = hid.features(X), hid.features(Xt)
    u, u0, hist = train_output_layer(F, y, train_steps, lr, Ft, yt, log_every,
                                     lambda t: report(done + t, total, "GD on the output layer"))
    done += train_steps
    base = None
    for blr in baseline_lrs:
        hb = train_one_layer(X, y, H, train_steps, blr, np.random.default_rng(seed + 1), Xt, yt, log_every,
                             lambda t, blr=blr: report(done + t, total, f"baseline GD, lr={blr}"))
        done += train_steps
        if base is None or hb[-1][4] < base[1][-1][4]:
            base = (blr, hb)
    cols = ("step", "train_mse", "train_error", "test_mse", "test_error")
    data = {
        "setup": {"d": d, "radius": radius, "dist": dist, "hidden": hidden, "hidden_units": H, "train": samples,
                  "test": samples // 2, "steps": train_steps, "lr": lr, "seed": seed,
                  "inside_fraction_test": float(yt.mean())},
        "fixed_layer": ({"sup_abs_psi_minus_s2_on_[-B,B]": bound["sup_error"], "B": B,
                         "sum_error_bound_on_box": bound["sup_error"] * d} if bound else None),
        "two_sigmoid_layers": [dict(zip(cols, h)) for h in hist],
        "one_layer_baseline": {"lr": base[0], "curve": [dict(zip(cols, h)) for h in base[1]]},
        "final": {"two_sigmoid_layers_test_error": hist[-1][4], "baseline_test_error": base[1][-1][4],
                  "constant_predictor_test_error": float(min(yt.mean(), 1 - yt.mean()))},
    }
    net = trained_network(hid, u, u0, {"construction": "ball_indicator", "paper": "Safran & Lee, COLT 2022",
                                       "setup": data["setup"], "final": data["final"]})
    curves = {"two sigmoid layers (GD on output)": ([h[0] for h in hist], [h[4] for h in hist]),
              f"one layer of non-linearities (GD, lr={base[0]})": ([h[0] for h in base[1]], [h[4] for h in base[1]])}
    return Report("ball", data, artifacts={"network": net, "curves": curves, "B": B})
