"""Annotators: draw a record onto its image (one ``annotate(image, result)`` method each)."""

from __future__ import annotations

import colorsys

import cv2
import numpy as np

from hhikit.types import ImageResult

# COCO-17 limbs (keypoint index pairs).
COCO_SKELETON: list[tuple[int, int]] = [
    (5, 7), (7, 9), (6, 8), (8, 10), (5, 6), (5, 11), (6, 12), (11, 12),
    (11, 13), (13, 15), (12, 14), (14, 16), (0, 1), (0, 2), (1, 3), (2, 4),
]  # fmt: skip


def person_colour(i: int) -> tuple[int, int, int]:
    """A distinct RGB colour per person id."""
    r, g, b = colorsys.hsv_to_rgb((i * 0.61803398875) % 1.0, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def _scale(image: np.ndarray) -> float:
    return max(1.0, max(image.shape[:2]) / 600.0)


class PeopleAnnotator:
    """Boxes, ids, faces and skeletons of every person."""

    def __init__(self, min_keypoint_score: float = 0.2) -> None:
        self.min_keypoint_score = min_keypoint_score

    def annotate(self, image: np.ndarray, result: ImageResult) -> np.ndarray:
        out = image.copy()
        s = _scale(out)
        th = max(1, int(round(2 * s)))
        for p in result.people:
            c = person_colour(p.id)
            x1, y1, x2, y2 = (int(round(v)) for v in p.box)
            cv2.rectangle(out, (x1, y1), (x2, y2), c, th)
            if p.face is not None:
                fx1, fy1, fx2, fy2 = (int(round(v)) for v in p.face)
                cv2.rectangle(out, (fx1, fy1), (fx2, fy2), c, max(1, th // 2))
            if p.keypoints is not None and len(p.keypoints) == 17:
                kp = p.keypoints
                for i, j in COCO_SKELETON:
                    if kp[i, 2] >= self.min_keypoint_score and kp[j, 2] >= self.min_keypoint_score:
                        cv2.line(out, (int(kp[i, 0]), int(kp[i, 1])), (int(kp[j, 0]), int(kp[j, 1])), c, th, cv2.LINE_AA)
            if p.keypoints is not None:
                for x, y, sc in p.keypoints:
                    if sc >= self.min_keypoint_score:
                        cv2.circle(out, (int(x), int(y)), th + 1, c, -1, cv2.LINE_AA)
            label = f"#{p.id} {p.score:.2f}"
            fs = 0.45 * s
            (tw, tht), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            cv2.rectangle(out, (x1, max(0, y1 - tht - 4)), (x1 + tw + 4, y1), c, -1)
            cv2.putText(out, label, (x1 + 2, y1 - 3), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 1, cv2.LINE_AA)
        return out


def annotate(image: np.ndarray, result: ImageResult) -> np.ndarray:
    """The default annotation of an image record."""
    return PeopleAnnotator().annotate(image, result)


def save_png(path: str, image_rgb: np.ndarray) -> None:
    from hhikit.io.atomic import atomic_write_bytes

    ok, buf = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    atomic_write_bytes(path, buf.tobytes())
