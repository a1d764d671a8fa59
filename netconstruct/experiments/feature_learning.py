r"""Three-layer feature learning vs two layers (Nichani, Damian & Lee, NeurIPS 2023).

Architecture h(x) = aᵀ σ₂(W σ₁(Vx) + b), x uniform on the sphere of radius √d, σ₂ = ReLU, σ₁ = |·|
(= ReLU(t) + ReLU(−t), paired ReLU neurons):

* V (m₁ × d) random with unit rows, **fixed**;
* stage 1 — W₀ = 0 and gradient descent on the squared loss over n₁ samples (n₁ = n − n₂).  At W₀ = 0 every row of
  −∇_W L̂ is a multiple a_jσ₂'(b_j) of ζ₁ = (1/n₁)Σ_i (y_i − ȳ)(φ(x_i) − φ̄), φ = σ₁(Vx): the first step
  (the paper's one large step) makes every unit read the single feature F(x) = ζᵀ(φ(x) − φ̄) ≈ (K f*)(x).
  ``steps`` > 1 continues gradient descent on the squared loss of that shared feature, ζ_{k+1} = ζ_k +
  (s − Sζ_k)/λ_max(S) (S, s: the feature covariance and cross-covariance of the stage-1 sample, i.e. the
  gradient of ½E(y − ζᵀφ)²): a Landweber iteration whose first step is the paper's, and whose next steps
  equalise the random-feature kernel's uneven degree-2 eigenvalues — it removes the finite-width bias that
  caps the one-step feature (correlation ≈ 0.9).  The step count is chosen on a validation split;
* stage 2 — ridge regression for a on n₂ = min(n/2, max(n/8, 8000)) fresh samples, over the m₂ units ReLU(±F/sd(F) + b_j)
  with b_j > 0 (the units a first step leaves alive), λ chosen on a validation split.

Two-layer baseline: x ↦ aᵀσ₁(Vx) + c with the **same** V (same width m₁, the same number of trained
output weights as the three-layer network's feature), a by ridge regression on all n samples, λ chosen on
the same validation split.

Targets (f* centred; errors are normalised test MSE E(h − f*)²/Var f*, 1 = predicting the mean):

* ``he2`` / ``he3`` — f* = g(z), z = xᵀAx/√2, g = (z + c·He₂(z))/√(1 + 2c²) or (z + c·He₃(z))/√(1 + 6c²):
  the part of g linear in z carries 1/(1 + 2c²) (1/(1 + 6c²)) of the variance — enough for the first step
  to find z — and the rest is a degree-4 (degree-6) polynomial in x, which a kernel method needs ≈ d⁴ (d⁶)
  samples and features to fit.  A = Q diag(±1) Qᵀ/√d with Q random orthogonal (tr A = 0, ‖A‖_F = 1 and
  the least possible ‖A‖_op = 1/√d): f* is invariant under the rotations fixing A (O(d/2) × O(d/2) on its
  eigenspaces), so its degree-2 harmonic part xᵀBx has B = αP₊ + βP₋, and tr B = 0 forces B ∝ A — no bias
  of the learned feature towards other quadratic forms (odd d: one eigenvalue 0, a small leak);
* ``quadratic`` — f* = ReLU(xᵀAx/√2), A a normalised traceless GOE matrix (the first version's target);
* ``single-index`` — f* = ReLU(⟨w, x⟩).

Arrays: float32 features in chunks (memory ∝ chunk × m₁, estimated and bounded before anything is
allocated), float64 accumulations, numpy on the CPU or torch on ``device`` (same code path: only ``@``,
``abs``, ``clip``, sums and means touch the big arrays).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..parallel import chunks

TARGETS = ("he2", "he3", "quadratic", "single-index")
DEFAULT_C = {"he2": 2.0, "he3": 0.5}
STEP_CHOICES = (1, 2, 4, 8, 16, 32, 64)
LAMBDAS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
MEMORY_LIMIT = 4 * 2**30


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """f*(x) = link(feature(x)) − mean, with Var f* = ``var`` (measured on 200,000 points)."""

    kind: str
    d: int
    matrix: np.ndarray | None  # A for the quadratic targets
    vector: np.ndarray | None  # w for single-index
    c: float
    mean: float = 0.0
    var: float = 1.0

    def feature(self, X: np.ndarray) -> np.ndarray:
        """xᵀAx/√2 (or ⟨w, x⟩): the feature a three-layer network should learn."""
        if self.matrix is not None:
            return np.einsum("ni,ij,nj->n", X, self.matrix, X) / math.sqrt(2)
        return X @ self.vector

    def link(self, z: np.ndarray) -> np.ndarray:
        c = self.c
        if self.kind == "he2":
            return (z + c * (z * z - 1)) / math.sqrt(1 + 2 * c * c)
        if self.kind == "he3":
            return (z + c * (z**3 - 3 * z)) / math.sqrt(1 + 6 * c * c)
        return np.maximum(z, 0)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.link(self.feature(X)) - self.mean


def spread_matrix(d: int, rng) -> np.ndarray:
    """A = Q diag(±1, …) Qᵀ/√d: traceless, ‖A‖_F = 1, ‖A‖_op = 1/√d, A² = I/d (d even)."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.array([(1.0 if i % 2 == 0 else -1.0) for i in range(d - d % 2)] + [0.0] * (d % 2))
    return (Q * s) @ Q.T / math.sqrt(d - d % 2)


