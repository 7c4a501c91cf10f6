"""A hand-made COCO-17 skeleton for the pair tests."""

from __future__ import annotations

import numpy as np


def person_kp(cx: float, top: float, facing: str, h: float = 200.0) -> np.ndarray:
    """A hand-made COCO-17 skeleton: 'camera', 'left' (image-left) or 'right'."""
    kp = np.zeros((17, 3))
    kp[:, 2] = 0.9
    s = h / 200.0
    head_y = top + 20 * s
    if facing == "camera":
        kp[0] = [cx, head_y, 0.9]
        kp[1], kp[2] = [cx + 5 * s, head_y - 4 * s, 0.9], [cx - 5 * s, head_y - 4 * s, 0.9]
        kp[3], kp[4] = [cx + 12 * s, head_y, 0.9], [cx - 12 * s, head_y, 0.9]
        kp[5], kp[6] = [cx + 25 * s, top + 50 * s, 0.9], [cx - 25 * s, top + 50 * s, 0.9]
    else:
        d = -1 if facing == "left" else 1
        kp[0] = [cx + d * 12 * s, head_y, 0.9]
        near_ear = 3 if facing == "left" else 4  # turned to image-left shows the left ear
        far_ear = 4 if facing == "left" else 3
        kp[near_ear] = [cx - d * 4 * s, head_y, 0.9]
        kp[far_ear, 2] = 0.0
        kp[1] = kp[2] = [cx + d * 8 * s, head_y - 4 * s, 0.9]
        kp[5], kp[6] = [cx + 3 * s, top + 50 * s, 0.9], [cx - 3 * s, top + 50 * s, 0.9]
    for i, y in (
        (7, 80),
        (8, 80),
        (9, 110),
        (10, 110),
        (11, 110),
        (12, 110),
        (13, 150),
        (14, 150),
        (15, 195),
        (16, 195),
    ):
        kp[i, :2] = [cx + (8 if i % 2 else -8) * s, top + y * s]
    return kp
