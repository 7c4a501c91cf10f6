from __future__ import annotations

import math

import numpy as np

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