def make_task(kind: str, d: int, rng, c: float | None = None) -> Task:
    if kind in ("he2", "he3"):
        task = Task(kind, d, spread_matrix(d, rng), None, DEFAULT_C[kind] if c is None else float(c))
    elif kind == "quadratic":
        G = rng.standard_normal((d, d))
        A = (G + G.T) / 2
        A -= np.trace(A) / d * np.eye(d)
        task = Task(kind, d, A / np.linalg.norm(A), None, 0.0)
    elif kind == "single-index":
        w = rng.standard_normal(d)
        task = Task(kind, d, None, w / np.linalg.norm(w), 0.0)
    else:
        raise UsageError(f"unknown target {kind!r} ({', '.join(TARGETS)})")
    y = task(sample_inputs(200_000, d, rng))
    return Task(task.kind, d, task.matrix, task.vector, task.c, float(y.mean()), float(y.var()))


def sample_inputs(n: int, d: int, rng) -> np.ndarray:
    """x uniform on the sphere of radius √d (no radial direction for the kernel to latch onto)."""
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True) * np.sqrt(d)


# --------------------------------------------------------------------------------------------
# the array backend: numpy, or torch on a device
# --------------------------------------------------------------------------------------------
class Backend:
    """Moves float32 chunks to the device and returns float64 numpy sums; the only place torch appears."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self.torch = None
        if device != "cpu":
            try:
                import torch
            except ImportError:
                raise UsageError('--device needs PyTorch: pip install "netconstruct[torch]"') from None
            dev = "cpu" if device == "torch-cpu" else device
            if dev.startswith("cuda") and not torch.cuda.is_available():
                raise UsageError(f"--device {device}: no CUDA device is available here")
            self.torch, self.dev = torch, torch.device(dev)

    def array(self, a: np.ndarray):
        a = np.ascontiguousarray(a, dtype=np.float32)
        return a if self.torch is None else self.torch.from_numpy(a).to(self.dev)

    def numpy(self, a) -> np.ndarray:
        return np.asarray(a, dtype=np.float64) if self.torch is None else a.double().cpu().numpy()

    def gram(self, P):
        """PᵀP accumulated in float64 (on the device for torch)."""
        if self.torch is None:
            return (P.T @ P).astype(np.float64)
        return (P.T @ P).double()


@dataclass
class Block:
    """Sums over a block of samples: count, Σφ, ΣφφᵀΣ, Σyφ, Σy, Σy² (float64)."""

    n: int = 0
    s_phi: object = 0.0
    s_gram: object = 0.0
    s_yphi: object = 0.0
    s_y: float = 0.0
    s_yy: float = 0.0

    def add(self, be: Backend, P, y: np.ndarray) -> None:
        yb = be.array(y)
        self.n += len(y)
        self.s_phi = self.s_phi + be.numpy(P.sum(0))
        self.s_gram = self.s_gram + be.gram(P)
        self.s_yphi = self.s_yphi + be.numpy(yb @ P)
        self.s_y += float(y.sum())
        self.s_yy += float((y.astype(np.float64) ** 2).sum())

    def finish(self, be: Backend) -> "Block":
        if be.torch is not None and not isinstance(self.s_gram, float):
            self.s_gram = be.numpy(self.s_gram)
        return self

    def __add__(self, o: "Block") -> "Block":
        return Block(self.n + o.n, self.s_phi + o.s_phi, self.s_gram + o.s_gram, self.s_yphi + o.s_yphi,
                     self.s_y + o.s_y, self.s_yy + o.s_yy)

    def moments(self):
        """(φ̄, covariance S, cross-covariance s, ȳ)."""
        mu = self.s_phi / self.n
        ybar = self.s_y / self.n
        S = self.s_gram / self.n - np.outer(mu, mu)
        s = self.s_yphi / self.n - ybar * mu
        return mu, S, s, ybar


def _features(be: Backend, Vt, X: np.ndarray):
    return abs(be.array(X) @ Vt)


# --------------------------------------------------------------------------------------------
# the two architectures
# --------------------------------------------------------------------------------------------
def _ridge(S, s, lam):
    """argmin_a aᵀSa − 2sᵀa + λ‖a‖² (centred least squares), by a Cholesky factorisation."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh

    M = S + lam * np.eye(len(s))
    try:
        return cho_solve(cho_factor(M, check_finite=False), s, check_finite=False)
    except LinAlgError:  # S has rank < m₁ (n < m₁) and λ is below its rounding: solve on its spectrum
        e, U = eigh(S, check_finite=False)
        return U @ ((U.T @ s) / (np.maximum(e, 0.0) + lam))


