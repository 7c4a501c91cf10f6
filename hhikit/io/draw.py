"""Annotators: draw a record onto its image (one ``annotate(image, result)`` method each)."""

from __future__ import annotations

import colorsys
from typing import Any

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
                        cv2.line(
                            out, (int(kp[i, 0]), int(kp[i, 1])), (int(kp[j, 0]), int(kp[j, 1])), c, th, cv2.LINE_AA
                        )
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
    """Each interacting pair's top interaction written at the middle of its edge, and the
    image-level top answers on a light band at the bottom (the image keeps its size)."""

    def __init__(self, per_pair: int = 1, image_level: int = 3) -> None:
        self.per_pair, self.image_level = per_pair, image_level

    def annotate(self, image: np.ndarray, result: ImageResult) -> np.ndarray:
        out = image.copy()
        s = max(0.6, _scale(out) * min(1.0, max(out.shape[:2]) / 400.0)) if max(out.shape[:2]) < 600 else _scale(out)
        fs = 0.45 * s
        people = {p.id: p for p in result.people}
        for pr in result.pairs:
            if pr.suppressed or not pr.interactions or pr.a not in people or pr.b not in people:
                continue
            mid = (people[pr.a].box.reshape(2, 2).mean(0) + people[pr.b].box.reshape(2, 2).mean(0)) / 2
            for k, it in enumerate(pr.interactions[: self.per_pair]):
                text = it.text.replace("_", "").strip()
                _label(out, text, (int(mid[0]), int(mid[1]) + 12 + k * int(18 * s)), (255, 255, 255), fs * 0.9)
        lines = [f"{k + 1}. {it.text} ({it.score:.2f})" for k, it in enumerate(result.interactions[: self.image_level])]
        if lines:
            (_, th), base = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            lh = th + base + 3
            y0 = max(0, out.shape[0] - lh * len(lines) - 4)
            band = out[y0:].astype(np.float32)
            out[y0:] = (0.25 * band + 0.75 * 255).astype(np.uint8)
            for k, t in enumerate(lines):
                cv2.putText(
                    out, t, (3, y0 + lh * (k + 1) - base), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 1, cv2.LINE_AA
                )
        return out


