"""``movenet``: MoveNet MultiPose Lightning (people + COCO-17 keypoints) on onnxruntime."""

from __future__ import annotations

import numpy as np

from hhikit.perception.base import register_detector, sort_and_number
from hhikit.perception.imageops import Letterbox, check_image, clip_box
from hhikit.perception.tfjs.runtime import _load
from hhikit.types import Person


class MoveNetDetector:
    """MoveNet MultiPose Lightning (up to 6 people): box, score and COCO-17 keypoints."""

    name = "movenet"

    def __init__(self, score_threshold: float = 0.2, threads: int | None = None, precision: str = "fp32") -> None:
        self.model = _load("movenet-multipose", threads, precision=precision)
        self.size = int(self.model.input_shape[1])
        self.score_threshold = float(score_threshold)

    def raw(self, image: np.ndarray) -> list[Person]:
        """Every candidate (no threshold), in image pixels."""
        image = check_image(image)
        h, w = image.shape[:2]
        x, lb = Letterbox.apply(image, self.size)
        out = next(iter(self.model(x[None].astype(np.int32)).values()))[0]  # (6, 56)
        people: list[Person] = []
        for row in out:
            kp = row[:51].reshape(17, 3)
            xy = lb.to_image(kp[:, [1, 0]] * self.size)
            kps = np.concatenate([xy, kp[:, 2:3]], axis=1)
            ymin, xmin, ymax, xmax, score = row[51:56]
            box = clip_box(lb.to_image(np.array([xmin, ymin, xmax, ymax]) * self.size), w, h)
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            people.append(Person(0, box, float(score), kps, keypoint_format="coco17", sources=["movenet"]))
        return people

    def detect(self, image: np.ndarray) -> list[Person]:
        return sort_and_number([p for p in self.raw(image) if p.score >= self.score_threshold])


@register_detector("movenet")
def movenet(score_threshold: float = 0.2, threads: int | None = None, precision: str = "fp32") -> MoveNetDetector:
    return MoveNetDetector(score_threshold=score_threshold, threads=threads, precision=precision)
