r"""One-hidden-layer networks that are exactly orthogonal under every spherically symmetric law.

Goel, Gollakota, Jin, Karmalkar & Klivans, "Superpolynomial Lower Bounds for Learning One-Layer
Neural Networks using Gradient Descent" (ICML 2020).  For S ⊆ [n] with |S| = k,

    f_S(x) = Σ_{w ∈ {±1}^k} χ(w) · σ(c·⟨w, x_S⟩),   χ(w) = Π_i w_i,   c = 1/√k (stored as a rational),

a depth-2 network with 2^k hidden units.  The C(n, k) members are pairwise orthogonal under every law
invariant under sign flips of single coordinates (every spherically symmetric law): for i ∈ S \ T,
flipping x_i negates f_S and fixes f_T.  For ReLU only even k give non-zero members, for odd activations
(sigmoid − 1/2, tanh) only odd k — only the part of σ with parity (−1)^k survives.

**How orthogonality is verified, exactly.**  For a spherically symmetric x, E[σ(⟨a,x⟩)σ(⟨b,x⟩)] depends on
a and b only through ‖a‖ = ‖b‖ = c√k and ρ = ⟨a,b⟩ = c²·Σ_{i∈S∩T} w_i w'_i.  Hence

    E[f_S f_T] = Σ_ρ Φ_law(ρ) · N_ρ(S, T),   N_ρ(S, T) = Σ_{(w,w'): ⟨a,b⟩=ρ} χ(w)χ(w')  ∈ ℤ,

and N_ρ depends only on k and the overlap |S ∩ T|.  The integers N_ρ are computed exactly; for S ≠ T they
all vanish, so every inner product is 0 *for every law*, whatever Φ is.  Norms E[f_S²] = Σ_ρ Φ(ρ) N_ρ(S,S)
use Φ in closed form for ReLU (the arc-cosine kernel: Φ(ρ) = E‖x₂‖²·‖a‖‖b‖·(sin φ + (π−φ)cos φ)/(4π),
cos φ = ρ/(‖a‖‖b‖), x₂ the projection of x on a plane, E‖x₂‖² a rational for each law below) and by
mpmath quadrature otherwise.  A Monte Carlo check must agree within its confidence interval.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from math import comb

from ..errors import UsageError
from ..exact import format_exact
from ..matrix import Coo
from ..network import Layer, Network

ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid"}
LAWS = ("gaussian", "sphere", "ball", "student-t")


def scale(k: int) -> Fraction:
    """c = 1/√k: exact when k is a perfect square, else a 30-digit rational (orthogonality does not depend on c)."""
    import math

    r = math.isqrt(k)
    if r * r == k:
        return Fraction(1, r)
    from ..exact import sqrt_up

    return 1 / sqrt_up(k, 30)


def member(n: int, S: tuple[int, ...], activation: str = "relu") -> Network:
    """The network f_S (depth 2, 2^k hidden units)."""
    k = len(S)
    if activation not in ACTIVATIONS:
        raise UsageError(f"unknown activation {activation!r} (relu or sigmoid)")
    if len(set(S)) != k or not all(0 <= i < n for i in S):
        raise UsageError(f"subset {S} must hold {k} distinct coordinates in 0…{n - 1}")
    c = scale(k)
    rows, cols, vals, out = [], [], [], []
    for j, w in enumerate(itertools.product((1, -1), repeat=k)):
        for i, s in zip(S, w):
            rows.append(j)
            cols.append(i)
            vals.append(s * c)
        chi = 1
        for s in w:
            chi *= s
        out.append(chi)
    m = 2**k
    W1 = Coo.from_triplets((m, n), rows, cols, vals)
    W2 = Coo.from_triplets((1, m), [0] * m, range(m), out)
    meta = {
        "construction": "orthogonal_family",
        "paper": "Goel, Gollakota, Jin, Karmalkar & Klivans, ICML 2020 (exactly orthogonal one-layer networks)",
        "parameters": {"n": n, "k": k, "subset": list(S), "activation": activation, "scale": format_exact(c)},
    }
    return Network((Layer(W1, tuple([0] * m), ACTIVATIONS[activation]), Layer(W2, (0,), "identity")), meta)


def overlap_counts(k: int, overlap: int) -> dict[Fraction, int]:
    """N_ρ for two subsets of size k sharing ``overlap`` coordinates, keyed by ρ/c² = Σ_{shared} w_i w'_i."""
    out: dict[Fraction, int] = {}
    for w in itertools.product((1, -1), repeat=k):
        chi = 1
        for s in w:
            chi *= s
        for w2 in itertools.product((1, -1), repeat=k):
            chi2 = 1
            for s in w2:
                chi2 *= s
            rho = sum(w[i] * w2[i] for i in range(overlap))  # shared coordinates come first
            out[Fraction(rho)] = out.get(Fraction(rho), 0) + chi * chi2
    return out


