"""``blazepose``: people with COCO-17 ``keypoints`` and the full 33-point ``pose33``; the image
is also scanned as two overlapping crops (``crops="auto"``) because the pose detector sees
the whole image at 224 x 224 and misses small people otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.models.card import register_model
from hhikit.models.store import ResolvedModel, resolve
from hhikit.perception.base import register_detector, sort_and_number
from hhikit.perception.mediapipe.cards import POSE_CARD
from hhikit.perception.mediapipe.faces import Face, FaceDetector, assign_faces
from hhikit.perception.mediapipe.hands import HandDetector, assign_hands
from hhikit.perception.mediapipe.runtime import (
    _as_rgb,
    _example_image,
    _image_task,
    _landmarks_to_array,
    _vision,
    crop_windows,
    dedupe,
    person_from_pose33,
    same_pose,
)
from hhikit.types import Person


class BlazePoseDetector:
    """People with pose keypoints from the MediaPipe pose landmarker (BlazePose full).

    ``num_poses`` caps poses per scanned window; ``min_detection``/``min_presence`` are the
    Tasks thresholds; ``crops="auto"`` also scans two overlapping crops and merges
    duplicates; ``min_score`` drops people whose mean COCO-17 keypoint score is lower.
    ``faces=True`` runs the full-range face detector and gives each person the face at
    their head (``Person.face``) and, with ``face_crops``, looks for a pose again below each
    face (score >= ``face_crop_min_score``) that no person claimed; ``hands=True`` runs the hand landmarker on the whole
    image and around each wrist and fills ``Person.hands``.
    """

    name = "blazepose"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        num_poses: int = 6,
        min_detection: float = 0.3,
        min_presence: float = 0.3,
        crops: str = "auto",
        min_score: float = 0.35,
        faces: bool = True,
        hands: bool = False,
        face_crops: bool = True,
        face_crop_min_score: float = 0.6,
    ) -> None:
        _vision()  # mediapipe missing: say so before anything else

        if num_poses < 1:
            raise ConfigError(f"blazepose: num_poses must be >= 1, not {num_poses}")
        crop_windows(64, 64, crops)  # validates the mode
        self.resolved = resolved or resolve("blazepose")
        self.num_poses, self.crops, self.min_score = int(num_poses), crops, float(min_score)
        self._task = _image_task(
            "PoseLandmarker",
            self.resolved.path("pose_landmarker.task"),
            "blazepose",
            num_poses=self.num_poses,
            min_pose_detection_confidence=float(min_detection),
            min_pose_presence_confidence=float(min_presence),
        )
        self.face_crops, self.face_crop_min_score = bool(face_crops), float(face_crop_min_score)
        self.face_detector = FaceDetector() if faces else None
        self.hand_detector = HandDetector() if hands else None

    def poses(self, image: np.ndarray) -> list[np.ndarray]:
        """Raw ``(33, 3)`` landmark arrays (pixels, score) of every scanned window."""
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        out = []
        for x1, y1, x2, y2 in crop_windows(w, h, self.crops):
            res = self._task.run(rgb[y1:y2, x1:x2])
            out += [_landmarks_to_array(lms, x2 - x1, y2 - y1, x1, y1) for lms in res.pose_landmarks]
        return out

    def detect(self, image: np.ndarray) -> list[Person]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        people = [p for a in self.poses(rgb) if (p := person_from_pose33(a, w, h)) is not None]
        people = [p for p in dedupe(people) if p.score >= self.min_score]
        if self.face_detector is not None:
            faces = self.face_detector.faces(rgb)
            assign_faces(people, faces)
            if self.face_crops:
                people += self._poses_at_faces(rgb, people, faces)
        people = sort_and_number(people)
        if self.hand_detector is not None and people:
            assign_hands(people, self.hand_detector.hands(rgb, people))
        return people

    def _poses_at_faces(self, rgb: np.ndarray, people: list[Person], faces: list[Face]) -> list[Person]:
        """Look again for the person below each face no pose claimed: scan a window around
        the body the face implies and keep a pose whose head fits that face."""
        h, w = rgb.shape[:2]
        claimed = [p.face for p in people if p.face is not None]
        found: list[Person] = []
        for f in faces:
            if f.score < self.face_crop_min_score or any(np.allclose(f.box, c) for c in claimed):
                continue
            x1, y1, x2, y2 = f.box
            fw, fh, cx = x2 - x1, y2 - y1, (x1 + x2) / 2
            half = max(2.5 * fw, 16.0)
            win = (
                int(max(0, cx - half)),
                int(max(0, y1 - 1.0 * fh)),
                int(min(w, cx + half)),
                int(min(h, y1 + 6.0 * fh)),
            )
            if win[2] - win[0] < 16 or win[3] - win[1] < 16:
                continue
            res = self._task.run(rgb[win[1] : win[3], win[0] : win[2]])
            cands = []
            for lms in res.pose_landmarks:
                a = _landmarks_to_array(lms, win[2] - win[0], win[3] - win[1], win[0], win[1])
                p = person_from_pose33(a, w, h)
                if p is None or p.score < self.min_score:
                    continue
                if assign_faces([p], [f]) and not any(same_pose(p, q) for q in people + found):
                    cands.append(p)
            if cands:
                best = max(cands, key=lambda p: p.score)
                best.sources = ["blazepose", "faces"]
                found.append(best)
        return found

    def close(self) -> None:
        self._task.close()
        for d in (self.face_detector, self.hand_detector):
            if d is not None:
                d.close()


@register_detector("blazepose", options_of=BlazePoseDetector)
def _blazepose_detector(**options: Any) -> BlazePoseDetector:
    return BlazePoseDetector(**options)


def _smoke_pose(det: BlazePoseDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image()
    img = read_image(path) if path.exists() else np.full((224, 224, 3), 127, np.uint8)
    people = det.detect(img)
    return f"{len(people)} people with 17 keypoints on {path.name if path.exists() else 'a grey image'}"


@register_model(POSE_CARD, smoke=_smoke_pose)
def blazepose(resolved: ResolvedModel, **options: Any) -> BlazePoseDetector:
    return BlazePoseDetector(resolved, **options)
