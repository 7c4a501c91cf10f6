"""TIN's LIS and NIS rules, with its thresholds."""

from __future__ import annotations

import numpy as np

from hhikit.hoi.data import COCO80_INDEX
from hhikit.hoi.rules import LIS_HICODET, LIS_VCOCO, apply_hoi_rules, lis, nis_hicodet, nis_vcoco


def test_lis_is_tins_sigmoid() -> None:
    # T / (1 + exp(k - w x)): HICO-DET (6, 10, 1.4), V-COCO (6, 6, 7)
    assert np.isclose(lis(1.0, LIS_HICODET), 6 / (1 + np.exp(10 - 1.4)))
    assert np.isclose(lis(0.5, LIS_VCOCO), 6 / (1 + np.exp(6 - 3.5)))
    s = lis(np.array([0.1, 0.5, 0.9]), LIS_VCOCO)
    assert s[0] / s[2] < 0.01 and s[1] < s[2]  # low-grade detections are crushed, confident ones kept


def test_nis_hicodet_default_and_per_object_thresholds() -> None:
    cup, person, tv = COCO80_INDEX["cup"], COCO80_INDEX["person"], COCO80_INDEX["tv"]
    # default (t_no, t_inter) = (0.9, 0.1): suppressed iff P(not) > 0.9 and P(inter) < 0.1
    got = nis_hicodet([0.05, 0.05, 0.2, 0.08], [0.95, 0.85, 0.95, 0.92], [cup] * 4)
    assert got.tolist() == [True, False, False, True]
    # person: (0.85, 0.05); tv: (0.95, 0.15)
    assert nis_hicodet([0.06, 0.04], [0.9, 0.9], [person, person]).tolist() == [False, True]
    assert nis_hicodet([0.12, 0.12], [0.93, 0.96], [tv, tv]).tolist() == [False, True]
    # explicit thresholds replace every per-object pair
    assert nis_hicodet([0.12], [0.93], [tv], t_no=0.9, t_inter=0.2).tolist() == [True]


def test_nis_vcoco_bounds_and_person_objects() -> None:
    ball, person = COCO80_INDEX["sports ball"], COCO80_INDEX["person"]
    # sports ball bounds (0.005, 0.95)
    assert nis_vcoco([0.001, 0.001, 0.01], [0.99, 0.9, 0.99], [ball] * 3).tolist() == [True, False, False]
    assert nis_vcoco([0.9], [0.1], [person]).tolist() == [True]  # TIN scores no person as a role object
    assert nis_vcoco([0.9], [0.1], [person], person_objects=True).tolist() == [False]


def test_apply_rules_keeps_no_interaction_classes_of_suppressed_pairs() -> None:
    cup = COCO80_INDEX["cup"]
    p = np.array([[0.5, 0.4, 0.3], [0.5, 0.4, 0.3]])
    no_int = np.array([False, False, True])
    scores, mask = apply_hoi_rules(p, [0.01, 0.9], [0.99, 0.1], [cup, cup], "hicodet", 1.0, 1.0, no_int)
    assert mask.tolist() == [True, False]
    w = lis(1.0, LIS_HICODET) ** 2
    np.testing.assert_allclose(scores[0], [0, 0, 0.3 * w])  # the no_interaction class survives NIS
    np.testing.assert_allclose(scores[1], p[1] * w)
    off, m2 = apply_hoi_rules(p, [0.01, 0.9], [0.99, 0.1], [cup, cup], "hicodet", 1.0, 1.0, no_int, nis=False)
    assert not m2.any() and np.allclose(off, p * w)
