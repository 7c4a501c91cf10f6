"""``hands``: the hand landmarker; ``detect_hands(image) -> list[Hand]`` (21 landmarks,
handedness, box), alone or in wrist-centred crops of known people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.models.card import register_model
from hhikit.models.store import ResolvedModel, resolve
from hhikit.perception.base import register_detector
from hhikit.perception.imageops import greedy_keep, same_object
from hhikit.perception.mediapipe.cards import HAND_CARD
from hhikit.perception.mediapipe.runtime import _as_rgb, _example_image, _image_task, _vision
from hhikit.types import Person

# ------------------------------------------------------------------ hands

# Hand landmarks used for the wrist-centred crops: BlazePose wrist, pinky, index, elbow.
_ARMS = {"left": (13, 15, 17, 19), "right": (14, 16, 18, 20)}


@dataclass
class Hand:
    """A hand: 21 landmarks ``(21, 3)`` as ``x, y, score`` in pixels (the model gives no
    per-point score, so every point carries the hand's score), which hand it is for the
    person (``"left"``/``"right"``, as the model sees it), the handedness score, the box
    around the landmarks and the hand's presence score."""

    landmarks: np.ndarray
    handedness: str
    handedness_score: float
    box: np.ndarray
    score: float


def _hand_from_landmarks(lms: Any, cats: Any, w: int, h: int, ox: float, oy: float, scale: float) -> Hand:
    pts = np.array([[lm.x * w / scale + ox, lm.y * h / scale + oy] for lm in lms], np.float32)
    cat = cats[0] if cats else None
    hs = float(cat.score) if cat is not None else 0.0
    pres = [lm.presence for lm in lms if lm.presence]
    score = float(np.mean(pres)) if pres else hs
    box = np.array([*pts.min(axis=0), *pts.max(axis=0)], np.float32)
    landmarks = np.column_stack([pts, np.full(len(pts), score, np.float32)])
    name = (cat.category_name or "").lower() if cat is not None else ""
    return Hand(landmarks=landmarks, handedness=name, handedness_score=hs, box=box, score=score)


class HandDetector:
    """Palm detector + hand landmarks through the Tasks API.

    ``hands(image, people=None)`` scans the whole image and, when people with pose
    keypoints are given, a square window around each confident wrist (upscaled ``upscale``
    times, since hands in small photos are a few pixels wide), then drops duplicates.
    ``detect_hands(image)`` is the whole-image scan plus wrist windows of ``people``.
    """

    name = "hands"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        num_hands: int = 4,
        min_detection: float = 0.3,
        min_presence: float = 0.3,
        upscale: float = 3.0,
    ) -> None:
        _vision()  # mediapipe missing: say so before anything else

        if num_hands < 1:
            raise ConfigError(f"hands: num_hands must be >= 1, not {num_hands}")
        self.resolved = resolved or resolve("hand-landmarker")
        self.upscale = float(upscale)
        self._task = _image_task(
            "HandLandmarker",
            self.resolved.path(),
            "hand-landmarker",
            num_hands=int(num_hands),
            min_hand_detection_confidence=float(min_detection),
            min_hand_presence_confidence=float(min_presence),
        )

    def _scan(self, rgb: np.ndarray, ox: int = 0, oy: int = 0, scale: float = 1.0) -> list[Hand]:
        import cv2

        h, w = rgb.shape[:2]
        if scale != 1.0:
            rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
        res = self._task.run(rgb)
        return [
            _hand_from_landmarks(lms, cats, rgb.shape[1], rgb.shape[0], ox, oy, scale)
            for lms, cats in zip(res.hand_landmarks, res.handedness, strict=False)
        ]

    def hands(self, image: np.ndarray, people: list[Person] | None = None) -> list[Hand]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        found = self._scan(rgb)
        for p in people or []:
            for x1, y1, x2, y2 in wrist_windows(p, w, h):
                found += self._scan(rgb[y1:y2, x1:x2], x1, y1, self.upscale)
        return _dedupe_hands(found)

    def detect_hands(self, image: np.ndarray, people: list[Person] | None = None) -> list[Hand]:
        return self.hands(image, people)

    def detect(self, image: np.ndarray) -> list[Person]:
        """Hands alone are not people: say how to get hands on people instead."""
        raise ConfigError("'hands' is not a person detector; use detector 'blazepose' with hands=True")

    def close(self) -> None:
        self._task.close()


