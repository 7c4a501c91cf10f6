"""hhikit's two-person pair maps: a spatial map and a pose map, in the pair's union frame.

This is hhikit's variant for human-human pairs, **not** TIN's pattern (TIN's exact
(human, object) pattern is ``hhikit.pairs.tin_maps``: aspect kept, one pose channel, 17
limbs with a neck joint, 0.05 fill). Here the union frame is the smallest box holding both
people, stretched to ``size x size`` (64 by default; the aspect ratio is not kept, so every
pair fills the map; the aspect ratio is a separate geometry value), and both people get a
channel of their own, so neither plays "the object".

- ``spatial_map``: ``(2, S, S)`` float32; channel 0 is person a's box, channel 1 person b's.
  Each cell holds the fraction of its area covered by the box (1 inside, 0 outside,
  fractional on the edges), so small boxes do not vanish.
- ``pose_map``: ``(2, S, S)`` float32; channel 0 is person a's skeleton, channel 1 person b's,
  16 COCO-17 limbs (no neck joint) each drawn as a line with its own intensity
  (``LIMB_INTENSITY``, from 0.15 for the first limb to 0.95 for the last). Limbs with an end
  below ``min_score`` are not drawn; a person without keypoints gives an all-zero channel.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

MAP_SIZE = 64

# COCO-17 limbs: arms, shoulders, torso, legs, head.
LIMBS: list[tuple[int, int]] = [
    (5, 7), (7, 9), (6, 8), (8, 10), (5, 6), (5, 11), (6, 12), (11, 12),
    (11, 13), (13, 15), (12, 14), (14, 16), (0, 1), (0, 2), (1, 3), (2, 4),
]  # fmt: skip
LIMB_INTENSITY: np.ndarray = np.linspace(0.15, 0.95, len(LIMBS)).astype(np.float32)


def union_box(box_a: Any, box_b: Any) -> np.ndarray:
    a = np.asarray(box_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(box_b, dtype=np.float64).reshape(-1, 4)
    u = np.stack(
        [
            np.minimum(a[:, 0], b[:, 0]),
            np.minimum(a[:, 1], b[:, 1]),
            np.maximum(a[:, 2], b[:, 2]),
            np.maximum(a[:, 3], b[:, 3]),
        ],
        axis=1,
    )
    return u


def _coverage(lo: np.ndarray, hi: np.ndarray, size: int) -> np.ndarray:
    """(N, size): the overlap of [lo, hi] (map units) with each unit cell [i, i+1]."""
    edges = np.arange(size, dtype=np.float64)
    return np.clip(np.minimum(hi[:, None], edges + 1) - np.maximum(lo[:, None], edges), 0.0, 1.0)


def _to_frame(boxes: np.ndarray, union: np.ndarray, size: int) -> np.ndarray:
    w = np.maximum(union[:, 2] - union[:, 0], 1e-6)
    h = np.maximum(union[:, 3] - union[:, 1], 1e-6)
    out = np.empty_like(boxes)
    out[:, [0, 2]] = (boxes[:, [0, 2]] - union[:, [0]]) / w[:, None] * size
    out[:, [1, 3]] = (boxes[:, [1, 3]] - union[:, [1]]) / h[:, None] * size
    return out


def spatial_maps(boxes_a: Any, boxes_b: Any, size: int = MAP_SIZE) -> np.ndarray:
    """``(N, 2, size, size)`` spatial maps of N pairs at once (vectorised)."""
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    u = union_box(a, b)
    out = np.empty((len(a), 2, size, size), dtype=np.float32)
    for c, boxes in enumerate((a, b)):
        f = _to_frame(boxes, u, size)
        cx = _coverage(f[:, 0], f[:, 2], size)
        cy = _coverage(f[:, 1], f[:, 3], size)
        out[:, c] = cy[:, :, None] * cx[:, None, :]
    return out


def spatial_map(box_a: Any, box_b: Any, size: int = MAP_SIZE) -> np.ndarray:
    """``(2, size, size)``: the two boxes in their union frame."""
    return spatial_maps(box_a, box_b, size)[0]


def _draw_skeleton(canvas: np.ndarray, kp: np.ndarray, union: np.ndarray, size: int, min_score: float) -> None:
    w = max(union[2] - union[0], 1e-6)
    h = max(union[3] - union[1], 1e-6)
    xs = (kp[:, 0] - union[0]) / w * size
    ys = (kp[:, 1] - union[1]) / h * size
    shift = 4  # sub-pixel precision for cv2.line
    for (i, j), val in zip(LIMBS, LIMB_INTENSITY, strict=True):
        if i >= len(kp) or j >= len(kp) or kp[i, 2] < min_score or kp[j, 2] < min_score:
            continue
        p = (int(round(xs[i] * 16)), int(round(ys[i] * 16)))
        q = (int(round(xs[j] * 16)), int(round(ys[j] * 16)))
        cv2.line(canvas, p, q, float(val), 1, cv2.LINE_8, shift)


def pose_map(
    box_a: Any,
    box_b: Any,
    keypoints_a: Any = None,
    keypoints_b: Any = None,
    size: int = MAP_SIZE,
    min_score: float = 0.2,
) -> np.ndarray:
    """``(2, size, size)``: each person's COCO-17 skeleton in the pair's union frame."""
    u = union_box(box_a, box_b)[0]
    out = np.zeros((2, size, size), dtype=np.float32)
    for c, kp in enumerate((keypoints_a, keypoints_b)):
        if kp is None:
            continue
        k = np.asarray(kp, dtype=np.float64).reshape(-1, 3)
        canvas = np.zeros((size, size), dtype=np.float32)
        _draw_skeleton(canvas, k, u, size, min_score)
        out[c] = canvas
    return out
