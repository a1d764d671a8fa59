"""Depth-2 radial networks: exact identities, size = prediction, certified error ≤ ε, the trade-off."""

import random
from fractions import Fraction

import pytest

from netconstruct.constructions import radial_depth2 as r2
from netconstruct.constructions.polyapprox import even_approximation
from netconstruct.targets import make_target
from netconstruct.verify import verify_radial


def _rand_point(d, seed):
    rng = random.Random(seed)
    return [Fraction(rng.randint(-9, 9), rng.randint(1, 9)) for _ in range(d)]


@pytest.mark.parametrize("d,K", [(1, 3), (3, 3), (4, 2), (6, 2)])
def test_polarisation_identity_is_exact(d, K):
    """Σ_v c_{type(v), j} ⟨v,x⟩^{2j} = ‖x‖^{2j} exactly, for j ≤ K, at rational points."""
    for seed in range(3):
        x = _rand_point(d, seed)
        n2 = sum(v * v for v in x)
        for j in range(1, K + 1):
            s = sum(
                r2.type_coefficients(t, d, K)[j] * sum(a * b for a, b in zip(v, x)) ** (2 * j)
                for t in r2.direction_types(K, d)
                for v in r2.type_vectors(t, d)
            )
            assert s == n2**j


@pytest.mark.parametrize("d,K", [(2, 5), (3, 4), (4, 3)])
def test_rational_sphere_cubature_is_exact(d, K):
    """Σ ω ⟨w,x⟩^{2k} = c_{k,d} ‖x‖^{2k} exactly for k ≤ K; nodes are exact unit vectors; ω > 0."""
    rule = r2.sphere_rule(d, K)
    assert all(sum(a * a for a in w) == 1 for w, _ in rule)
    assert all(om > 0 for _, om in rule)
    x = _rand_point(d, 7)
    for k in range(K + 1):
        s = sum(om * sum(a * b for a, b in zip(w, x)) ** (2 * k) for w, om in rule)
        assert s == r2.sphere_moment(k, d) * sum(v * v for v in x) ** k


def test_direction_counts_match_enumeration():
    for d, K in [(3, 3), (5, 2), (2, 4)]:
        n = sum(1 for t in r2.direction_types(K, d) for _ in r2.type_vectors(t, d))
        assert n == sum(r2.type_count(t, d) for t in r2.direction_types(K, d)) == r2.direction_count("dimension", d, K)
    for d, K in [(2, 3), (3, 2)]:
        assert len(r2.sphere_rule(d, K)) == r2.direction_count("accuracy", d, K)


def test_polynomial_error_is_certified_against_samples(sine):
    import numpy as np

    p = even_approximation(sine, 4)
    r = np.linspace(0, 1, 2001)
    q = np.polyval(list(reversed([float(c) for c in p.monomial])), r * r)
    assert np.abs(q - sine.g_float(r)).max() <= float(p.error)


CASES = [
    ("dimension", 2, "0.2", "sine"),
    ("dimension", 6, "0.25", "gauss"),
    ("dimension", 12, "0.3", "sine"),
    ("accuracy", 2, "0.1", "sine"),
    ("accuracy", 2, "0.1", "tent"),
    ("accuracy", 3, "0.2", "gauss"),
]


@pytest.mark.parametrize("regime,d,eps,name", CASES)
def test_depth2_network_is_certified_below_eps_and_has_predicted_size(regime, d, eps, name):
    t = make_target(name)
    eps = Fraction(eps)
    p = r2.plan(regime, d, eps, t)
    net = r2.build(regime, d, eps, t)
    assert net.depth == 2
    assert net.size == p.neurons
    rep = verify_radial(net, t, eps, samples=1000, seed=2)
    assert rep.ok, rep.checks
    cert = Fraction(rep.to_json()["certified"]["sup_error"])
    assert Fraction(rep.to_json()["empirical"]["max_error_mpmath"]) <= cert <= eps


