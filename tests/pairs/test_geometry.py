from __future__ import annotations

import numpy as np
import pytest

from hhikit.pairs.geometry import box_geometry, box_iou, facing_direction, pair_geometry
from tests.pairs.skeleton_kp import person_kp as _person_kp


def test_iou_and_box_values() -> None:
    a, b = [0, 0, 10, 10], [5, 0, 15, 10]
    assert box_iou(a, b) == pytest.approx(50 / 150)
    g = box_geometry(a, b)
    assert g["iou"] == pytest.approx(1 / 3)
    assert g["overlap_min"] == pytest.approx(0.5)
    # centres 5 apart; union 15 x 10 -> diagonal sqrt(325); mean height 10
    assert g["center_dist"] == pytest.approx(5 / np.sqrt(325))
    assert g["center_dist_height"] == pytest.approx(0.5)
    assert g["gap"] == 0.0
    assert g["rel_size"] == 1.0 and g["rel_height"] == 1.0
    assert g["dx"] == pytest.approx(0.5) and g["dy"] == 0.0


def test_far_and_nested_boxes() -> None:
    g = box_geometry([0, 0, 10, 20], [40, 10, 45, 20])
    assert g["iou"] == 0.0 and g["overlap_min"] == 0.0
    assert g["gap"] == pytest.approx(30 / 15)  # 30 px horizontal gap over mean height 15
    assert g["rel_size"] == pytest.approx(50 / 200)
    assert g["rel_height"] == pytest.approx(0.5)
    assert g["dy"] > 0 and g["bottom_offset"] == 0.0
    inner = box_geometry([0, 0, 100, 100], [10, 10, 20, 20])
    assert inner["overlap_min"] == pytest.approx(1.0)
    assert inner["iou"] == pytest.approx(0.01)


def test_swapping_changes_only_signed_values() -> None:
    a, b = [0, 0, 50, 120], [30, 20, 90, 150]
    g, h = box_geometry(a, b), box_geometry(b, a)
    for k in ("iou", "overlap_min", "center_dist", "gap", "rel_size", "rel_height"):
        assert g[k] == pytest.approx(h[k])
    assert g["dx"] == pytest.approx(-h["dx"] * 1.0)


@pytest.mark.parametrize(("facing", "expected"), [("left", -1.0), ("right", 1.0), ("camera", 0.0)])
def test_facing_direction(facing: str, expected: float) -> None:
    assert facing_direction(_person_kp(100, 0, facing)) == expected


def test_facing_unknown_without_head() -> None:
    kp = _person_kp(100, 0, "camera")
    kp[0, 2] = 0.0
    assert facing_direction(kp) is None
    assert facing_direction(None) is None


def test_pair_faces_each_other_and_hand_contact() -> None:
    kp_a = _person_kp(100, 0, "right")
    kp_b = _person_kp(220, 0, "left")
    box_a, box_b = [60, 0, 140, 200], [180, 0, 260, 200]
    g = pair_geometry(box_a, box_b, kp_a, kp_b)
    assert g["facing_a"] == 1.0 and g["facing_b"] == -1.0
    assert g["a_faces_b"] == 1.0 and g["b_faces_a"] == 1.0 and g["mutual_facing"] == 1.0
    assert g["a_hand_in_b_box"] == 0.0 and g["a_hand_near_b"] == 0.0
    # a reaches out: right wrist onto b's shoulder
    kp_a[10, :2] = kp_b[5, :2] + [2, 3]
    g = pair_geometry(box_a, box_b, kp_a, kp_b)
    assert g["a_hand_in_b_box"] == 1.0 and g["a_hand_near_b"] == 1.0
    assert g["hand_contacts"] == 1.0
    assert g["min_hand_dist"] < 0.05
    # back to back: neither faces the other
    g = pair_geometry(box_a, box_b, _person_kp(100, 0, "left"), _person_kp(220, 0, "right"))
    assert g["a_faces_b"] == 0.0 and g["b_faces_a"] == 0.0


def test_keypoint_values_absent_without_keypoints() -> None:
    g = pair_geometry([0, 0, 10, 20], [5, 0, 15, 20])
    assert "facing_a" not in g and "hand_contacts" not in g
    assert all(isinstance(v, float) for v in g.values())


def test_pairs_geometry_equals_pair_geometry() -> None:
    """The vectorised many-pairs path gives the same keys and values as the per-pair one:
    random boxes (some swapped or degenerate), keypoints partly visible or missing."""
    from hhikit.pairs.geometry import pairs_geometry

    rng = np.random.default_rng(3)
    n = 9
    boxes = rng.uniform(0, 400, (n, 4))
    boxes[:, 2:] = boxes[:, :2] + rng.uniform(20, 200, (n, 2))
    boxes[1] = boxes[1][[2, 3, 0, 1]]  # corners given the other way round
    boxes[2, 2] = boxes[2, 0]  # zero width
    boxes[3] = boxes[4]  # identical boxes
    kps: list[np.ndarray | None] = []
    for i in range(n):
        if i % 4 == 3:
            kps.append(None)
            continue
        b = np.sort(boxes[i].reshape(2, 2), axis=0).ravel()
        kp = np.c_[rng.uniform(b[0] - 30, b[2] + 30, 17), rng.uniform(b[1], b[3], 17), rng.uniform(0, 1, 17)]
        kps.append(kp)
    boxes[0], boxes[5] = [60, 0, 140, 200], [90, 0, 170, 200]  # two close people facing each other
    kps[0], kps[5] = _person_kp(100, 0, "right"), _person_kp(130, 0, "left")
    idx = [(i, j) for i in range(n) for j in range(i + 1, n)]
    many = pairs_geometry(boxes, kps, idx)
    assert len(many) == len(idx)
    for (i, j), g in zip(idx, many, strict=True):
        ref = pair_geometry(boxes[i], boxes[j], kps[i], kps[j])
        assert list(g) == list(ref), (i, j)
        np.testing.assert_allclose([g[k] for k in ref], list(ref.values()), rtol=1e-9, atol=1e-12, err_msg=str((i, j)))
    assert any(g.get("hand_contacts", 0) > 0 for g in many) and any(g.get("mutual_facing") == 1 for g in many)
    assert any(g.get("a_hand_in_b_box", 0) > 0 for g in many)
    assert pairs_geometry(boxes, kps, []) == []
    assert pairs_geometry(boxes[:2], None, [(0, 1)])[0].keys() == box_geometry(boxes[0], boxes[1]).keys()
