"""The certificate is a proof: it holds at every tested point and it detects a broken network."""

from fractions import Fraction
from pathlib import Path

import pytest

from netconstruct.certificates.base import NotCertifiable
from netconstruct.certificates.sum_of_univariate import analyse, certify_radial, target_interval
from netconstruct.constructions import radial_depth3 as r3
from netconstruct.matrix import Coo
from netconstruct.network import Layer, Network, dense_layer
from netconstruct.verify import verify_radial


def test_certificate_dominates_exact_errors_on_a_rational_grid(sine):
    """d = 2: exact network values on a 41×41 grid in the disc never exceed the certificate."""
    from conftest import exact_error

    net = r3.build(2, Fraction(1, 5), sine)
    cert = certify_radial(net, target_interval(sine), 1).value
    worst = 0
    for i in range(-20, 21):
        for j in range(-20, 21):
            x = [Fraction(i, 20), Fraction(j, 20)]
            if x[0] ** 2 + x[1] ** 2 > 1:
                continue
            worst = max(worst, exact_error(net, sine, x))
    assert worst <= cert
    assert cert <= Fraction(1, 5)


def _perturb_output(net: Network, delta: Fraction) -> Network:
    last = net.layers[-1]
    W = last.weight
    vals = list(W.values)
    vals[0] = vals[0] + delta
    W2 = Coo(W.shape, W.rows, W.cols, tuple(vals), W.dense)
    return Network(net.layers[:-1] + (Layer(W2, last.bias, last.activation),), net.metadata)


def test_a_broken_network_fails_verification(sine):
    """Perturbing one output weight by a lot makes the certified error exceed ε: the check can fail."""
    net = r3.build(3, Fraction(1, 10), sine)
    bad = _perturb_output(net, Fraction(5))
    rep = verify_radial(bad, sine, Fraction(1, 10), samples=500)
    assert not rep.ok
    assert rep.certified.value > Fraction(1, 10)
    assert rep.checks["certified_ge_empirical"]  # still a valid bound


def test_unstructured_networks_get_the_general_certificate(sine):
    """A network without the sum-of-univariate structure is certified by the box branch and bound; with
    the general certificate switched off it is reported as not certified (never as a pass)."""
    from netconstruct.certificates import Budget

    dense = Network(
        (
            dense_layer([[1, 1], [1, -1]], [0, 0], "relu"),
            dense_layer([[1, 0], [0, 2]], [0, 0], "relu"),
            dense_layer([[1, 1]], [0], "identity"),
        )
    )
    with pytest.raises(NotCertifiable, match="rank one"):
        analyse(dense, 1)
    rep = verify_radial(dense, sine, None, samples=200)
    assert rep.certified.method.startswith("box branch and bound")
    assert rep.certified.value >= rep.sampled.value * (1 - Fraction(1, 10**12))
    off = verify_radial(dense, sine, Fraction(1, 10), samples=200, budget=Budget(general="never"))
    assert off.certified.value is None and off.verdict != "certified" and not off.ok


def test_linear_first_layer_neuron_needs_a_proof_of_linearity(sine):
    """A neuron reading two coordinates counts as linear only if b ≥ R‖w‖ (exactly checked)."""
    ok = Network(
        (
            dense_layer([[1, 1], [1, 0]], [2, 0], "relu"),  # 2 ≥ √2: linear on the unit disc
            dense_layer([[1, 1]], [0], "relu"),
            dense_layer([[1]], [0], "identity"),
        )
    )
    analyse(ok, 1)
    not_ok = Network(
        (
            dense_layer([[1, 1], [1, 0]], [1, 0], "relu"),  # 1 < √2
            dense_layer([[1, 1]], [0], "relu"),
            dense_layer([[1]], [0], "identity"),
        )
    )
    with pytest.raises(NotCertifiable, match="not linear"):
        analyse(not_ok, 1)


