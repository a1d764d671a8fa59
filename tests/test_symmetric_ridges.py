"""Depth 2 at d = 4, 5: B_d-symmetric ridges (constructions/symmetric_ridges.py) and the fundamental-domain
certificate (bounds/symmetry.py).

Facts checked: an orbit is closed under sign changes and permutations and has 2^d·d!/(2·stabiliser) members
(counts of the cube rules); the invariance check accepts the construction's networks and rejects one whose single
weight was perturbed; every point is folded into the fundamental domain by |x| and sorting, and a box that holds
a point of the domain is never dropped (property test); the certificate on the fundamental domain is ≥ the exact
error at points all over the ball (not only in the domain) and agrees with the whole-ball branch and bound; the
built network meets ε with a proof, at far fewer neurons than the cubature; a perturbed weight makes a too-good
claim fail.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from netconstruct.bounds.boxes import certify_any
from netconstruct.bounds.symmetry import into_domain, invariance, meets_domain
from netconstruct.constructions import CONSTRUCTIONS, symmetric_ridges as sr
from netconstruct.network import Layer, Network
from netconstruct.targets import make_target


@pytest.fixture(scope="module")
def sine():
    return make_target("sine")


@pytest.fixture(scope="module")
def net4(sine):
    return sr.build(4, Fraction(1, 10), sine)


@pytest.mark.parametrize("d", [2, 3, 4, 5])
def test_orbits_are_closed_and_counted(d):
    """Each orbit is mapped onto itself by the generators of B_d — adjacent transpositions and x₁ ↦ −x₁ — hence by the
    whole group (±u merged); the orbits of [−K, K]^d
    partition its primitive vectors: ((2K+1)^d − 1)/2 directions minus the non-primitive ones (K = 1: all primitive)."""
    generators = [lambda u, i=i: u[:i] + (u[i + 1], u[i]) + u[i + 2:] for i in range(d - 1)]  # transpositions
    generators.append(lambda u: (-u[0],) + u[1:])  # with them, every sign change
    for v in sr.generators(d, 2):
        members = set(sr.orbit(v))
        for u in members:
            for gen in generators:
                w = gen(u)
                assert w in members or tuple(-a for a in w) in members
        g = math.factorial(d) * 2**d
        assert g % len(members) == 0 or (2 * g) % len(members) == 0
    assert sr.direction_count(d, len(sr.generators(d, 1))) == (3**d - 1) // 2


def test_the_invariance_check_is_exact(net4):
    """The construction's network is B_d-invariant (checked on its neurons); perturbing one first-layer weight by
    2⁻⁴⁰ breaks every symmetry but those the perturbation keeps — the check reports a smaller group or none."""
    assert invariance(net4) == "hyperoctahedral"
    first, out = net4.layers
    coo = first.weight
    from netconstruct.matrix import as_coo

    c = as_coo(coo)
    vals = list(c.values)
    vals[0] += Fraction(1, 2**40)
    bent = Network((Layer(type(c).from_triplets(c.shape, c.rows, c.cols, vals), first.bias, first.activation), out))
    assert invariance(bent) != "hyperoctahedral"


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), d=st.integers(2, 6))
def test_the_fundamental_domain_is_met(seed, d):
    """into_domain maps every point to 0 ≤ x₁ ≤ … ≤ x_d with the same norm; a box that holds such a point is kept by
    meets_domain (the only boxes dropped miss the domain)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (50, d))
    F = into_domain("hyperoctahedral", X)
    assert (F >= 0).all() and (np.diff(F, axis=1) >= 0).all()
    assert np.allclose(np.linalg.norm(F, axis=1), np.linalg.norm(X, axis=1))
    H = rng.uniform(0, 0.5, (50, d))
    C = F + rng.uniform(-1, 1, (50, d)) * H  # each box holds its point F
    assert meets_domain("hyperoctahedral", C, H).all()
    assert meets_domain("signs", C, H).all() and meets_domain("permutations", C, H).all()


def test_the_domain_certificate_covers_the_whole_ball(net4, sine):
    """Lemma (fundamental domain): the bound proved on the domain is ≥ |N − g| at points everywhere in the ball
    (exact network values, g at 40 digits), and the whole-ball branch and bound proves the same supremum."""
    from netconstruct.arith import multiprecision

    res = certify_any(net4, sine, tol=1e-3, seconds=120)
    assert res.symmetry == "hyperoctahedral" and res.stopped == "tolerance"
    full = certify_any(net4, sine, tol=1e-3, seconds=300, symmetry="none")
    assert full.symmetry is None and full.regions > 5 * res.regions
    assert abs(full.upper - res.upper) <= 2e-3 * res.upper and res.lower <= full.upper and full.lower <= res.upper
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 4))
    X *= rng.random((30, 1)) ** 0.25 / np.linalg.norm(X, axis=1, keepdims=True)
    mp = multiprecision(40)
    for x in X:
        xq = [Fraction(float(v)) for v in x]
        n = Fraction(net4.evaluate_exact(xq)[0])
        r = mp.ctx.sqrt(sum(mp.const(v) ** 2 for v in xq))
        assert abs(float(mp.const(n) - sine.g_mp(r, dps=40))) <= res.upper


def test_the_built_network_meets_eps_with_a_proof(net4, sine):
    """d = 4, ε = 0.1: the stored bound is a proof ≤ ε (re-run by verify), far below the cubature's size (99,372)."""
    from netconstruct.verify import verify_radial

    assert Fraction(net4.metadata["bounds"]["sup_error"]) <= Fraction(1, 10)
    assert net4.size <= 2000
    rep = verify_radial(net4, sine, Fraction(1, 10), samples=500)
    assert rep.ok and rep.certified.value <= Fraction(1, 10)
    assert rep.certified.details["symmetry"].startswith("hyperoctahedral")


def test_a_perturbed_weight_makes_a_too_good_claim_fail(net4, sine):
    """An output weight raised by 0.05 moves the error up by ≥ 0.05·min|ReLU| somewhere: verifying the perturbed
    network at the original proved bound fails (the perturbation also breaks the symmetry, so the whole ball is
    covered)."""
    from netconstruct.verify import verify_radial

    first, out = net4.layers
    from netconstruct.matrix import as_coo

    c = as_coo(out.weight)
    vals = [v * 3 if i == 0 else v for i, v in enumerate(c.values)]
    bent = Network((first, Layer(type(c).from_triplets(c.shape, c.rows, c.cols, vals), out.bias, out.activation)))
    claim = Fraction(net4.metadata["bounds"]["sup_error"])
    rep = verify_radial(bent, sine, claim, samples=2000)
    assert not rep.ok and not rep.checks["certified_le_eps"]


def test_the_accuracy_regime_uses_it_at_d4_and_d5(sine):
    """`radial --depth 2 --regime accuracy` plans the symmetric ridges at d = 4, 5 (ε ≥ MIN_EPS) and the cubature at
    d = 6; below MIN_EPS the symmetric construction itself refuses in one line, before building anything."""
    from netconstruct.errors import TooLargeError

    c = CONSTRUCTIONS["depth2_accuracy"]
    assert isinstance(c.plan(4, Fraction(1, 10), sine), sr.SymmetricPlan)
    assert isinstance(c.plan(5, Fraction(1, 10), sine), sr.SymmetricPlan)
    assert not isinstance(c.plan(6, Fraction(3, 10), sine), sr.SymmetricPlan)
    with pytest.raises(TooLargeError, match="eps ≥ 0.02"):
        sr.plan(4, Fraction(1, 100), sine)
