"""TIN's interaction pattern against maps computed by hand from TIN's pixel rules."""

from __future__ import annotations

import numpy as np

from hhikit.pairs.tin_maps import NO_POSE_FILL, TIN_LIMB_INTENSITY, TIN_LIMBS, tin_boxes, tin_pattern, tin_patterns


def _box_mask(x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    m = np.zeros((64, 64), np.float32)
    m[y1 : y2 + 1, x1 : x2 + 1] = 1
    return m


def test_square_union_fills_the_frame() -> None:
    # union 20 x 20 (inclusive +1): scale 3.2; human [0,0,9,19] -> [0,0,31,63]; object -> [32,32,63,63]
    h, o = tin_boxes([0, 0, 9, 19], [10, 10, 19, 19])
    assert h.tolist() == [0, 0, 31, 63] and o.tolist() == [32, 32, 63, 63]
    p = tin_pattern([0, 0, 9, 19], [10, 10, 19, 19])
    assert p.shape == (3, 64, 64) and p.dtype == np.float32
    np.testing.assert_array_equal(p[0], _box_mask(0, 0, 31, 63))
    np.testing.assert_array_equal(p[1], _box_mask(32, 32, 63, 63))


def test_tall_union_keeps_aspect_and_centres_horizontally() -> None:
    # union 30 wide x 40 tall: scale 64/40 = 1.6; human x2 = 1.6*10-1 = 15, object [16,48,47,63];
    # pattern 48 wide, shifted by 32 - 48/2 = 8 -> human cols 8..23, object cols 24..55
    h, o = tin_boxes([0, 0, 9, 39], [10, 30, 29, 39])
    assert h.tolist() == [8, 0, 23, 63] and o.tolist() == [24, 48, 55, 63]
    p = tin_pattern([0, 0, 9, 39], [10, 30, 29, 39])
    assert p[:2, :, :8].sum() == 0 and p[:2, :, 56:].sum() == 0  # empty margins: aspect kept
    np.testing.assert_array_equal(p[1], _box_mask(24, 48, 55, 63))


def test_wide_union_centres_vertically_and_snaps_far_edge() -> None:
    # union 40 wide x 10 tall (offset by 100): scale 1.6; human [0,0,9,9] -> [0,0,15,15];
    # object [30,5,39,9] -> x [48, 63], y [8, 15]; extent 16 -> shift 32 - 8 = 24
    h, o = tin_boxes([100, 100, 109, 109], [130, 105, 139, 109])
    assert h.tolist() == [0, 24, 15, 39] and o.tolist() == [48, 32, 63, 39]


def test_no_pose_fills_the_human_box_with_005() -> None:
    p = tin_pattern([0, 0, 9, 19], [10, 10, 19, 19])
    np.testing.assert_array_equal(p[2], _box_mask(0, 0, 31, 63) * np.float32(NO_POSE_FILL))


def test_pose_map_limbs_neck_and_intensities() -> None:
    assert len(TIN_LIMBS) == 17 and TIN_LIMB_INTENSITY[0] == 0.15 and TIN_LIMB_INTENSITY[-1] == 0.95
    # a 64 x 64 human box over the same object: the pattern frame equals the image frame
    kp = np.zeros((17, 3))
    kp[:, :2] = 10
    kp[13, :2] = (10, 30)  # left knee
    kp[15, :2] = (10, 40)  # left ankle
    p = tin_pattern([0, 0, 63, 63], [0, 0, 63, 63], kp)
    want = np.zeros((64, 64), np.float32)
    want[11:30, 10] = 0.8  # limb (11, 13), the 14th: 0.15 + 13 * 0.05
    want[30:41, 10] = 0.9  # limb (13, 15), drawn later, owns the knee pixel
    want[10, 10] = 0.95  # every other limb is a point at (10, 10); (14, 16) is drawn last
    np.testing.assert_allclose(p[2], want, atol=1e-6)


def test_neck_is_midway_between_shoulders_truncated() -> None:
    kp = np.zeros((17, 3))
    kp[:, :2] = (40, 40)
    kp[5, :2] = (20, 10)
    kp[6, :2] = (25, 10)  # neck = (22.5 -> 22, 10)
    p = tin_pattern([0, 0, 63, 63], [0, 0, 63, 63], kp)
    # limb (5, NECK) at 0.4 on cols 20..22, then (6, NECK) at 0.45 on cols 22..25; the
    # shoulder pixels are overdrawn by the arms (5, 7) at 0.5 and (6, 8) at 0.55, the neck
    # pixel by the last hip-to-neck limb (12, NECK) at 0.75
    row = [round(float(v), 2) for v in p[2, 10, 19:27]]
    assert row == [0, 0.5, 0.4, 0.75, 0.45, 0.45, 0.55, 0]


def test_scores_are_ignored_unless_min_score_is_asked() -> None:
    kp = np.zeros((17, 3))
    kp[:, :2] = 10
    kp[15, :2] = (10, 40)
    a = tin_pattern([0, 0, 63, 63], [0, 0, 63, 63], kp)
    assert a[2, 40, 10] > 0  # TIN draws joints of score 0
    b = tin_pattern([0, 0, 63, 63], [0, 0, 63, 63], kp, min_score=0.5)
    assert b[2].sum() == 0


def test_batch_equals_single() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 300, (5, 2, 2))
    boxes = np.concatenate([xy.min(1), xy.max(1) + 5], 1)
    objs = boxes[::-1] + 7
    many = tin_patterns(boxes, objs)
    for i in range(5):
        np.testing.assert_array_equal(many[i], tin_pattern(boxes[i], objs[i]))
