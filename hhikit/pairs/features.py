"""Vectorised box-pair features for the geometry interactiveness model and the heuristics.

Every feature is symmetric in the two boxes (swapping a and b gives the same value), so a
model trained on human-object pairs scores an unordered pair of people the same either
way round, and scale-free (only ratios of the pair's own sizes, never of the image, since
V-COCO files carry no image sizes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hhikit.pairs.maps import spatial_maps

BOX_FEATURES: tuple[str, ...] = (
    "iou",
    "overlap_min",
    "center_dist",
    "log_center_dist_height",
    "log_gap",
    "abs_dx",
    "abs_dy",
    "log_rel_size",
    "log_rel_height",
    "log_rel_width",
    "touch",
)

# Single-value heuristics: name -> (feature, sign); sign -1 means "smaller is more interactive".
HEURISTICS: dict[str, tuple[str, float]] = {
    "iou": ("iou", 1.0),
    "overlap_min": ("overlap_min", 1.0),
    "center_dist": ("center_dist", -1.0),
    "center_dist_height": ("log_center_dist_height", -1.0),
    "gap": ("log_gap", -1.0),
    "abs_dx": ("abs_dx", -1.0),
    "abs_dy": ("abs_dy", -1.0),
    "rel_size": ("log_rel_size", 1.0),
    "rel_height": ("log_rel_height", 1.0),
}


def _arr(b: Any) -> np.ndarray:
    return np.asarray(b, dtype=np.float64).reshape(-1, 4)


def box_features(boxes_a: Any, boxes_b: Any) -> np.ndarray:
    """``(N, len(BOX_FEATURES))`` float32 features of N box pairs."""
    a, b = _arr(boxes_a), _arr(boxes_b)
    eps = 1e-6
    wa = np.maximum(a[:, 2] - a[:, 0], eps)
    ha = np.maximum(a[:, 3] - a[:, 1], eps)
    wb = np.maximum(b[:, 2] - b[:, 0], eps)
    hb = np.maximum(b[:, 3] - b[:, 1], eps)
    iw = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    area_a, area_b = wa * ha, wb * hb
    union = area_a + area_b - inter
    dxc = (b[:, 0] + b[:, 2] - a[:, 0] - a[:, 2]) / 2
    dyc = (b[:, 1] + b[:, 3] - a[:, 1] - a[:, 3]) / 2
    uw = np.maximum(a[:, 2], b[:, 2]) - np.minimum(a[:, 0], b[:, 0])
    uh = np.maximum(a[:, 3], b[:, 3]) - np.minimum(a[:, 1], b[:, 1])
    diag = np.maximum(np.hypot(uw, uh), eps)
    dist = np.hypot(dxc, dyc)
    mh, mw = (ha + hb) / 2, (wa + wb) / 2
    gx = np.clip(np.maximum(a[:, 0], b[:, 0]) - np.minimum(a[:, 2], b[:, 2]), 0, None)
    gy = np.clip(np.maximum(a[:, 1], b[:, 1]) - np.minimum(a[:, 3], b[:, 3]), 0, None)
    gap = np.hypot(gx, gy) / mh
    f = np.stack(
        [
            inter / np.maximum(union, eps),
            inter / np.maximum(np.minimum(area_a, area_b), eps),
            dist / diag,
            np.log(dist / mh + 0.01),
            np.log(gap + 0.01),
            np.abs(dxc) / mw,
            np.abs(dyc) / mh,
            np.log(np.minimum(area_a, area_b) / np.maximum(area_a, area_b)),
            np.log(np.minimum(ha, hb) / np.maximum(ha, hb)),
            np.log(np.minimum(wa, wb) / np.maximum(wa, wb)),
            (gap <= 0).astype(np.float64),
        ],
        axis=1,
    )
    return f.astype(np.float32)


def heuristic_scores(boxes_a: Any, boxes_b: Any) -> dict[str, np.ndarray]:
    """Each single-geometry heuristic as a score (higher = more interactive)."""
    f = box_features(boxes_a, boxes_b)
    return {name: sign * f[:, BOX_FEATURES.index(feat)] for name, (feat, sign) in HEURISTICS.items()}


def map_features(boxes_a: Any, boxes_b: Any, size: int = 8) -> np.ndarray:
    """Symmetric coarse spatial-map features: ``(N, 2 * size * size)``, the sum and the
    product of the two box channels (both unchanged by swapping a and b)."""
    m = spatial_maps(boxes_a, boxes_b, size)
    return np.concatenate([(m[:, 0] + m[:, 1]).reshape(len(m), -1), (m[:, 0] * m[:, 1]).reshape(len(m), -1)], axis=1)
