"""Image checks, letterboxing, box clipping and NMS shared by the detectors: one set of rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from hhikit.boxes import iou_matrix
from hhikit.errors import InputError


def check_image(image: np.ndarray) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 RGB array, or a clear ``InputError``."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.shape[0] < 2 or a.shape[1] < 2:
        raise InputError(f"expected an (H, W, 3) RGB image, got an array of shape {a.shape}")
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return a


@dataclass
class Letterbox:
    """Resize keeping the aspect ratio and pad bottom/right to ``size`` x ``size``."""

    scale: float
    size: int

    @classmethod
    def apply(cls, image: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
        h, w = image.shape[:2]
        s = size / max(h, w)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        small = cv2.resize(image, (nw, nh), interpolation=interp)
        out = np.zeros((size, size, 3), np.uint8)
        out[:nh, :nw] = small
        return out, cls(s, size)

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Input pixels -> original image pixels."""
        return np.asarray(xy, np.float32) / self.scale


def clip_box(box: np.ndarray, w: int, h: int) -> np.ndarray:
    b = np.asarray(box, np.float32).copy()
    b[[0, 2]] = np.clip(b[[0, 2]], 0, w)
    b[[1, 3]] = np.clip(b[[1, 3]], 0, h)
    return b


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box's area."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / small) if small > 0 else 0.0


def same_object(
    box_a: np.ndarray,
    box_b: np.ndarray,
    iou: float,
    *,
    max_containment: float | None = None,
    points_a: np.ndarray | None = None,
    points_b: np.ndarray | None = None,
    point_dist: float | None = None,
    min_score: float = 0.3,
) -> bool:
    """The one rule of every de-duplicator: two detections are the same thing when their
    boxes overlap (IoU above ``iou``), or one box lies almost wholly inside the other
    (containment above ``max_containment``), or their confidently placed points coincide
    (median distance under ``point_dist`` times the side of the smaller box; at least 3
    points scored ``min_score`` or more in both)."""
    m = iou_matrix(np.asarray(box_a).reshape(1, 4), np.asarray(box_b).reshape(1, 4))[0, 0]
    if m > iou or (max_containment is not None and containment(box_a, box_b) > max_containment):
        return True
    if point_dist is None or points_a is None or points_b is None or len(points_a) != len(points_b):
        return False
    both = (points_a[:, 2] >= min_score) & (points_b[:, 2] >= min_score)
    if both.sum() < 3:
        return False
    area = min(
        float(np.prod(np.asarray(box_a)[2:] - np.asarray(box_a)[:2])),
        float(np.prod(np.asarray(box_b)[2:] - np.asarray(box_b)[:2])),
    )
    d = np.hypot(*(points_a[both, :2] - points_b[both, :2]).T)
    return float(np.median(d)) < point_dist * np.sqrt(max(area, 1.0))


def greedy_keep(scores: Any, same: Callable[[int, int], bool]) -> list[int]:
    """Greedy de-duplication: indices kept, best score first; an item is dropped when
    ``same(item, kept)`` holds for an item already kept."""
    keep: list[int] = []
    for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable"):
        if not any(same(int(i), k) for k in keep):
            keep.append(int(i))
    return keep


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression by box IoU; returns kept indices in descending score order."""
    if len(scores) == 0:
        return []
    m = iou_matrix(boxes, boxes)
    return greedy_keep(scores, lambda i, k: m[i, k] > iou)