def _nmse_from_block(block: Block, mu, ybar, a, var) -> float:
    """Mean of (y − ȳ − aᵀ(φ − μ))² over the block, from its sums (no second pass), over Var f*."""
    n = block.n
    G = block.s_gram / n
    m_phi = block.s_phi / n
    m_y = block.s_y / n
    # E[(y − c − aᵀφ)²] with c = ȳ − aᵀμ
    c = ybar - a @ mu
    e = block.s_yy / n - 2 * c * m_y - 2 * a @ (block.s_yphi / n) + c * c + 2 * c * (a @ m_phi) + a @ G @ a
    return float(max(e, 0.0) / var)


def two_layer(train: Block, val: Block, Pte: np.ndarray, var: float) -> tuple[np.ndarray, float]:
    """Ridge on the fixed random features, λ chosen on ``val``, refitted on train + val: test predictions."""
    mu, S, s, ybar = train.moments()
    scale = float(np.trace(S)) / len(s)
    errs = [(_nmse_from_block(val, mu, ybar, _ridge(S, s, lam * scale), var), lam) for lam in LAMBDAS]
    lam = min(errs)[1]
    mu, S, s, ybar = (train + val).moments()
    a = _ridge(S, s, lam * scale)
    return ybar + (Pte - mu) @ a, lam


def feature_steps(S, s, steps: tuple[int, ...]) -> np.ndarray:
    """ζ_k for k in ``steps`` (columns): gradient descent ζ ← ζ + (s − Sζ)/λ_max from ζ₀ = 0 (ζ₁ ∝ s is the
    paper's one step)."""
    v = np.ones(len(s)) / math.sqrt(len(s))
    for _ in range(100):  # power iteration for λ_max (S is PSD)
        w = S @ v
        v = w / (np.linalg.norm(w) + 1e-300)
    lmax = float(v @ S @ v) * 1.01 + 1e-300
    z = np.zeros(len(s))
    out = []
    for k in range(1, max(steps) + 1):
        z = z + (s - S @ z) / lmax
        if k in steps:
            out.append(z.copy())
    return np.stack(out, 1)


def _hidden(F, sd, a0, b):
    return np.hstack([np.maximum(a0[None, :] * (F / sd)[:, None] + b[None, :], 0), np.ones((len(F), 1))])


