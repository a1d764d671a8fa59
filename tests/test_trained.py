"""Trained vs constructed (netconstruct.experiments.trained_vs_constructed, `netconstruct train`).

Facts checked: the width search returns the smallest success among the widths it tried and, when success is
monotone in the width, the smallest successful width overall, calling each width once (property test); a tiny
study end to end (d = 2, ε = 0.3) reports a certified width, and `verify` re-proves every saved success
(upper ≤ ε from the network file alone); the same seed gives the same table; bad arguments are refused
with one line before any training.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from netconstruct.cli import app
from netconstruct.experiments.trained_vs_constructed import Recipe, certify_trained, search_widths, study
from netconstruct.network import Network, dense_layer
from netconstruct.targets import make_target


@settings(max_examples=200, deadline=None)
@given(threshold=st.integers(1, 300), start=st.integers(1, 16), max_width=st.integers(16, 256))
def test_width_search_finds_the_threshold_of_a_monotone_outcome(threshold, start, max_width):
    """For outcome(w) = (w ≥ threshold): the answer is the threshold when it is ≤ max_width (bisection also looks
    below the start width), else None; each width is tried at most once; every width tried below the answer failed."""
    calls = []

    def outcome(w):
        calls.append(w)
        return w >= threshold

    found, tried = search_widths(outcome, start, max_width)
    assert len(calls) == len(set(calls)) and calls == tried
    if threshold <= max_width:
        assert found == threshold
    else:
        assert found is None and max_width in tried
    assert all(not (w >= threshold) for w in tried if found is None or w < found)


def test_width_search_reports_the_smallest_success_it_saw():
    """Non-monotone outcomes (training is not monotone): the answer is a width that succeeded, never one that failed."""
    ok = {4: False, 8: True, 6: False, 7: True}
    found, tried = search_widths(lambda w: ok.get(w, False), 4, 64)
    assert found == 7 and tried == [4, 8, 6, 7]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """`netconstruct train` on d = 2, ε = 0.3, depth 2, a few hundred steps: seconds."""
    out = tmp_path_factory.mktemp("trained")
    res = CliRunner().invoke(app, ["train", "--d", "2", "--eps", "0.3", "--depth", "2", "--steps", "200", "--seeds", "1",
                                   "--max-width", "8", "--certify-seconds", "20", "--out-dir", str(out), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), out


def test_a_tiny_study_reports_a_certified_width(tiny):
    """The reported width succeeded with a proof: status certified and upper ≤ ε; every width tried has lower ≤ upper."""
    data, _ = tiny
    (row,) = data["rows"]
    w = row["smallest_certified_width"]
    assert w is not None
    best = next(t for t in row["tried"] if t["width"] == w)
    assert best["status"] == "certified" and best["lower"] <= best["upper"] <= 0.3
    assert all(t["lower"] <= t["upper"] for t in row["tried"])
    assert row["constructed"]["depth3"]["neurons"] > 0


def test_verify_re_proves_every_saved_success(tiny):
    """Each network saved with status 'certified' is proved ≤ ε again by `verify` from its file alone, and its stored
    bound is never below the error verify finds."""
    data, out = tiny
    files = sorted(out.glob("*.json"))
    assert files
    for f in files:
        meta = json.loads(f.read_text())["metadata"]
        if meta["training"]["status"] != "certified":
            continue
        res = CliRunner().invoke(app, ["verify", str(f), "--eps", "0.3", "--samples", "300", "--json"])
        assert res.exit_code == 0, res.output
        rep = json.loads(res.stdout)
        assert float(rep["certified"]["sup_error"]) <= 0.3
        assert float(meta["bounds"]["sup_error"]) >= float(rep["empirical"]["max_error_mpmath"])


def test_the_same_seed_gives_the_same_table():
    """`--seed` fixes data, initialisation and order: two runs give the same rows (times aside)."""
    sine = make_target("sine")

    def rows():
        rep = study(2, [Fraction(3, 10)], sine, depths=(3,), recipe=Recipe("minimax", steps=120), seeds=1, seed=5,
                    widths=[2, 4], certify_seconds=20)
        return [[{k: v for k, v in t.items() if not k.endswith("seconds")} for t in r["tried"]] for r in rep.data["rows"]]

    assert rows() == rows()


def _exact_random_net():
    """An exact random 3→12→8→1 network: no training, the same bits on every machine."""
    rng = np.random.default_rng(11)
    layers, widths = [], [3, 12, 8, 1]
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        W = [[Fraction(int(v), 64) for v in row] for row in rng.integers(-64, 65, size=(b, a))]
        layers.append(dense_layer(W, [Fraction(int(v), 64) for v in rng.integers(-16, 17, size=b)],
                                  "relu" if i < len(widths) - 2 else "identity"))
    return Network(tuple(layers))


def test_the_certificate_budget_is_the_given_box_count():
    """`boxes` is each certificate's budget: with ε strictly inside the first grid's [lower, upper], a 1-box budget
    stops there ('regions', status 'not certified' — never a claim), while the default budget goes on to a verdict."""
    net, sine = _exact_random_net(), make_target("sine")
    first = certify_trained(net, sine, Fraction(10**6), 60, 1, boxes=1)
    eps = (Fraction(first["lower"]) + Fraction(first["upper"])) / 2
    small = certify_trained(net, sine, eps, 60, 1, boxes=1)
    assert small["certify_stopped"] == "regions" and small["status"] == "not certified"
    assert small["lower"] <= eps < small["upper"]
    full = certify_trained(net, sine, eps, 60, 1)
    assert full["status"] in ("certified", "exceeds") and full["boxes"] > small["boxes"]


def test_an_interval_straddling_eps_is_narrowed_until_one_side_wins():
    """The study asks only "≤ ε or not": with ε 0.05% above the error found (its true sup is below ε), the
    certificate goes on until it proves ≤ ε — a relative stopping gap of 10⁻³ would have stopped it 'not certified'
    with ε inside [lower, upper]."""
    from netconstruct.bounds.boxes import certify_any

    net, sine = _exact_random_net(), make_target("sine")
    found = certify_any(net, sine, tol=0.0, seconds=60, max_regions=20_000)
    eps = Fraction(found.lower) * (1 + Fraction(5, 10_000))
    res = certify_trained(net, sine, eps, 60, 1)
    assert res["status"] == "certified" and res["upper"] <= eps and res["certify_stopped"] == "below"


@pytest.mark.parametrize("args,code,words", [
    (["--seeds", "0"], 2, "--seeds"),
    (["--widths", "0,4"], 2, "--widths"),
    (["--max-width", "1", "--start-width", "4"], 2, "widths"),
    (["--depth", "4"], 2, "--depth"),
    (["--recipe", "adamw"], 2, "recipe"),
    (["--steps", "0"], 2, "--steps"),
    (["--certify-seconds", "-1"], 2, "--certify-seconds"),
    (["--certify-boxes", "0"], 2, "--certify-boxes"),
    (["--eps", "0"], 2, "eps"),
    (["--steps", "1000000", "--max-width", "4096", "--max-minutes", "1"], 1, "estimated"),
    (["--g", "sqrt(r)"], 2, "Lipschitz"),
    (["--device", "tpu"], 1, "device"),
])
def test_bad_arguments_are_refused_in_one_line(args, code, words):
    """Out-of-range widths, seeds, budgets, a target that is not Lipschitz, an unknown device: one line, before training."""
    res = CliRunner().invoke(app, ["train", "--d", "2", *args])
    assert res.exit_code == code, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and words.lower() in lines[0].lower(), res.output


def test_missing_torch_names_the_extra(monkeypatch):
    """Without torch the command stops with exit 1 and names the extra to install."""
    import builtins

    real = builtins.__import__

    def no_torch(name, *a, **k):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda name, *a: no_torch(name))
    res = CliRunner().invoke(app, ["train", "--d", "2", "--eps", "0.3"])
    assert res.exit_code == 1 and "netconstruct[torch]" in res.output, res.output


def test_separation_takes_a_trained_column():
    """`separation --trained` adds, per cell, the smallest certified trained network of depth 2 and 3 (neurons), each
    no larger than what the cell's widths allow, in the JSON and the table."""
    res = CliRunner().invoke(app, ["separation", "--d", "2", "--eps", "0.3", "--build-max", "0", "--trained", "--json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)["rows"]
    assert set(row["trained"]) == {"2", "3"} and all(v and v >= 1 for v in row["trained"].values())
