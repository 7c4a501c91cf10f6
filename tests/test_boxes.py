from __future__ import annotations

import numpy as np

from hhikit.boxes import box_iou, iou_matrix


def test_box_iou_hand_computed():
    assert box_iou([0, 0, 2, 2], [1, 1, 3, 3]) == 1 / 7
    assert box_iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_iou_matrix_matches_scalar_and_handles_empty():
    a = np.array([[0, 0, 2, 2], [5, 5, 9, 9]], float)
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [6, 5, 9, 8]], float)
    m = iou_matrix(a, b)
    assert m.shape == (2, 3) and m.dtype == np.float32
    for i in range(2):
        for j in range(3):
            assert abs(m[i, j] - box_iou(a[i], b[j])) < 1e-6
    assert iou_matrix(np.zeros((0, 4)), b).shape == (0, 3)
