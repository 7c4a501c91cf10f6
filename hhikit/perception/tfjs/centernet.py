"""``centernet``: CenterNet (MobileNetV3) COCO-80 objects, people included, on onnxruntime."""

from __future__ import annotations

import numpy as np

from hhikit.perception.base import register_detector, sort_and_number
from hhikit.perception.imageops import Letterbox, check_image, clip_box, nms
from hhikit.perception.tfjs.runtime import _load
from hhikit.taxonomy import COCO80
from hhikit.types import DetectedObject, Person


class CenterNetDetector:
    """CenterNet (MobileNetV3) COCO-80 detector: people via ``detect``, the other objects
    via ``detect_objects``. One model run serves both calls on the same image.

    ``size`` is the square input: 512 (default, the graph's own size) or 384 (0.56x the
    work; more people found alone, but a quarter fewer context objects on the dev images,
    see docs/perception.md). ``precision="int8"`` runs the int8 copy made at set-up."""

    name = "centernet"

    def __init__(
        self,
        score_threshold: float = 0.3,
        object_threshold: float = 0.3,
        nms_iou: float = 0.6,
        include_people_in_objects: bool = False,
        threads: int | None = None,
        size: int = 512,
        precision: str = "fp32",
    ) -> None:
        self.model = _load("centernet", threads, size=size, precision=precision)
        self.size = int(self.model.input_shape[1])
        self.score_threshold = float(score_threshold)
        self.object_threshold = float(object_threshold)
        self.nms_iou = float(nms_iou)
        self.include_people_in_objects = include_people_in_objects
        self._cache: tuple[np.ndarray, int, np.ndarray] | None = None

    def raw(self, image: np.ndarray) -> np.ndarray:
        """All 100 detections as rows ``x1, y1, x2, y2, score, class`` in image pixels."""
        image = check_image(image)
        # the cache holds the array itself (so its id cannot be reused by a new image) and
        # a sparse fingerprint of its pixels (so an array edited in place is re-run)
        key = hash(image[::7, ::5].tobytes())
        if self._cache is not None and self._cache[0] is image and self._cache[1] == key:
            return self._cache[2]
        h, w = image.shape[:2]
        x, lb = Letterbox.apply(image, self.size)
        out = self.model(x[None].astype(np.float32))["tower_0/detections"][0].copy()
        out[:, :4] = lb.to_image(out[:, :4])
        for r in out:
            r[:4] = clip_box(r[:4], w, h)
        self._cache = (image, key, out)
        return out

    def _pick(self, rows: np.ndarray, threshold: float) -> np.ndarray:
        rows = rows[rows[:, 4] >= threshold]
        rows = rows[(rows[:, 2] - rows[:, 0] >= 1) & (rows[:, 3] - rows[:, 1] >= 1)]
        keep: list[int] = []
        for c in np.unique(rows[:, 5]):
            idx = np.flatnonzero(rows[:, 5] == c)
            keep.extend(idx[k] for k in nms(rows[idx, :4], rows[idx, 4], self.nms_iou))
        return rows[sorted(keep, key=lambda i: -rows[i, 4])]

    def people_rows(self, image: np.ndarray, threshold: float | None = None) -> np.ndarray:
        rows = self.raw(image)
        t = self.score_threshold if threshold is None else threshold
        return self._pick(rows[rows[:, 5] == 0], t)

    def detect(self, image: np.ndarray) -> list[Person]:
        rows = self.people_rows(image)
        return sort_and_number([Person(0, r[:4], float(r[4]), sources=["centernet"]) for r in rows])

    def detect_objects(self, image: np.ndarray) -> list[DetectedObject]:
        rows = self.raw(image)
        if not self.include_people_in_objects:
            rows = rows[rows[:, 5] != 0]
        rows = self._pick(rows, self.object_threshold)
        return [DetectedObject(COCO80[int(r[5])], r[:4], float(r[4])) for r in rows if 0 <= int(r[5]) < 80]


@register_detector("centernet")
def centernet(
    score_threshold: float = 0.3, object_threshold: float = 0.3, nms_iou: float = 0.6, threads: int | None = None,
    size: int = 512, precision: str = "fp32",
) -> CenterNetDetector:  # fmt: skip
    return CenterNetDetector(
        score_threshold, object_threshold, nms_iou, threads=threads, size=size, precision=precision
    )