def three_layer_readout(F_tr, y_tr, F_val, y_val, F_te, a0, b, var) -> tuple[np.ndarray, float, float]:
    """Stage 2 for one feature: ridge over the alive units, λ on the validation split, refit on both.
    Returns (test predictions, validation NMSE, λ)."""
    sd = float(F_tr.std()) + 1e-300
    H, Hv = _hidden(F_tr, sd, a0, b), _hidden(F_val, sd, a0, b)
    G, r = H.T @ H / len(H), H.T @ y_tr / len(H)
    scale = float(np.trace(G)) / len(r)
    best = None
    for lam in LAMBDAS:
        w = np.linalg.solve(G + lam * scale * np.eye(len(r)), r)
        e = float(np.mean((Hv @ w - y_val) ** 2) / var)
        if best is None or e < best[0]:
            best = (e, lam)
    Hall = np.vstack([H, Hv])
    yall = np.concatenate([y_tr, y_val])
    G = Hall.T @ Hall / len(Hall)
    w = np.linalg.solve(G + best[1] * scale * np.eye(len(r)), Hall.T @ yall / len(Hall))
    return _hidden(F_te, sd, a0, b) @ w, best[0], best[1]


# --------------------------------------------------------------------------------------------
# one run and the study
# --------------------------------------------------------------------------------------------
def default_m1(d: int) -> int:
    return min(4 * d * d, 4096)


