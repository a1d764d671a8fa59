r"""Lower bounds of sup_{‖x‖≤R} |N(x) − g(‖x‖)| by projected gradient ascent: the search half of a certificate.

A point x of the ball gives the lower bound |N(x) − g(‖x‖)| ≤ sup; the ascent only *finds* points — every
value it returns is re-evaluated by the caller (float64 for decisions, then exactly for the witness), so
nothing here needs to be proved.  N is piecewise linear, so on the region of x's activation pattern
∇N(x) = W_L D_{L−1} W_{L−1} ⋯ D_1 W_1 (D_k the 0/1 diagonal of active ReLUs), and
∇|N − g(‖x‖)| = s·(∇N(x) − g'(‖x‖)·x/‖x‖) with s the sign of the error.  Each step moves every point by a
normalised gradient step of a length that shrinks geometrically (from ``R/10`` to ``R·10⁻⁶``), projects it
back onto the ball (then onto a dyadic grid, so that the path does not follow the last bits of BLAS), and keeps
each start's best point.  Several starts run as one batch of matrix products.
"""

from __future__ import annotations

from ..exact import machine_key

#: iterates are rounded to multiples of 2⁻⁴⁰ (exact in binary64 for |x| ≤ 2¹²)
GRID = 2.0**40


def forward(weights, biases, relu, X, gradient: bool = True):
    """N(X) (n,) and the gradients ∇N (n, d) at the rows of X (None without ``gradient``), for the float64 layers
    ``weights``, ``biases`` and the hidden layers' ``relu`` flags (False: identity)."""
    import numpy as np

    h = X
    masks = []
    for W, b, r in zip(weights[:-1], biases[:-1], relu):
        z = h @ W.T + b
        m = (z > 0) if r else np.ones(z.shape, bool)
        masks.append(m)
        h = np.where(m, z, 0.0)
    out = (h @ weights[-1].T + biases[-1])[:, 0]
    if not gradient:
        return out, None
    grad = np.broadcast_to(weights[-1], (len(X), weights[-1].shape[1]))
    for W, m in zip(weights[-2::-1], masks[::-1]):
        grad = (grad * m) @ W
    return out, grad


def ascend(weights, biases, relu, target, starts, steps: int = 60):
    """Projected gradient ascent of |N − g(‖x‖)| from the rows of ``starts`` (points of the ball).  Returns
    (points (n, d), float64 errors (n,)): each start's best point visited, inside the closed ball in float64."""
    import numpy as np

    R = float(target.radius)
    P = np.array(starts, dtype=float, copy=True)
    best_p = P.copy()
    best_e = np.full(len(P), -np.inf)
    if not len(P):
        return best_p, best_e
    rate = (1e-5) ** (1.0 / max(1, steps - 1))
    eta = 0.1 * R
    for _ in range(steps):
        out, grad = forward(weights, biases, relu, P)
        r = np.linalg.norm(P, axis=1)
        err = out - target.g_float(r)
        better = machine_key(np.abs(err)) > machine_key(best_e)  # decided on 20 bits: the same path on every CPU
        best_e = np.where(better, np.abs(err), best_e)
        best_p[better] = P[better]
        radial = target.dg_float(r) / np.maximum(r, 1e-300)
        direction = np.nan_to_num(np.sign(err)[:, None] * (grad - radial[:, None] * P))  # g' may be undefined at 0
        norm = np.linalg.norm(direction, axis=1, keepdims=True)
        P = P + eta * direction / np.maximum(norm, 1e-300)
        r = np.linalg.norm(P, axis=1, keepdims=True)
        P = np.where(r > R, P * (R / np.maximum(r, 1e-300)) * (1 - 1e-12), P)
        P = np.round(P * GRID) / GRID  # onto a dyadic grid: a last-bit difference of BLAS does not change the path
        eta *= rate
    return best_p, best_e
