from __future__ import annotations

import pytest

from hhikit.pairs import apply_nis, build_pairs, get_interactiveness
from hhikit.types import Pair, Person
from tests.pairs.skeleton_kp import person_kp


def _people() -> list[Person]:
    return [
        Person(2, [1100, 0, 1160, 200], 0.7),
        Person(0, [60, 0, 140, 200], 0.9, keypoints=person_kp(100, 0, "right")),
        Person(1, [120, 0, 200, 200], 0.8, keypoints=person_kp(160, 0, "left")),
    ]


def test_every_unordered_pair_once() -> None:
    pairs = build_pairs(_people())
    assert [(p.a, p.b) for p in pairs] == [(0, 1), (0, 2), (1, 2)]
    assert all(p.interactiveness == 0.0 and not p.suppressed for p in pairs)
    assert pairs[0].geometry["mutual_facing"] == 1.0
    assert "facing_a" not in pairs[1].geometry or "facing_b" not in pairs[1].geometry
    assert build_pairs(_people()[:1]) == []


def test_nis_marks_low_pairs_and_keeps_them() -> None:
    model = get_interactiveness()
    pairs = build_pairs(_people(), model)
    assert len(pairs) == 3
    close = pairs[0]
    assert close.interactiveness > model.threshold and not close.suppressed
    far = [p for p in pairs if p.b == 2]
    assert all(p.suppressed for p in far)
    # an explicit threshold overrides the model's
    assert not any(p.suppressed for p in build_pairs(_people(), model, nis_threshold=0.0))
    assert all(p.suppressed for p in build_pairs(_people(), model, nis_threshold=1.01))


@pytest.mark.parametrize(("score", "thr", "suppressed"), [(0.2, 0.3, True), (0.3, 0.3, False), (0.9, 0.3, False)])
def test_apply_nis(score: float, thr: float, suppressed: bool) -> None:
    p = Pair(0, 1, interactiveness=score)
    apply_nis([p], thr)
    assert p.suppressed is suppressed
    assert Pair.from_dict(p.to_dict()).suppressed is suppressed


def test_other_keypoint_layouts_and_degenerate_boxes_are_safe() -> None:
    people = _people()
    people[1].keypoint_format = "mediapipe33"
    pairs = build_pairs(people, get_interactiveness())
    assert "facing_a" not in pairs[0].geometry  # person 0's keypoints are not COCO-17 now
    assert pairs[0].geometry["facing_b"] == -1.0
    flat = [Person(0, [10, 10, 10, 10], 0.9), Person(1, [float("nan"), 0, 5, 5], 0.9)]
    (p,) = build_pairs(flat, get_interactiveness())
    assert 0.0 <= p.interactiveness <= 1.0