def test_certificate_catches_a_wrong_ridge(sine):
    """Perturb one output weight: the certified error must grow past ε."""
    from netconstruct.matrix import Coo
    from netconstruct.network import Layer, Network

    net = r2.build("accuracy", 2, Fraction(1, 5), sine)
    W = net.layers[1].weight
    vals = list(W.values)
    vals[3] += 1
    bad = Network((net.layers[0], Layer(Coo(W.shape, W.rows, W.cols, tuple(vals)), net.layers[1].bias, "identity")), net.metadata)
    rep = verify_radial(bad, sine, Fraction(1, 5), samples=300)
    assert not rep.ok and Fraction(rep.to_json()["certified"]["sup_error"]) > Fraction(1, 5)


def test_trade_off_shape(sine):
    """Depth 3 grows polynomially in d and 1/ε; depth-2 'dimension' has exponent growing with 1/ε; the sphere
    cubature grows exponentially in d, while the accuracy regime as registered (ridge average at d = 2, 3, symmetric
    ridges at d = 4, 5, built and certified) has no cliff: each added dimension at most 50× the size."""
    import math

    from netconstruct.constructions import radial_depth2, radial_depth3
    from netconstruct.constructions import CONSTRUCTIONS

    def depth2_size(regime, d, eps, target):
        return CONSTRUCTIONS[f"depth2_{regime}"].size(d, eps, target).to_json()

    e1, e2 = Fraction(3, 10), Fraction(1, 5)
    d3 = [radial_depth3.plan(d, e2, sine).neurons for d in (2, 5, 10, 50)]
    assert d3 == sorted(d3)
    dim = {e: [depth2_size("dimension", d, e, sine)["neurons"] for d in (10, 50)] for e in (e1, e2)}
    slope = {e: math.log(dim[e][1] / dim[e][0]) / math.log(5) for e in (e1, e2)}
    assert slope[e2] > slope[e1] + 0.5  # poly(d) with a degree that grows as ε shrinks
    cubature = [radial_depth2.direction_count("accuracy", d, 2) for d in (3, 4, 5)]
    assert min(b / a for a, b in zip(cubature, cubature[1:])) > 4  # the sphere cubature: exponential in d
    acc = [depth2_size("accuracy", d, e2, sine)["neurons"] for d in (2, 3, 4, 5)]
    assert max(b / a for a, b in zip(acc, acc[1:])) <= 50  # the registered accuracy regime: no cliff (issue 27)
    ridge = [depth2_size("accuracy", d, e2, sine)["neurons"] for d in (2, 3)]
    assert ridge[0] < ridge[1] < 100  # the ridge average at d = 2, 3: small (certified at build)
    assert depth2_size("accuracy", 50, e2, sine)["neurons"] > 10**20 > radial_depth3.plan(50, e2, sine).neurons


def test_separation_command(tmp_path):
    import json

    from typer.testing import CliRunner

    from netconstruct.cli import app

    res = CliRunner().invoke(app, ["separation", "--d", "2,4", "--eps", "0.3", "--build-max", "3000", "--json", "--plot", str(tmp_path / "s.png")])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert [r["d"] for r in rows] == [2, 4]
    for r in rows:
        for v in r["built"].values():
            assert v["ok"] and float(v["certified"]) <= 0.3
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_approximations_from_worker_processes_are_the_local_ones(sine):
    """The separation table computes each ε's certified approximations once, in a worker, and hands them to the
    pieces: the pickled round trip must give exactly the polynomials (coefficients and certified error) that
    ``degrees_below`` computes here — the smallest degree with certified error < ε first."""
    from netconstruct.constructions.polyapprox import degrees_below
    from netconstruct.parallel import run
    from netconstruct.separation import approximations

    epss = [Fraction(3, 10), Fraction(1, 5)]
    remote = run(approximations, epss, (sine, 0), workers=2)
    for eps, polys in zip(epss, remote):
        local = degrees_below(sine, eps)
        assert list(polys) == local and all(p.error < eps for p in local)
        assert local[0].degree == 1 or even_approximation(sine, local[0].degree - 1, eps / 200).error >= eps
