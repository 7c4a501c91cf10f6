"""Detectors on the converted TF.js models: ``movenet`` (people + COCO-17 keypoints) and
``centernet`` (COCO-80 objects, people included), run with onnxruntime on CPU."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hhikit.boxes import iou_matrix
from hhikit.errors import InputError
from hhikit.models.card import get_factory
from hhikit.models.store import resolve
from hhikit.perception.base import register_detector, sort_and_number
from hhikit.types import DetectedObject, Person

COCO80: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)  # fmt: skip


def check_image(image: np.ndarray) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 RGB array, or a clear ``InputError``."""
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.shape[0] < 2 or a.shape[1] < 2:
        raise InputError(f"expected an (H, W, 3) RGB image, got an array of shape {a.shape}")
    if a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return a


@dataclass
class Letterbox:
    """Resize keeping the aspect ratio and pad bottom/right to ``size`` x ``size``."""

    scale: float
    size: int

    @classmethod
    def apply(cls, image: np.ndarray, size: int) -> tuple[np.ndarray, Letterbox]:
        h, w = image.shape[:2]
        s = size / max(h, w)
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        small = cv2.resize(image, (nw, nh), interpolation=interp)
        out = np.zeros((size, size, 3), np.uint8)
        out[:nh, :nw] = small
        return out, cls(s, size)

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Input pixels -> original image pixels."""
        return np.asarray(xy, np.float32) / self.scale


def clip_box(box: np.ndarray, w: int, h: int) -> np.ndarray:
    b = np.asarray(box, np.float32).copy()
    b[[0, 2]] = np.clip(b[[0, 2]], 0, w)
    b[[1, 3]] = np.clip(b[[1, 3]], 0, h)
    return b


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Greedy non-maximum suppression; returns kept indices in descending score order."""
    order = list(np.argsort(-np.asarray(scores), kind="stable"))
    if not order:
        return []
    m = iou_matrix(boxes, boxes)
    keep: list[int] = []
    for i in order:
        if all(m[i, k] <= iou for k in keep):
            keep.append(int(i))
    return keep


def _load(card: str, threads: int | None, **options: object):
    resolved = resolve(card)
    factory = get_factory(card)
    assert factory is not None
    return factory(resolved, threads=threads, **options)


class MoveNetDetector:
    """MoveNet MultiPose Lightning (up to 6 people): box, score and COCO-17 keypoints."""

    name = "movenet"

    def __init__(self, score_threshold: float = 0.2, threads: int | None = None, precision: str = "fp32") -> None:
        import hhikit.perception.tfjs_models  # noqa: F401  (registers the card's factory)

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
        import hhikit.perception.tfjs_models  # noqa: F401

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

    def detect_objects(self, image: np.ndarray, threshold: float | None = None) -> list[DetectedObject]:
        """Objects scoring at least ``threshold`` (default: ``object_threshold``)."""
        rows = self.raw(image)
        if not self.include_people_in_objects:
            rows = rows[rows[:, 5] != 0]
        rows = self._pick(rows, self.object_threshold if threshold is None else float(threshold))
        return [DetectedObject(COCO80[int(r[5])], r[:4], float(r[4])) for r in rows if 0 <= int(r[5]) < 80]


@register_detector("movenet")
def movenet(score_threshold: float = 0.2, threads: int | None = None, precision: str = "fp32") -> MoveNetDetector:
    return MoveNetDetector(score_threshold=score_threshold, threads=threads, precision=precision)


@register_detector("centernet")
def centernet(
    score_threshold: float = 0.3, object_threshold: float = 0.3, nms_iou: float = 0.6, threads: int | None = None,
    size: int = 512, precision: str = "fp32",
) -> CenterNetDetector:  # fmt: skip
    return CenterNetDetector(
        score_threshold, object_threshold, nms_iou, threads=threads, size=size, precision=precision
    )