@register_detector("hands", options_of=HandDetector)
def _hands_detector(**options: Any) -> HandDetector:
    return HandDetector(**options)


def wrist_windows(p: Person, width: int, height: int, min_score: float = 0.3) -> list[tuple[int, int, int, int]]:
    """Square windows around a person's confident wrists, 3.2 forearm lengths wide (at least
    24 px), centred between wrist and fingers; clipped to the image."""
    k = p.pose33
    if k is None:
        return []
    wins = []
    for elbow, wrist, pinky, index in _ARMS.values():
        if k[wrist, 2] < min_score:
            continue
        fore = float(np.hypot(*(k[wrist, :2] - k[elbow, :2]))) if k[elbow, 2] >= min_score else 0.0
        c = k[wrist, :2]
        if k[index, 2] >= 0.2 and k[pinky, 2] >= 0.2:
            c = (k[wrist, :2] + k[index, :2] + k[pinky, :2]) / 3
        half = max(1.6 * fore, 12.0)
        x1, y1 = int(max(0, c[0] - half)), int(max(0, c[1] - half))
        x2, y2 = int(min(width, c[0] + half)), int(min(height, c[1] + half))
        if x2 - x1 >= 8 and y2 - y1 >= 8:
            wins.append((x1, y1, x2, y2))
    return wins


def _dedupe_hands(hands: list[Hand]) -> list[Hand]:
    """One detection per hand (greedy, ``imageops.same_object``): boxes overlapping (IoU > 0.4)
    or landmarks coinciding (median distance under 30 % of the hand's size)."""

    def same(i: int, k: int) -> bool:
        a, b = hands[i], hands[k]
        return same_object(a.box, b.box, 0.4, points_a=a.landmarks, points_b=b.landmarks, point_dist=0.3, min_score=0.0)

    return [hands[i] for i in greedy_keep([h.score for h in hands], same)]


def assign_hands(people: list[Person], hands: list[Hand]) -> int:
    """Append each hand to the person whose wrist (BlazePose wrist, pinky, index) is nearest
    to the hand's wrist landmark, within 1.5 hand sizes; in place. Returns how many hands
    were given."""
    given = 0
    for hd in hands:
        hsize = max(4.0, float(np.hypot(hd.box[2] - hd.box[0], hd.box[3] - hd.box[1])))
        best, best_d = None, 1.5 * hsize
        for p in people:
            if p.pose33 is None:
                continue
            for elbow, wrist, pinky, index in _ARMS.values():
                del elbow
                pts = p.pose33[[wrist, pinky, index]]
                pts = pts[pts[:, 2] >= 0.2, :2]
                if not len(pts):
                    continue
                d = float(np.min(np.hypot(*(pts - hd.landmarks[0, :2]).T)))
                if d < best_d:
                    best, best_d = p, d
        if best is not None:
            best.hands.append(hd.landmarks)
            if "hands" not in best.sources:
                best.sources.append("hands")
            given += 1
    return given


def _smoke_hands(det: HandDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image().with_name("arm_around.jpg")
    img = read_image(path) if path.exists() else np.full((224, 224, 3), 127, np.uint8)
    return f"{len(det.detect_hands(img))} hands on {path.name if path.exists() else 'a grey image'}"


@register_model(HAND_CARD, smoke=_smoke_hands)
def hand_landmarker(resolved: ResolvedModel, **options: Any) -> HandDetector:
    return HandDetector(resolved, **options)
