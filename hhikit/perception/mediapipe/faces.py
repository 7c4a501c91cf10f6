"""``faces``: the BlazeFace detectors; ``detect_faces(image) -> [(box, score)]`` and a
``detect`` adapter giving one ``Person`` per face (body box guessed from the face)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.models.card import register_model
from hhikit.models.store import ResolvedModel, resolve
from hhikit.perception.base import register_detector, sort_and_number
from hhikit.perception.mediapipe.cards import FACE_FULL_CARD, FACE_SHORT_CARD
from hhikit.perception.mediapipe.runtime import _as_rgb, _example_image, _image_task, _vision
from hhikit.types import Person

# ------------------------------------------------------------------ faces

# The six BlazeFace keypoints, in the model's order.
FACE_KEYPOINTS: tuple[str, ...] = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


@dataclass
class Face:
    """A face: box ``[x1, y1, x2, y2]`` and six keypoints ``(6, 2)`` in pixels, score."""

    box: np.ndarray
    score: float
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))


class FaceDetector:
    """BlazeFace through the Tasks API. ``model`` is ``face-full-range`` (default: faces
    small in the frame, as in group photos) or ``face-short-range`` (selfie-like close-ups).

    ``detect_faces(image) -> [(box, score)]``; ``faces(image) -> [Face]`` adds keypoints;
    ``detect(image) -> [Person]`` is a person-detector adapter whose body box is a guess
    from the face (3.2 face widths wide, 7.5 face heights tall, clipped to the image).
    """

    name = "faces"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        model: str = "face-full-range",
        min_score: float = 0.5,
        min_suppression: float = 0.3,
    ) -> None:
        _vision()  # mediapipe missing: say so before anything else

        if model not in ("face-full-range", "face-short-range"):
            raise ConfigError(f"faces: model must be face-full-range or face-short-range, not {model!r}")
        self.resolved = resolved or resolve(model)
        self._task = _image_task(
            "FaceDetector",
            self.resolved.path(),
            self.resolved.card.name,
            min_detection_confidence=float(min_score),
            min_suppression_threshold=float(min_suppression),
        )

    def faces(self, image: np.ndarray) -> list[Face]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        out = []
        for d in self._task.run(rgb).detections:
            bb = d.bounding_box
            box = np.array([bb.origin_x, bb.origin_y, bb.origin_x + bb.width, bb.origin_y + bb.height], np.float32)
            box[[0, 2]] = box[[0, 2]].clip(0, w)
            box[[1, 3]] = box[[1, 3]].clip(0, h)
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            kps = np.array([[k.x * w, k.y * h] for k in (d.keypoints or [])], np.float32).reshape(-1, 2)
            score = float(d.categories[0].score) if d.categories else 0.0
            out.append(Face(box=box, score=score, keypoints=kps))
        return sorted(out, key=lambda f: -f.score)

    def detect_faces(self, image: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """``[(box [x1, y1, x2, y2] in pixels, score)]``, best first."""
        return [(f.box, f.score) for f in self.faces(image)]

    def detect(self, image: np.ndarray) -> list[Person]:
        h, w = np.asarray(image).shape[:2]
        people = []
        for f in self.faces(image):
            x1, y1, x2, y2 = f.box
            fw, fh, cx = x2 - x1, y2 - y1, (x1 + x2) / 2
            body = np.array([cx - 1.6 * fw, y1 - 0.25 * fh, cx + 1.6 * fw, y1 + 7.5 * fh], np.float32)
            body[[0, 2]] = body[[0, 2]].clip(0, w)
            body[[1, 3]] = body[[1, 3]].clip(0, h)
            people.append(Person(id=0, box=body, score=f.score, face=f.box, sources=["faces"]))
        return sort_and_number(people)

    def close(self) -> None:
        self._task.close()


@register_detector("faces", options_of=FaceDetector)
def _faces_detector(**options: Any) -> FaceDetector:
    return FaceDetector(**options)


def _head_points(p: Person) -> np.ndarray:
    """Confident head keypoints (nose, eyes, ears) of a person, ``(n, 2)``."""
    if p.pose33 is not None:
        k = p.pose33[:11]
    elif p.keypoints is not None and len(p.keypoints) == 17:
        k = p.keypoints[:5]
    else:
        return np.zeros((0, 2), np.float32)
    return k[k[:, 2] >= 0.3, :2]


def assign_faces(people: list[Person], faces: list[Face] | list[tuple[np.ndarray, float]]) -> int:
    """Give each person at most one face, in place; returns how many were given.

    A face fits a person when at least half of the person's confident head keypoints lie in
    the face box (grown by 30 %); without keypoints, when the face lies in the top half of
    the person box. Best face score first, each face used once."""
    boxes = [f.box if isinstance(f, Face) else np.asarray(f[0], np.float32) for f in faces]
    scores = [f.score if isinstance(f, Face) else float(f[1]) for f in faces]
    pairs = []
    for fi, fb in enumerate(boxes):
        gx, gy = 0.3 * (fb[2] - fb[0]), 0.3 * (fb[3] - fb[1])
        grown = (fb[0] - gx, fb[1] - gy, fb[2] + gx, fb[3] + gy)
        fcx, fcy = (fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2
        for pi, p in enumerate(people):
            head = _head_points(p)
            if len(head):
                inside = (head[:, 0] >= grown[0]) & (head[:, 0] <= grown[2])
                inside &= (head[:, 1] >= grown[1]) & (head[:, 1] <= grown[3])
                fit = float(inside.mean())
                if fit < 0.5:
                    continue
            else:
                x1, y1, x2, y2 = p.box
                if not (x1 <= fcx <= x2 and y1 <= fcy <= (y1 + y2) / 2):
                    continue
                fit = 0.5
            pairs.append((fit, scores[fi], fi, pi))
    used_f: set[int] = set()
    used_p: set[int] = set()
    for _fit, _score, fi, pi in sorted(pairs, key=lambda t: (-t[0], -t[1])):
        if fi in used_f or pi in used_p:
            continue
        people[pi].face = boxes[fi]
        if "faces" not in people[pi].sources:
            people[pi].sources.append("faces")
        used_f.add(fi)
        used_p.add(pi)
    return len(used_p)


def _smoke_faces(det: FaceDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image()
    img = read_image(path) if path.exists() else np.full((192, 192, 3), 127, np.uint8)
    return f"{len(det.detect_faces(img))} faces on {path.name if path.exists() else 'a grey image'}"


@register_model(FACE_FULL_CARD, smoke=_smoke_faces)
def face_full_range(resolved: ResolvedModel, **options: Any) -> FaceDetector:
    return FaceDetector(resolved, model="face-full-range", **options)


@register_model(FACE_SHORT_CARD, smoke=_smoke_faces)
def face_short_range(resolved: ResolvedModel, **options: Any) -> FaceDetector:
    return FaceDetector(resolved, model="face-short-range", **options)
