from __future__ import annotations

import numpy as np
import pytest

from hhikit.pairs.maps import LIMB_INTENSITY, LIMBS, pose_map, spatial_map, spatial_maps
from tests.pairs.skeleton_kp import person_kp as _person_kp


def test_spatial_map_shape_and_content() -> None:
    m = spatial_map([0, 0, 50, 100], [50, 0, 100, 100])
    assert m.shape == (2, 64, 64) and m.dtype == np.float32
    # a fills the left half of the union frame, b the right half
    assert m[0, :, :32].min() == 1.0 and m[0, :, 32:].max() == 0.0
    assert m[1, :, 32:].min() == 1.0 and m[1, :, :32].max() == 0.0
    assert m[0].sum() == pytest.approx(64 * 32)


def test_spatial_map_fractional_edges_and_small_boxes() -> None:
    m = spatial_map([0, 0, 1000, 1000], [500, 500, 501, 501])
    assert m[0].min() == 1.0  # a is the union frame
    # b covers 1/1000 of the width and height: its total mass is its area in cells
    assert m[1].sum() == pytest.approx(64 * 64 / 1e6, rel=1e-4)
    assert m[1].max() > 0


def test_spatial_maps_vectorised_equals_single() -> None:
    a = np.array([[0, 0, 10, 30], [5, 5, 50, 60]], float)
    b = np.array([[8, 2, 30, 40], [0, 0, 20, 20]], float)
    ms = spatial_maps(a, b, 16)
    assert ms.shape == (2, 2, 16, 16)
    np.testing.assert_allclose(ms[1], spatial_map(a[1], b[1], 16))


def test_pose_map_draws_limbs_with_distinct_intensities() -> None:
    kp_a, kp_b = _person_kp(100, 0, "right"), _person_kp(220, 0, "left")
    m = pose_map([60, 0, 140, 200], [180, 0, 260, 200], kp_a, kp_b)
    assert m.shape == (2, 64, 64)
    assert len(set(np.round(LIMB_INTENSITY, 4))) == len(LIMBS)
    for c in range(2):
        vals = set(np.round(np.unique(m[c][m[c] > 0]), 4))
        assert len(vals) >= 8  # many different limbs visible
        assert vals <= set(np.round(LIMB_INTENSITY, 4))
    # a's skeleton lies on the left of the union frame, b's on the right
    cols_a = np.nonzero(m[0].sum(0))[0]
    cols_b = np.nonzero(m[1].sum(0))[0]
    assert cols_a.max() < 32 <= cols_b.min()


def test_pose_map_empty_without_keypoints_and_skips_low_scores() -> None:
    m = pose_map([0, 0, 10, 10], [5, 5, 20, 20])
    assert m.shape == (2, 64, 64) and not m.any()
    kp = _person_kp(100, 0, "camera")
    kp[:, 2] = 0.05
    assert not pose_map([60, 0, 140, 200], [180, 0, 260, 200], kp, None).any()