def default_chunk(m1: int) -> int:
    """Samples per chunk of features: about 2²⁴ float32 entries (64 MiB), between 256 and 8,192 rows."""
    return max(256, min(8192, 2**24 // m1))


def stage2_size(n: int) -> int:
    """Samples for stage 2 (a one-dimensional regression over m₂ units needs few): half of n up to 16,000,
    then n/8 — the rest go to stage 1, whose feature estimate is what the sample size limits."""
    return min(n // 2, max(n // 8, 8000))


def memory_estimate(n: int, d: int, m1: int, chunk: int, test: int) -> int:
    """Bytes: the samples, three m₁ × m₁ float64 sums (and a factorisation), the test features, one float32
    chunk of features (×3 for temporaries), the stage-2 features."""
    return (8 * n * (d + 2) + 4 * 8 * m1 * m1 + 8 * test * m1 + 3 * 4 * chunk * m1
            + 8 * n * len(STEP_CHOICES) + 8 * n * 16)


def run_one(task: Task, n: int, V: np.ndarray, Xte, m2: int, steps: int, rng, be: Backend, chunk: int) -> dict:
    """Both architectures on one fresh sample of size n; the test set is shared."""
    d = task.d
    Vt = be.array(V.T)
    X = sample_inputs(n, d, rng)
    y = task(X)
    n1 = n - stage2_size(n)
    n_tr = n1 + (n - n1) * 4 // 5  # stage 2: the first 80% train the read-out, the rest validate
    s1, s2, sv = Block(), Block(), Block()
    for a, b in chunks(n1, chunk):
        s1.add(be, _features(be, Vt, X[a:b]), y[a:b])
    s1.finish(be)
    mu1, S1, c1, _ = s1.moments()
    ks = tuple(k for k in STEP_CHOICES if k <= steps) or (1,)
    Z = feature_steps(S1, c1, ks)
    Zb = be.array(Z)
    F2 = np.zeros((n - n1, len(ks)))
    for a, b in chunks(n - n1, chunk):
        P = _features(be, Vt, X[n1 + a:n1 + b])
        F2[a:b] = be.numpy(P @ Zb) - mu1 @ Z
        lo, hi = n1 + a, n1 + b
        cut = min(max(n_tr, lo), hi)
        if cut > lo:
            s2.add(be, P[: cut - lo], y[lo:cut])
        if hi > cut:
            sv.add(be, P[cut - lo:], y[cut:hi])
    s2.finish(be)
    sv.finish(be)
    Pte = np.concatenate([be.numpy(_features(be, Vt, Xte[a:b])) for a, b in chunks(len(Xte), chunk)])
    yte = task(Xte)
    Fte = (Pte - mu1) @ Z
    q = task.feature(Xte)
    corr = [float(abs(np.corrcoef(Fte[:, j], q)[0, 1])) for j in range(len(ks))]
    a0 = rng.choice([-1.0, 1.0], m2)
    b = rng.uniform(-3.0, 3.0, m2)
    alive = b > 0
    y2 = y[n1:]
    ntr2 = n_tr - n1
    best = None
    for j, k in enumerate(ks):
        pred, val_err, lam = three_layer_readout(F2[:ntr2, j], y2[:ntr2], F2[ntr2:, j], y2[ntr2:], Fte[:, j],
                                                 a0[alive], b[alive], task.var)
        if best is None or val_err < best[1]:
            best = (j, val_err, pred, lam)
    j, _, pred3, lam3 = best
    pred2, lam2 = two_layer(s1 + s2, sv, Pte, task.var)
    return {
        "three_layer": float(np.mean((pred3 - yte) ** 2) / task.var),
        "two_layer": float(np.mean((pred2 - yte) ** 2) / task.var),
        "feature_correlation": corr[j],
        "feature_correlation_one_step": corr[0],
        "steps": ks[j],
        "alive_units": int(alive.sum()),
        "lambda_three_layer": lam3,
        "lambda_two_layer": lam2,
    }


def experiment(d: int, ns: list[int], target: str = "he2", m1: int | None = None, m2: int = 512,
               test: int = 4000, seed: int = 0, seeds: int = 1, steps: int = 64, c: float | None = None,
               device: str = "cpu", chunk: int | None = None, progress=None) -> dict:
    """Normalised test MSE of both architectures for each n, mean ± std over ``seeds`` seeds (seed,
    seed + 1, …; each seed draws its own target, V, test set and samples)."""
    be = Backend(device)
    m1 = m1 or default_m1(d)
    chunk = chunk or default_chunk(m1)
    runs = []
    for s in range(seed, seed + seeds):
        rng = np.random.default_rng([s, d])
        task = make_task(target, d, rng, c)
        V = rng.standard_normal((m1, d))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        Xte = sample_inputs(test, d, rng)
        per = []
        for n in ns:
            if progress:
                progress(f"d = {d}, seed {s}, n = {n:,}")
            per.append(run_one(task, n, V, Xte, m2, steps, np.random.default_rng([s, d, n]), be, chunk))
        runs.append((task, per))
    rows = []
    for i, n in enumerate(ns):
        vals = [per[i] for _, per in runs]
        row = {"n": n}
        for key in ("three_layer", "two_layer", "feature_correlation", "feature_correlation_one_step"):
            xs = [v[key] for v in vals]
            row[key] = float(np.mean(xs))
            row[key + "_std"] = float(np.std(xs))
        row["steps"] = [v["steps"] for v in vals]
        rows.append(row)
    task = runs[0][0]
    return {"d": d, "target": target, "c": task.c, "m1": m1, "m2": m2, "test": test, "seed": seed,
            "seeds": seeds, "max_steps": steps, "device": device, "rows": rows}


def crossing(ns: list[int], errs: list[float], level: float) -> float | None:
    """The n at which the error first reaches ``level`` (log-linear interpolation between grid points;
    None when it never does on the grid)."""
    for i, e in enumerate(errs):
        if e <= level:
            if i == 0:
                return float(ns[0])
            e0, e1 = errs[i - 1], e
            t = (e0 - level) / (e0 - e1) if e0 != e1 else 1.0
            return float(math.exp(math.log(ns[i - 1]) + t * (math.log(ns[i]) - math.log(ns[i - 1]))))
    return None


def exponents(results: list[dict], level: float = 0.3) -> dict:
    """n(NMSE ≤ level) per d and per architecture, and the least-squares slope of log n against log d
    (None, with the dimensions where it was not reached, when fewer than two d reach it)."""
    out: dict = {"level": level}
    for key in ("three_layer", "two_layer"):
        pts = {}
        for r in results:
            n = crossing([row["n"] for row in r["rows"]], [row[key] for row in r["rows"]], level)
            pts[r["d"]] = n
        reached = [(d, n) for d, n in pts.items() if n is not None]
        slope = None
        if len(reached) >= 2:
            ld = np.log([d for d, _ in reached])
            ln = np.log([n for _, n in reached])
            slope = float(np.polyfit(ld, ln, 1)[0])
        out[key] = {"n_needed": {str(d): n for d, n in pts.items()}, "exponent": slope,
                    "not_reached_at_d": [d for d, n in pts.items() if n is None]}
    return out


#: the documented limits of one `feature-learning` run (docs/reliability.md)
MAX_SEEDS = 1000
MAX_WORK = 10**13


def study(d: int | list[int] = 16, ns=(4000, 16000, 64000), target: str = "he2", m1: int | None = None,
          m2: int = 512, test: int = 4000, seed: int = 0, seeds: int = 1, steps: int = 64,
          c: float | None = None, device: str = "cpu", progress=None, max_memory: int = MEMORY_LIMIT):
    """:func:`experiment` for one or several d, arguments checked and memory estimated first; a
    :class:`~netconstruct.reports.Report` of kind ``feature_learning``.  With several d it adds the fitted
    sample-size exponents (``exponent_three_layer``, ``exponent_two_layer``)."""
    from ..reports import Report

    dims = [d] if isinstance(d, int) else list(d)
    ns = list(ns)
    if not ns or any(not isinstance(n, int) or n < 20 for n in ns):
        raise UsageError("--n: sample sizes must be integers ≥ 20")
    if any(k < 2 for k in dims) or m2 <= 0 or test < 100 or seeds < 1 or steps < 1 or (m1 is not None and m1 <= 0):
        raise UsageError("need --d ≥ 2, --m2 ≥ 1, --test ≥ 100, --seeds ≥ 1, --steps ≥ 1")
    if seeds > MAX_SEEDS or steps > 10**5 or len(dims) > 64 or len(ns) > 64 or max(ns) > 10**8 or test > 10**7:
        raise UsageError(f"need --seeds ≤ {MAX_SEEDS}, --steps ≤ 100,000, at most 64 values of --d and of --n, "
                         "--n ≤ 10^8 and --test ≤ 10^7")
    if not (device in ("cpu", "torch-cpu") or re.fullmatch(r"cuda(:\d{1,3})?", device, re.ASCII)):
        raise UsageError(f"--device must be cpu, torch-cpu or cuda[:k], got {device!r}")
    if target not in TARGETS:
        raise UsageError(f"unknown --target {target!r} ({', '.join(TARGETS)})")
    if c is not None and (not math.isfinite(c) or c < 0 or c > 100):
        raise UsageError(f"--c must be in [0, 100], got {c}")
    for k in dims:
        width = m1 or default_m1(k)
        need = memory_estimate(max(ns), k, width, default_chunk(width), test)
        if need > max_memory:
            raise UsageError(f"d = {k}, m1 = {width:,}, n = {max(ns):,} would need about {need / 2**30:.1f} GiB "
                             f"(limit {max_memory / 2**30:.1f} GiB); lower --m1 or --n")
    work = sum(seeds * (sum(ns) + test) * (m1 or default_m1(k)) * (k + m2 + steps) for k in dims)
    if work > MAX_WORK:
        raise UsageError(f"this study is about {work:.2g} multiply-adds, above the budget of {MAX_WORK:.0e} "
                         "(about an hour on one core); lower --seeds, --n, --m1 or --steps")
    results = [experiment(k, ns, target, m1, m2, test, seed, seeds, steps, c, device, progress=progress)
               for k in dims]
    if len(results) == 1:
        return Report("feature_learning", results[0])
    ex = exponents(results)
    data = {"target": target, "dims": dims, "results": results, "nmse_level": ex["level"],
            "exponent_three_layer": ex["three_layer"]["exponent"], "exponent_two_layer": ex["two_layer"]["exponent"],
            "n_needed": {"three_layer": ex["three_layer"]["n_needed"], "two_layer": ex["two_layer"]["n_needed"]},
            "not_reached": {"three_layer": ex["three_layer"]["not_reached_at_d"],
                            "two_layer": ex["two_layer"]["not_reached_at_d"]}}
    return Report("feature_learning", data)
