r"""Three-layer feature learning vs two layers (Nichani, Damian & Lee, NeurIPS 2023).

Architecture h(x) = aᵀ σ₂(W σ₁(Vx) + b), x uniform on the sphere of radius √d, σ₂ = ReLU, σ₁ = |·|:

* V (m₁ × d) random with unit rows, **fixed**;
* stage 1 — W₀ = 0 and **one gradient step** on the squared loss over n₁ samples:
  ∇_{W_j} L̂ = a_j σ₂'(b_j) · (1/n₁) Σ_i (h(x_i) − y_i) φ(x_i)ᵀ with φ = σ₁(Vx) centred, so every row of
  W₁ = −η₁∇ is a multiple of z = (1/n₁)Σ_i (y_i − ȳ) φ(x_i): the network learns the single feature
  F(x) = zᵀφ(x) ≈ (K f*)(x), which for f* = g(xᵀAx) is ≈ c·xᵀAx.  η₁ is chosen so that F has unit
  standard deviation on the stage-1 sample (the "large step" of the paper, scale-normalised);
* stage 2 — ridge regression for a on n₂ fresh samples (convex).

Two-layer baseline: x ↦ aᵀσ₁(Vx) with the same V (random features / kernel regime), a by ridge
regression on all n samples.  For f* = g(xᵀAx) with non-polynomial g, two-layer kernel methods need
≈ d^{2p}-type sample sizes, three layers ≈ d⁴ (or fewer): the table of test error vs n shows the gap.

Targets: ``quadratic`` f*(x) = ReLU(xᵀAx/√2) − E, A symmetric, tr A = 0, ‖A‖_F = 1 (so xᵀAx/√2 has
variance 1); ``single-index`` f*(x) = ReLU(⟨w,x⟩) − E with ‖w‖ = 1.  Errors are normalised test MSE
E(h − f*)² / Var f* (1 = predicting the mean).
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError

TARGETS = ("quadratic", "single-index")


def make_target(kind: str, d: int, rng):
    if kind == "quadratic":
        G = rng.standard_normal((d, d))
        A = (G + G.T) / 2
        A -= np.trace(A) / d * np.eye(d)
        A /= np.linalg.norm(A)
        f = lambda X: np.maximum(np.einsum("ni,ij,nj->n", X, A, X) / np.sqrt(2), 0)  # noqa: E731
    elif kind == "single-index":
        w = rng.standard_normal(d)
        w /= np.linalg.norm(w)
        f = lambda X: np.maximum(X @ w, 0)  # noqa: E731
    else:
        raise UsageError(f"unknown target {kind!r} ({', '.join(TARGETS)})")
    Z = sample_inputs(200_000, d, rng)
    mean = float(f(Z).mean())
    var = float(f(Z).var())
    return (lambda X: f(X) - mean), var


def sample_inputs(n: int, d: int, rng) -> np.ndarray:
    """x uniform on the sphere of radius √d (no radial direction for the kernel to latch onto)."""
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True) * np.sqrt(d)


def _relu(z):
    return np.maximum(z, 0)


def _sigma1(z):
    """First-layer activation |t| = ReLU(t) + ReLU(−t) (paired ReLU neurons): even, so the kernel has no
    degree-1 part and one gradient step picks up the degree-2 feature instead of the linear one."""
    return np.abs(z)


def _ridge(Phi, y, lam):
    m = Phi.shape[1]
    return np.linalg.solve(Phi.T @ Phi + lam * len(y) * np.eye(m), Phi.T @ y)


def three_layer(X, y, Xte, V, m2: int, rng, lam: float = 1e-3) -> dict:
    n = len(y)
    n1 = n // 2
    X1, y1, X2, y2 = X[:n1], y[:n1], X[n1:], y[n1:]
    phi1 = _sigma1(X1 @ V.T)
    mu = phi1.mean(0)
    z = ((y1 - y1.mean())[:, None] * (phi1 - mu)).mean(0)  # the direction of −∇_W at W = 0
    F1 = (phi1 - mu) @ z
    eta = 1.0 / (F1.std() + 1e-300)
    a0 = rng.choice([-1.0, 1.0], m2)
    b = rng.uniform(-3.0, 3.0, m2)
    W1 = eta * (a0 * (b > 0))[:, None] * z[None, :]  # W₁ = −η₁ ∇_W L̂(θ₀) up to the common scale
    active = b > 0

    def hidden(Xs):
        F = (_sigma1(Xs @ V.T) - mu) @ W1[active].T  # = η a_j F(x) for the active units
        return np.hstack([_relu(F + b[active]), np.ones((len(Xs), 1))])

    a = _ridge(hidden(X2), y2, lam)
    learned = (_sigma1(Xte @ V.T) - mu) @ z
    return {"pred": hidden(Xte) @ a, "feature": learned, "active_units": int(active.sum())}


def two_layer(X, y, Xte, V, lam: float = 1e-2) -> np.ndarray:
    Phi = np.hstack([_sigma1(X @ V.T), _relu(X @ V.T), np.ones((len(X), 1))])
    a = _ridge(Phi, y, lam)
    return np.hstack([_sigma1(Xte @ V.T), _relu(Xte @ V.T), np.ones((len(Xte), 1))]) @ a


def experiment(d: int, ns: list[int], target: str = "quadratic", m1: int | None = None, m2: int = 512,
               test: int = 4000, seed: int = 0, progress=None) -> dict:
    """Normalised test MSE of the three-layer procedure and of the two-layer baseline for each n."""
    rng = np.random.default_rng(seed)
    f, var = make_target(target, d, rng)
    m1 = m1 or min(4 * d * d, 4096)
    V = rng.standard_normal((m1, d))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    Xte = sample_inputs(test, d, rng)
    yte = f(Xte)
    rows = []
    for n in ns:
        if progress:
            progress(n)
        X = sample_inputs(n, d, rng)
        y = f(X)
        three = three_layer(X, y, Xte, V, m2, rng)
        two = two_layer(X, y, Xte, V)
        row = {"n": n, "three_layer": float(np.mean((three["pred"] - yte) ** 2) / var),
               "two_layer": float(np.mean((two - yte) ** 2) / var)}
        if target == "quadratic":
            # how well the learned feature matches the true quadratic feature xᵀAx (|correlation|)
            rows_feature = three["feature"]
            q = _quadratic_feature(Xte, f)
            row["feature_correlation"] = float(abs(np.corrcoef(rows_feature, q)[0, 1]))
        rows.append(row)
    return {"d": d, "target": target, "m1": m1, "m2": m2, "test": test, "seed": seed, "rows": rows}


def _quadratic_feature(X, f):
    """Recover xᵀAx/√2 from the target's closure (for the feature-correlation diagnostic)."""
    cells = {c.cell_contents for c in (f.__closure__ or []) if callable(getattr(c, "cell_contents", None))}
    base = next(iter(cells))
    A = next(c.cell_contents for c in base.__closure__ if isinstance(c.cell_contents, np.ndarray))
    return np.einsum("ni,ij,nj->n", X, A, X)


def study(d: int = 16, ns=(1000, 4000, 16000, 32000), target: str = "quadratic", m1: int | None = None,
          m2: int = 512, test: int = 4000, seed: int = 0, progress=None):
    """:func:`experiment` with its arguments checked and its memory estimated first; a
    :class:`~netconstruct.reports.Report` of kind ``feature_learning``."""
    from ..reports import Report

    for n in ns:
        if n < 20:
            raise UsageError(f"--n: {n} must be an integer ≥ 20")
    if d <= 1 or m2 <= 0 or test < 100 or (m1 is not None and m1 <= 0):
        raise UsageError("need --d ≥ 2, --m2 ≥ 1, --test ≥ 100")
    if target not in TARGETS:
        raise UsageError(f"unknown --target {target!r} ({', '.join(TARGETS)})")
    width = m1 or min(4 * d * d, 4096)
    if max(ns) * width > 300_000_000:
        raise UsageError(f"n = {max(ns):,} with m1 = {width:,} would need more than 2.4 GB; lower --n or --m1")
    return Report("feature_learning", experiment(d, list(ns), target, m1, m2, test, seed, progress=progress))
