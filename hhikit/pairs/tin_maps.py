"""TIN's interaction pattern of a (human, object) pair, as its code draws it: ``(3, 64, 64)``.

After Li et al., *Transferable Interactiveness Network* (CVPR 2019), re-implemented from
the description of its pattern generation (pixel conventions included):

- **Union frame, aspect kept.** The union box of the pair (size ``w x h`` with TIN's
  inclusive ``+1`` pixel convention) is scaled by ``64 / max(w, h)``; a box corner ``x``
  maps to ``s * x`` and a far edge ``x2`` to ``s * (x2 + 1) - 1``. The box reaching the far
  edge of the long side is snapped to 63 (the object on a tie), the pattern is centred along
  the short side (shift ``32 - (extent + 1) / 2``), and the boxes are rounded half to even.
- **Channels.** 0: the human box filled with 1; 1: the object box filled with 1 (rows
  ``y1 .. y2`` and columns ``x1 .. x2`` inclusive).
- **Pose map** (channel 2). The 17 COCO keypoints are placed relative to the human box
  and scaled into the human's pattern box (rounded, capped at 63), plus an 18th "neck"
  joint midway between the shoulders (truncated); 17 limbs (``TIN_LIMBS``) are drawn as
  1-pixel 8-connected lines at intensities 0.15, 0.20, ..., 0.95, later limbs over earlier
  ones. TIN ignores keypoint scores (``min_score`` is hhikit's option to skip weak joints).
  Without a pose the human's pattern box is filled with 0.05.

The stretched two-channel map of ``hhikit.pairs.maps`` is hhikit's variant for two people.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

TIN_SIZE = 64
NECK = 17  # the joint TIN adds: midway between the shoulders (5, 6)
TIN_LIMBS: tuple[tuple[int, int], ...] = (
    (1, 3), (2, 4), (0, 1), (0, 2), (0, NECK), (5, NECK), (6, NECK), (5, 7), (6, 8),
    (7, 9), (8, 10), (11, NECK), (12, NECK), (11, 13), (12, 14), (13, 15), (14, 16),
)  # fmt: skip
TIN_LIMB_INTENSITY: tuple[float, ...] = tuple(round(0.15 + 0.05 * i, 2) for i in range(len(TIN_LIMBS)))
NO_POSE_FILL = 0.05


def tin_boxes(human: Any, obj: Any, size: int = TIN_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """The human and object boxes in the pattern frame (integers as floats), as TIN places them."""
    h = np.asarray(human, dtype=np.float64).reshape(4).copy()
    o = np.asarray(obj, dtype=np.float64).reshape(4).copy()
    x0, y0 = min(h[0], o[0]), min(h[1], o[1])
    width = max(h[2], o[2]) - x0 + 1
    height = max(h[3], o[3]) - y0 + 1
    for b in (h, o):
        b -= (x0, y0, x0, y0)
    tall = height > width
    s = size / (height if tall else width)
    for b in (h, o):
        b[:2] = s * b[:2]
        b[2:] = s * (b[2:] + 1) - 1
    long_, short = (3, 2) if tall else (2, 3)  # far edge on the long side, on the short side
    extent = max(h[short], o[short])
    (h if h[long_] > o[long_] else o)[long_] = size - 1
    shift = size / 2 - (extent + 1) / 2
    axis = (0, 2) if tall else (1, 3)
    for b in (h, o):
        b[list(axis)] += shift
    return np.round(h), np.round(o)


def _fill(canvas: np.ndarray, box: np.ndarray, value: float) -> None:
    x1, y1, x2, y2 = (int(v) for v in box)
    canvas[max(y1, 0) : y2 + 1, max(x1, 0) : x2 + 1] = value


def tin_skeleton(
    human: Any, keypoints: Any, pattern_box: np.ndarray, size: int = TIN_SIZE, min_score: float | None = None
) -> np.ndarray:
    """``(size, size)`` float32: the pose map of one person, drawn in ``pattern_box``."""
    hb = np.asarray(human, dtype=np.float64).reshape(4)
    kp = np.asarray(keypoints, dtype=np.float64).reshape(17, -1)
    w, h = hb[2] - hb[0] + 1, hb[3] - hb[1] + 1
    pw, ph = pattern_box[2] - pattern_box[0] + 1, pattern_box[3] - pattern_box[1] + 1
    joints = np.zeros((18, 2), dtype=np.int32)
    for i in range(17):
        joints[i, 0] = min(size - 1, int(round((kp[i, 0] - hb[0]) / w * pw + pattern_box[0])))
        joints[i, 1] = min(size - 1, int(round((kp[i, 1] - hb[1]) / h * ph + pattern_box[1])))
    joints[NECK] = ((joints[5] + joints[6]) / 2).astype(np.int32)
    seen = np.ones(18, dtype=bool)
    if min_score is not None and kp.shape[1] > 2:
        seen[:17] = kp[:, 2] >= min_score
        seen[NECK] = seen[5] and seen[6]
    canvas = np.zeros((size, size), dtype=np.float32)
    for (i, j), val in zip(TIN_LIMBS, TIN_LIMB_INTENSITY, strict=True):
        if seen[i] and seen[j]:
            cv2.line(canvas, (int(joints[i, 0]), int(joints[i, 1])), (int(joints[j, 0]), int(joints[j, 1])), val)
    return canvas


def tin_pattern(
    human: Any, obj: Any, keypoints: Any = None, size: int = TIN_SIZE, min_score: float | None = None
) -> np.ndarray:
    """``(3, size, size)`` float32: human box, object box and pose map of one pair, as in TIN."""
    hb, ob = tin_boxes(human, obj, size)
    out = np.zeros((3, size, size), dtype=np.float32)
    _fill(out[0], hb, 1.0)
    _fill(out[1], ob, 1.0)
    kp = None if keypoints is None else np.asarray(keypoints, dtype=np.float64)
    if kp is not None and kp.size in (34, 51):
        out[2] = tin_skeleton(human, kp.reshape(17, -1), hb, size, min_score)
    else:
        _fill(out[2], hb, NO_POSE_FILL)
    return out


def tin_patterns(
    humans: Any, objects: Any, keypoints: Any = None, size: int = TIN_SIZE, min_score: float | None = None
) -> np.ndarray:
    """``(N, 3, size, size)``: ``tin_pattern`` of N pairs (``keypoints`` a list, None entries allowed)."""
    h = np.asarray(humans, dtype=np.float64).reshape(-1, 4)
    o = np.asarray(objects, dtype=np.float64).reshape(-1, 4)
    kps = list(keypoints) if keypoints is not None else [None] * len(h)
    out = np.zeros((len(h), 3, size, size), dtype=np.float32)
    for i in range(len(h)):
        out[i] = tin_pattern(h[i], o[i], kps[i], size, min_score)
    return out
