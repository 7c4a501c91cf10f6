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


def _label(out: np.ndarray, text: str, org: tuple[int, int], colour: tuple[int, int, int], fs: float) -> None:
    """Text on a filled box, kept inside the image."""
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
    x = int(min(max(0, org[0] - tw // 2), max(0, out.shape[1] - tw - 4)))
    y = int(min(max(th + 4, org[1]), out.shape[0] - base - 1))
    cv2.rectangle(out, (x, y - th - 3), (x + tw + 4, y + base), colour, -1)
    cv2.putText(out, text, (x + 2, y - 1), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 1, cv2.LINE_AA)


class InteractionAnnotator:
    """Each interacting pair: a line between the two people labelled with its top
    interaction; the image-level top answers in a strip at the bottom. Small images are
    upscaled first so that the text stays legible."""

    def __init__(self, per_pair: int = 1, image_level: int = 3, min_side: int = 480) -> None:
        self.per_pair, self.image_level, self.min_side = per_pair, image_level, min_side

    def annotate(self, image: np.ndarray, result: ImageResult) -> np.ndarray:
        out = image.copy()
        f = 1.0
        if max(out.shape[:2]) < self.min_side:
            f = self.min_side / max(out.shape[:2])
            out = cv2.resize(out, (round(out.shape[1] * f), round(out.shape[0] * f)), interpolation=cv2.INTER_CUBIC)
        s = _scale(out)
        fs = 0.45 * s
        people = {p.id: p for p in result.people}
        for pr in result.pairs:
            if pr.suppressed or not pr.interactions or pr.a not in people or pr.b not in people:
                continue
            ca = people[pr.a].box.reshape(2, 2).mean(0) * f
            cb = people[pr.b].box.reshape(2, 2).mean(0) * f
            c = person_colour(pr.a)
            cv2.line(out, (int(ca[0]), int(ca[1])), (int(cb[0]), int(cb[1])), c, max(1, int(2 * s)), cv2.LINE_AA)
            mid = (ca + cb) / 2
            for k, it in enumerate(pr.interactions[: self.per_pair]):
                text = f"#{pr.a}-#{pr.b} {it.text.replace('_', '').strip()}"
                _label(out, text, (int(mid[0]), int(mid[1]) + k * int(18 * s)), (255, 255, 255), fs)
        lines = [f"{k + 1}. {it.text} ({it.score:.2f})" for k, it in enumerate(result.interactions[: self.image_level])]
        if lines:
            lh = int(18 * s)
            strip = np.full((lh * len(lines) + 6, out.shape[1], 3), 255, np.uint8)
            for k, t in enumerate(lines):
                cv2.putText(strip, t, (4, lh * (k + 1)), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 1, cv2.LINE_AA)
            out = np.concatenate([out, strip], axis=0)
        return out


def annotate(image: np.ndarray, result: ImageResult) -> np.ndarray:
    """The default annotation of an image record: people, then their interactions."""
    out = PeopleAnnotator().annotate(image, result)
    if result.interactions or any(p.interactions for p in result.pairs):
        out = InteractionAnnotator().annotate(out, result)
    return out


def save_png(path: str, image_rgb: np.ndarray) -> None:
    from hhikit.io.atomic import atomic_write_bytes

    ok, buf = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    atomic_write_bytes(path, buf.tobytes())