def second_moment(law: str, n: int, nu: int = 5) -> Fraction:
    """E‖P x‖² for the projection P on a coordinate plane, x ~ law in R^n (exact)."""
    if law == "gaussian":
        return Fraction(2)
    if law == "sphere":
        return Fraction(2, n)
    if law == "ball":
        return Fraction(2, n + 2)
    if law == "student-t":
        if nu <= 2:
            raise UsageError("student-t needs ν > 2 for finite second moments")
        return Fraction(2 * nu, nu - 2)
    raise UsageError(f"unknown law {law!r} ({', '.join(LAWS)})")


def phi_relu(law: str, n: int, k: int, rho_over_c2: Fraction, dps: int = 50):
    """Φ(ρ) = E[ReLU(⟨a,x⟩) ReLU(⟨b,x⟩)] with ‖a‖² = ‖b‖² = c²k = 1 (c = 1/√k, up to the stored rounding)."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = dps
    c = scale(k)
    norm2 = ctx.mpf(c.numerator) ** 2 * k / ctx.mpf(c.denominator) ** 2
    cosphi = (ctx.mpf(rho_over_c2.numerator) / rho_over_c2.denominator) / k
    cosphi = max(min(cosphi, ctx.one), -ctx.one)
    phi = ctx.acos(cosphi)
    m2 = second_moment(law, n)
    return ctx.mpf(m2.numerator) / m2.denominator * norm2 * (ctx.sin(phi) + (ctx.pi - phi) * ctx.cos(phi)) / (4 * ctx.pi), ctx


def inner_products(n: int, k: int, activation: str = "relu", laws=LAWS, dps: int = 50) -> dict:
    """Exact verification of the family's Gram matrix, grouped by overlap |S ∩ T| (see module docstring)."""
    counts = {o: overlap_counts(k, o) for o in range(k + 1)}
    pairs = {o: comb(n, k) * comb(k, o) * comb(n - k, k - o) for o in range(k + 1)}  # ordered pairs
    report = {"n": n, "k": k, "activation": activation, "family_size": comb(n, k), "by_overlap": {}}
    for o in range(k + 1):
        nz = {format_exact(r): v for r, v in sorted(counts[o].items()) if v != 0}
        report["by_overlap"][o] = {"ordered_pairs": pairs[o], "nonzero_counts": nz, "orthogonal_for_every_law": o < k and not nz}
    report["laws"] = {}
    for law in laws:
        entry = {}
        for o in range(k + 1):
            val = None
            if activation == "relu":
                tot = None
                for r, cnt in counts[o].items():
                    if cnt:
                        p, ctx = phi_relu(law, n, k, r, dps)
                        tot = p * cnt if tot is None else tot + p * cnt
                val = tot if tot is not None else 0
            else:
                val = _sigmoid_value(law, n, k, counts[o], dps=min(dps, 20)) if any(counts[o].values()) else 0
            entry[o] = val
        report["laws"][law] = entry
    return report


def _sigmoid_value(law: str, n: int, k: int, counts: dict, dps: int = 20):
    """Σ_ρ N_ρ Φ(ρ) for the logistic sigmoid by 2-D quadrature (Gaussian law; others by their radial law)."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = dps
    sig = lambda z: 1 / (1 + ctx.exp(-z))  # noqa: E731

    def radial_density(r):
        if law == "gaussian":
            return r * ctx.exp(-r * r / 2)
        if law == "student-t":
            nu = 5
            return r * (1 + r * r / nu) ** (-(nu + 2) / ctx.mpf(2))
        if law == "sphere":
            return r * (1 - r * r) ** ((n - 4) / ctx.mpf(2)) if r < 1 else ctx.zero
        return r * (1 - r * r) ** ((n - 2) / ctx.mpf(2)) if r < 1 else ctx.zero  # ball

    upper = ctx.inf if law in ("gaussian", "student-t") else 1
    Z = ctx.quad(radial_density, [0, upper])
    total = ctx.zero
    for r, cnt in counts.items():
        if not cnt:
            continue
        cphi = (ctx.mpf(r.numerator) / r.denominator) / k
        phi = ctx.acos(max(min(cphi, ctx.one), -ctx.one))
        f = lambda rr, th: radial_density(rr) * sig(rr * ctx.cos(th)) * sig(rr * ctx.cos(th - phi))  # noqa: E731
        total += cnt * ctx.quad(f, [0, upper], [0, 2 * ctx.pi]) / (2 * ctx.pi * Z)
    return total


def sample_law(law: str, n: int, size: int, rng, nu: int = 5):
    import numpy as np

    g = rng.standard_normal((size, n))
    if law == "gaussian":
        return g
    u = g / np.linalg.norm(g, axis=1, keepdims=True)
    if law == "sphere":
        return u
    if law == "ball":
        return u * rng.random((size, 1)) ** (1.0 / n)
    if law == "student-t":
        return g / np.sqrt(rng.chisquare(nu, (size, 1)) / nu)
    raise UsageError(f"unknown law {law!r}")


def monte_carlo(n: int, k: int, activation: str, law: str, samples: int, seed: int) -> dict:
    """Empirical E[f_S f_T] (overlap k−1 and 0) and E[f_S²] with 99.9% confidence half-widths."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = sample_law(law, n, samples, rng)
    S = tuple(range(k))
    T1 = tuple(range(1, k + 1)) if k < n else S
    T0 = tuple(range(k, 2 * k)) if 2 * k <= n else T1
    fS, fT1, fT0 = (member(n, s, activation)(X)[:, 0] for s in (S, T1, T0))
    z = 3.29
    out = {}
    for name, prod in (("norm2", fS * fS), (f"overlap_{k - 1}", fS * fT1), ("overlap_0", fS * fT0)):
        out[name] = {"mean": float(prod.mean()), "half_width": float(z * prod.std(ddof=1) / np.sqrt(samples))}
    return out


