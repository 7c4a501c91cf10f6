"""Box overlap (IoU) of paired boxes, with the two pixel conventions HOI benchmarks use.

``inclusive`` (default for HICO-DET and V-COCO): boxes are ``[x1, y1, x2, y2]`` pixel
*indices*, both ends inside the box, so width = x2 - x1 + 1. This is what the official HICO-DET
(Matlab) and V-COCO (``vsrl_eval.py``) evaluation code computes; HICO-DET's annotation boxes are
1-based pixel indices (their minimum coordinate is 1 and x2 can equal the image width).

``continuous``: boxes are real coordinates, width = x2 - x1 (torchvision, COCO). The two
conventions only differ noticeably for small boxes; IoU of identical boxes is 1 in both.
Shifting every box by one pixel (0- vs 1-based indices) changes neither IoU.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

IoUConvention = Literal["inclusive", "continuous"]


def paired_iou(a: np.ndarray, b: np.ndarray, convention: IoUConvention = "inclusive") -> np.ndarray:
    """IoU of a[i] with b[i] for (N, 4) arrays. Rows with NaN give NaN."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if convention not in ("inclusive", "continuous"):
        raise ValueError(f"unknown IoU convention {convention!r}")
    one = 1.0 if convention == "inclusive" else 0.0
    iw = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]) + one
    ih = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]) + one
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0] + one, 0, None) * np.clip(a[:, 3] - a[:, 1] + one, 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0] + one, 0, None) * np.clip(b[:, 3] - b[:, 1] + one, 0, None)
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    out[np.isnan(a).any(1) | np.isnan(b).any(1)] = np.nan
    return out
