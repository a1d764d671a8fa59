"""The branch and bound's frontier (netconstruct.bounds.frontier): the boxes it takes are the n first of a stable sort
of the live boxes by decreasing key — ties by the order they came — whatever the sequence of pushes, takes and prunes
(a property test against a plain list), so the box certificate takes the same steps as when it sorted everything."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from netconstruct.bounds.frontier import Frontier
from netconstruct.exact import machine_key

ops = st.lists(st.one_of(
    st.tuples(st.just("push"), st.lists(st.sampled_from([0.5, 1.0, 1.0 + 2**-40, 2.0, 3.0, 7.25]), min_size=1, max_size=40)),
    st.tuples(st.just("take"), st.integers(1, 30)),
    st.tuples(st.just("prune"), st.sampled_from([0.75, 1.0, 2.5])),
), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(ops=ops)
def test_the_frontier_takes_what_a_stable_sort_of_all_live_boxes_would(ops):
    fr = Frontier(2, capacity=4)  # small: growth and compaction happen
    model: list[tuple[int, float]] = []  # (arrival, bound), live boxes in arrival order
    arrival = 0
    for op, arg in ops:
        if op == "push":
            U = np.array(arg)
            C = np.column_stack([np.arange(arrival, arrival + len(U)), U]).astype(float)  # centre carries its arrival
            fr.push(C, np.zeros_like(C), U, np.zeros(len(U), dtype=np.int64))
            model += [(arrival + k, u) for k, u in enumerate(arg)]
            arrival += len(U)
        elif op == "take":
            keys = machine_key(np.array([u for _, u in model])) if model else np.zeros(0)
            want = [model[i][0] for i in np.argsort(-keys, kind="stable")[:arg]]
            idx = fr.largest(arg)
            got = [int(c) for c in fr.boxes(idx)[0][:, 0]]
            assert got == want
            fr.take(idx)
            model = [m for m in model if m[0] not in set(want)]
        else:
            dropped = [u for _, u in model if u <= arg]
            assert fr.prune(arg) == (max(dropped) if dropped else -np.inf)
            model = [m for m in model if m[1] > arg]
        assert len(fr) == len(model)
        assert fr.top() == (max(u for _, u in model) if model else -np.inf)
        assert [int(c) for c in fr.boxes(fr.slots())[0][:, 0]] == [a for a, _ in model]