def test_tied_pieces_are_bounded_soundly_through_the_best_one():
    """Fact: with uniform knots every piece of ε(t) = h(t) − h(0) − t² reaches the same extremes, and the shortcut
    for many tied pieces (the best one exactly plus a proved margin) is never below the exact maximum (upper) nor
    above the exact minimum (lower), and within 10⁻¹⁰ of them, for λ = 0 and every sixteenth λ of the grid."""
    from netconstruct.bounds import shells
    from netconstruct.constructions.univariate import square_interpolant_at

    R = Fraction(1)
    h = square_interpolant_at([R * k / 200 for k in range(201)]).relu_sum()
    q = shells.square_error(h, R)
    lams = (Fraction(0),) + shells.LAMBDAS[::16]
    fast = q.extremes(lams, True), q.extremes(lams, False)
    saved = shells.EXACT_TIES
    try:
        shells.EXACT_TIES = 10**9  # every tied piece evaluated exactly
        exact = q.extremes(lams, True), q.extremes(lams, False)
    finally:
        shells.EXACT_TIES = saved
    assert all(a >= b for a, b in zip(fast[0], exact[0])) and all(a <= b for a, b in zip(fast[1], exact[1]))
    assert max(abs(a - b) for a, b in zip(fast[0] + fast[1], exact[0] + exact[1])) < Fraction(1, 10**10)
    assert any(a != b for a, b in zip(fast[0] + fast[1], exact[0] + exact[1]))  # the shortcut did run


def test_the_lower_bound_comes_with_a_witness_anyone_can_recheck(tmp_path):
    """Fact: verify's worst point is reported exactly, lies in the closed ball exactly, `eval` at it gives N(x)
    again, and |N(x) − g(‖x‖)| evaluated independently at 60 digits is ≥ the proved `error_at_least`, which is
    ≤ the certified upper bound."""
    import json

    import mpmath
    from typer.testing import CliRunner

    from netconstruct.cli import app

    golden = Path(__file__).parent / "golden" / "r3.json"
    res = CliRunner().invoke(app, ["verify", str(golden), "--samples", "100", "--json"])
    data = json.loads(res.output)
    w = data["empirical"]["witness"]
    x = [Fraction(v) for v in w["x"]]
    assert sum(v * v for v in x) <= 1 and w["norm_squared_le_radius_squared"]
    ev = json.loads(CliRunner().invoke(app, ["eval", str(golden), "--x", ",".join(w["x"]), "--json"]).output)
    ctx = mpmath.MPContext()
    ctx.dps = 60
    n = ctx.mpf(Fraction(ev["exact"][0]).numerator) / Fraction(ev["exact"][0]).denominator
    r = ctx.sqrt(sum(ctx.mpf(v.numerator) / v.denominator * ctx.mpf(v.numerator) / v.denominator for v in x))
    err = abs(n - ctx.sin(ctx.pi * r) / ctx.pi)
    assert err >= ctx.mpf(w["error_at_least"]) * (1 - ctx.mpf(10) ** -40)
    assert Fraction(w["error_at_least"]) <= Fraction(data["sup_error_interval"]["upper"])


def test_a_point_rounded_outside_the_ball_is_pulled_inside_exactly():
    """Fact: a float point whose exact norm exceeds R by rounding is scaled inside exactly (‖x‖² ≤ R²)."""
    import math

    from netconstruct.verify import inside_ball

    v = [1 / math.sqrt(3)] * 3
    v = [math.nextafter(c, 2) for c in v]  # just outside the unit sphere in exact arithmetic
    assert sum(Fraction(c) ** 2 for c in v) > 1
    x = inside_ball(v, 1)
    assert sum(c * c for c in x) <= 1 and all(abs(float(a) - b) < 1e-12 for a, b in zip(x, v))


def test_the_shell_certificate_is_the_same_on_one_and_two_workers(sine):
    """Each shell's bound is a function of the shell alone, so bounding the initial shells in two worker processes
    gives the same certificate — value, shells, worst shell — as bounding them here."""
    net = r3.build(5, Fraction(1, 10), sine)
    one = certify_radial(net, target_interval(sine), 1, workers=1)
    two = certify_radial(net, target_interval(sine), 1, workers=2)
    assert one.value == two.value and one.details == two.details and one.probe_points == two.probe_points
