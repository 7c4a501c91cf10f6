from __future__ import annotations

import numpy as np
import pytest

from hhikit.eval.boxes import paired_iou


def test_iou_hand_computed_both_conventions():
    a = np.array([[0, 0, 9, 9]], float)
    b = np.array([[5, 0, 14, 9]], float)
    # inclusive pixels: 10x10 boxes, overlap 5x10 = 50 -> 50 / 150
    assert paired_iou(a, b)[0] == pytest.approx(50 / 150)
    # continuous: 9x9 boxes, overlap 4x9 = 36 -> 36 / (81 + 81 - 36)
    assert paired_iou(a, b, "continuous")[0] == pytest.approx(36 / 126)


def test_iou_identical_disjoint_shifted_and_missing():
    a = np.array([[1, 1, 10, 20], [0, 0, 1, 1], [0, 0, 5, 5]], float)
    b = np.array([[1, 1, 10, 20], [50, 50, 60, 60], [np.nan] * 4])
    out = paired_iou(a, b)
    assert out[0] == 1.0 and out[1] == 0.0 and np.isnan(out[2])
    # 0- vs 1-based indices: shifting both boxes by one pixel does not change IoU
    c, d = np.array([[3, 4, 30, 40]], float), np.array([[10, 8, 35, 44]], float)
    for conv in ("inclusive", "continuous"):
        assert paired_iou(c, d, conv)[0] == pytest.approx(paired_iou(c + 1, d + 1, conv)[0])
    with pytest.raises(ValueError):
        paired_iou(a, b, "bogus")  # type: ignore[arg-type]
