from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhikit.eval.ap import average_precision


def test_hand_computed_continuous_ap():
    # ranked: T F T F ; 2 positives -> P at recall .5 = 1, at recall 1 = 2/3
    ap = average_precision(np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 1, 0]))
    assert math.isclose(ap, 0.5 * 1.0 + 0.5 * (2 / 3))


def test_missed_positives_lower_ap():
    s, y = np.array([0.9, 0.1]), np.array([1, 1])
    assert average_precision(s, y) == 1.0
    assert math.isclose(average_precision(s, y, n_positives=4), 0.5)


def test_voc11():
    ap = average_precision(np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 1, 0]), method="voc11")
    assert math.isclose(ap, (6 * 1.0 + 5 * (2 / 3)) / 11)


def test_step_ap_hand_computed():
    # T F T F: recall steps 0.5 at P 1 and 0.5 at P 2/3 -> same as continuous here
    s, y = np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 1, 0])
    assert math.isclose(average_precision(s, y, method="step"), 0.5 + 0.5 * (2 / 3))
    # F T T: step takes precision 1/2 then 2/3; continuous lifts the first step to 2/3
    s, y = np.array([0.9, 0.8, 0.7]), np.array([0, 1, 1])
    assert math.isclose(average_precision(s, y, method="step"), 0.5 * 0.5 + 0.5 * (2 / 3))
    assert math.isclose(average_precision(s, y), 2 / 3)
    # T F F T: precision dips and recovers only to 0.5; continuous = step here as well
    s, y = np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 0, 0, 1])
    assert math.isclose(average_precision(s, y, method="step"), 0.5 + 0.5 * 0.5)


def test_ties_are_one_threshold_whatever_the_input_order():
    # one tie group holding 1 positive and 1 negative, below one sure positive
    y1 = np.array([1, 1, 0])
    y2 = np.array([1, 0, 1])
    s = np.array([0.9, 0.5, 0.5])
    for method in ("continuous", "voc11", "step"):
        assert average_precision(s, y1, method=method) == average_precision(s, y2, method=method)  # type: ignore[arg-type]
    # the group enters as one point: recall 1 at precision 2/3
    assert math.isclose(average_precision(s, y1), 0.5 * 1.0 + 0.5 * (2 / 3))


def test_constant_score_gives_the_positive_rate():
    y = np.array([0, 1, 0, 0, 1, 1, 0, 1, 1, 0])
    assert math.isclose(average_precision(np.zeros(len(y)), y), y.mean())
    assert math.isclose(average_precision(np.ones(len(y)), y, method="step"), y.mean())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.booleans()), min_size=1, max_size=40), st.randoms())
def test_property_input_order_never_matters(items, rnd):
    s = np.array([float(v) for v, _ in items])
    y = np.array([b for _, b in items], dtype=float)
    if y.sum() == 0:
        return
    perm = list(range(len(s)))
    rnd.shuffle(perm)
    for method in ("continuous", "voc11", "step"):
        a = average_precision(s, y, method=method)  # type: ignore[arg-type]
        b = average_precision(s[perm], y[perm], method=method)  # type: ignore[arg-type]
        assert math.isclose(a, b)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans()), min_size=1, max_size=40))
def test_property_step_equals_scikit_learn(items):
    metrics = pytest.importorskip("sklearn.metrics")
    s = np.array([float(v) for v, _ in items])
    y = np.array([b for _, b in items], dtype=int)
    if y.sum() == 0:
        return
    assert math.isclose(average_precision(s, y, method="step"), metrics.average_precision_score(y, s))
