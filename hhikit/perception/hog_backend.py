"""A dependency-light person detector: OpenCV's HOG + linear SVM people detector.

It ships inside ``opencv-python-headless`` (no weight file to resolve), is weak compared
with the learned detectors, and exists so that tools which only need *a* working
``Pipeline`` (batch runs, their tests and benchmarks) have one on any install. Register it
with ``--plugin hhikit.perception.hog_backend --detector hog`` (or import this module).
"""

from __future__ import annotations

import numpy as np

from hhikit.perception.base import register_detector
from hhikit.types import Person


class HogPersonDetector:
    """Upright, full-body people; small images are upscaled so a person fills a window."""

    name = "hog"

    def __init__(self, min_side: int = 300, score_threshold: float = 0.3, nms_iou: float = 0.45) -> None:
        import cv2

        self._cv2 = cv2
        self.min_side = int(min_side)
        self.score_threshold = float(score_threshold)
        self.nms_iou = float(nms_iou)
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(self, image: np.ndarray) -> list[Person]:
        cv2 = self._cv2
        h, w = image.shape[:2]
        scale = max(1.0, self.min_side / max(1, min(h, w)))
        img = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)))
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        rects, weights = self._hog.detectMultiScale(gray, winStride=(8, 8), padding=(8, 8), scale=1.05)
        if len(rects) == 0:
            return []
        boxes = [[float(x), float(y), float(x + bw), float(y + bh)] for x, y, bw, bh in rects]
        # SVM margins -> (0, 1) scores
        scores = [float(1.0 / (1.0 + np.exp(-float(s)))) for s in np.asarray(weights).reshape(-1)]
        xywh = [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes]
        keep = cv2.dnn.NMSBoxes(xywh, scores, self.score_threshold, self.nms_iou)
        people = []
        for i in np.asarray(keep).reshape(-1):
            box = np.asarray(boxes[int(i)], dtype=np.float32) / scale
            box[[0, 2]] = box[[0, 2]].clip(0, w)
            box[[1, 3]] = box[[1, 3]].clip(0, h)
            people.append(Person(id=0, box=box, score=scores[int(i)], sources=["hog"]))
        return people


@register_detector("hog", options_of=HogPersonDetector)
def hog(**options: float) -> HogPersonDetector:
    return HogPersonDetector(**options)