def family_report(n: int, k: int, activation: str = "relu", laws=LAWS, samples: int = 200_000, seed: int = 0,
                  subset: tuple[int, ...] | None = None, progress=None):
    """The orthogonality study of the module docstring as a :class:`~netconstruct.reports.Report`.

    Checks, per law: every inner product of distinct members is 0 (exact integer cancellation, so
    ≤ 1e-30·norm holds trivially), and the Monte Carlo means of the norm and of overlap-(k−1) and
    overlap-0 products lie within their 99.9% confidence intervals.  ``artifacts["network"]`` is the
    member f_S for ``subset`` (default {0, …, k−1}), its metadata carrying the report.
    """
    import mpmath

    from ..reports import Report

    if n <= 0 or k <= 0 or k > n:
        raise UsageError(f"need 1 ≤ k ≤ d, got d={n}, k={k}")
    if k > 10:
        raise UsageError("k > 10 would give members with more than 1024 hidden units; choose k ≤ 10")
    if samples < 100:
        raise UsageError("--samples must be ≥ 100")
    for law in laws:
        if law not in LAWS:
            raise UsageError(f"unknown law {law!r} (known: {', '.join(LAWS)})")
    S = tuple(range(k)) if subset is None else tuple(subset)
    if len(S) != k:
        raise UsageError(f"--member must list {k} coordinates")
    net = member(n, S, activation)
    stage = progress or (lambda s: None)
    stage("exact inner products")
    rep = inner_products(n, k, activation, laws)
    mc = {}
    for law in laws:
        stage(f"Monte Carlo under {law}")
        mc[law] = monte_carlo(n, k, activation, law, samples, seed)
    checks, laws_out = {}, {}
    for law in laws:
        vals = rep["laws"][law]
        norm = vals[k]
        norm_f = float(norm)
        off = [vals[o] for o in range(k)]
        rel = max((abs(float(v)) for v in off), default=0.0) / abs(norm_f) if norm_f else 0.0
        laws_out[law] = {
            "norm2": mpmath.nstr(norm, 30) if not isinstance(norm, int) else str(norm),
            "max_abs_inner_product": max((abs(float(v)) for v in off), default=0.0),
            "relative": rel,
            "monte_carlo": mc[law],
        }
        m = mc[law]
        checks[f"{law}: inner products ≤ 1e-30·norm"] = all(v == 0 for v in off) or rel <= 1e-30
        checks[f"{law}: Monte Carlo within 99.9% CI"] = (
            abs(m["norm2"]["mean"] - norm_f) <= m["norm2"]["half_width"] + 1e-12
            and abs(m[f"overlap_{k - 1}"]["mean"]) <= m[f"overlap_{k - 1}"]["half_width"] + 1e-12
            and abs(m["overlap_0"]["mean"]) <= m["overlap_0"]["half_width"] + 1e-12
        )
    st = net.stats()
    data = {
        "family_size": comb(n, k),
        "member": {"subset": list(S), "depth": st["depth"], "hidden_units": st["neurons"],
                   "max_abs_weight": str(st["max_abs_weight"]), "max_abs_output_weight": "1"},
        "nonzero_members": any(abs(float(rep["laws"][law][k])) > 1e-30 for law in laws),
        "overlap_classes": rep["by_overlap"],
        "laws": laws_out,
        "checks": checks,
        "ok": all(checks.values()),
    }
    stored = net.with_metadata(orthogonality={key: v for key, v in data.items() if key != "member"})
    return Report("orthogonal", data, checks, artifacts={"network": stored})