def score_colour(score: float) -> tuple[int, int, int]:
    """RGB from red (0) through yellow to green (1)."""
    r, g, b = colorsys.hsv_to_rgb(float(np.clip(score, 0.0, 1.0)) / 3.0, 0.9, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def _anchor(person: Any, min_score: float) -> tuple[int, int]:
    """Where a pair edge meets a person: the neck (mid-shoulders) if seen, else the upper box."""
    kp = person.keypoints
    if kp is not None and len(kp) == 17 and kp[5, 2] >= min_score and kp[6, 2] >= min_score:
        return int((kp[5, 0] + kp[6, 0]) / 2), int((kp[5, 1] + kp[6, 1]) / 2)
    x1, y1, x2, y2 = person.box
    return int((x1 + x2) / 2), int(y1 + 0.25 * (y2 - y1))


def _dashed_line(
    img: np.ndarray, p: tuple[int, int], q: tuple[int, int], colour: tuple[int, int, int], th: int, dash: int
) -> None:
    length = float(np.hypot(q[0] - p[0], q[1] - p[1]))
    n = max(1, int(length // dash))
    for k in range(0, n, 2):
        t0, t1 = k / n, min(1.0, (k + 1) / n)
        a = (int(p[0] + (q[0] - p[0]) * t0), int(p[1] + (q[1] - p[1]) * t0))
        b = (int(p[0] + (q[0] - p[0]) * t1), int(p[1] + (q[1] - p[1]) * t1))
        cv2.line(img, a, b, colour, th, cv2.LINE_AA)


class PairAnnotator:
    """An edge between the two people of every pair, coloured by interactiveness (red low,
    green high), dashed when NIS suppressed the pair, with the score as a label."""

    def __init__(self, min_keypoint_score: float = 0.2, show_suppressed: bool = True) -> None:
        self.min_keypoint_score = min_keypoint_score
        self.show_suppressed = show_suppressed

    def annotate(self, image: np.ndarray, result: ImageResult) -> np.ndarray:
        out = image.copy()
        s = _scale(out)
        th = max(1, int(round(2 * s)))
        people = {p.id: p for p in result.people}
        # Draw suppressed pairs first so interacting pairs stay on top.
        for pr in sorted(result.pairs, key=lambda q: (not q.suppressed, q.interactiveness)):
            if pr.a not in people or pr.b not in people or (pr.suppressed and not self.show_suppressed):
                continue
            pa = _anchor(people[pr.a], self.min_keypoint_score)
            pb = _anchor(people[pr.b], self.min_keypoint_score)
            c = score_colour(pr.interactiveness)
            if pr.suppressed:
                _dashed_line(out, pa, pb, c, th, max(6, int(8 * s)))
            else:
                cv2.line(out, pa, pb, c, th + 1, cv2.LINE_AA)
            for pt in (pa, pb):
                cv2.circle(out, pt, th + 2, c, -1, cv2.LINE_AA)
            label = f"{pr.interactiveness:.2f}" + (" NIS" if pr.suppressed else "")
            fs = 0.42 * s
            (tw, tht), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            mx, my = (pa[0] + pb[0]) // 2, (pa[1] + pb[1]) // 2
            x0, y0 = (
                int(np.clip(mx - tw // 2 - 2, 0, max(0, out.shape[1] - tw - 4))),
                int(np.clip(my - tht // 2 - 2, 0, max(0, out.shape[0] - tht - 4))),
            )
            cv2.rectangle(out, (x0, y0), (x0 + tw + 4, y0 + tht + 5), c, -1)
            cv2.putText(out, label, (x0 + 2, y0 + tht + 1), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 1, cv2.LINE_AA)
        return out


class HOIAnnotator:
    """HOI triplets: for each person its ``per_person`` best triplets (distinct objects), an
    arrow from the person to the object's box labelled ``verb object score``; pairs that NIS
    suppressed are left out unless ``show_suppressed`` (then dashed and grey)."""

    def __init__(self, per_person: int = 1, show_suppressed: bool = False) -> None:
        self.per_person = per_person
        self.show_suppressed = show_suppressed

    def _chosen(self, result: ImageResult) -> list[Any]:
        people = {p.id for p in result.people}
        picked: list[Any] = []
        count: dict[int, int] = {}
        used: set[tuple[int, int]] = set()
        for h in sorted(result.hois, key=lambda x: (x.suppressed, -x.score)):
            if h.person not in people or not 0 <= h.object < len(result.objects):
                continue
            if (h.suppressed and not self.show_suppressed) or (h.person, h.object) in used:
                continue
            if count.get(h.person, 0) >= self.per_person:
                continue
            count[h.person] = count.get(h.person, 0) + 1
            used.add((h.person, h.object))
            picked.append(h)
        return picked

    def annotate(self, image: np.ndarray, result: ImageResult) -> np.ndarray:
        out = image.copy()
        s = _scale(out)
        th = max(1, int(round(2 * s)))
        people = {p.id: p for p in result.people}
        for h in reversed(self._chosen(result)):  # best drawn last, on top
            ob = result.objects[h.object]
            x1, y1, x2, y2 = (int(v) for v in ob.box)
            c = (150, 150, 150) if h.suppressed else (255, 140, 0)
            cv2.rectangle(out, (x1, y1), (x2, y2), c, th)
            pa = _anchor(people[h.person], 0.2)
            pb = ((x1 + x2) // 2, (y1 + y2) // 2)
            if h.suppressed:
                _dashed_line(out, pa, pb, c, th, max(6, int(8 * s)))
            else:
                cv2.arrowedLine(out, pa, pb, c, th, cv2.LINE_AA, tipLength=0.08)
            text = f"#{h.person} {h.verb} {h.object_name} {h.score:.2f}" + (" NIS" if h.suppressed else "")
            mid = ((pa[0] + 2 * pb[0]) // 3, (pa[1] + 2 * pb[1]) // 3)
            _label(out, text, mid, c, 0.42 * s)
        return out


def annotate(image: np.ndarray, result: ImageResult) -> np.ndarray:
    """The default annotation of an image record: people, their pairs, HOI triplets, then
    the interactions."""
    out = PairAnnotator().annotate(PeopleAnnotator().annotate(image, result), result)
    if result.hois:
        out = HOIAnnotator().annotate(out, result)
    if result.interactions or any(p.interactions for p in result.pairs):
        out = InteractionAnnotator().annotate(out, result)
    return out


def save_png(path: str, image_rgb: np.ndarray) -> None:
    from hhikit.io.atomic import atomic_write_bytes

    ok, buf = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    atomic_write_bytes(path, buf.tobytes())
