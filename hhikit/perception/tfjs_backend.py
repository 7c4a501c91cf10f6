"""Old import path, kept for one release: the TF.js detectors: ``hhikit.perception.tfjs.movenet``, ``.centernet``; image checks, letterboxing and NMS: ``hhikit.perception.imageops``."""

from __future__ import annotations

from hhikit.perception.imageops import (
    InputError,
    check_image,
    clip_box,
    iou_matrix,
    nms,
)
from hhikit.perception.tfjs.centernet import (
    COCO80,
    CenterNetDetector,
    DetectedObject,
    centernet,
)
from hhikit.perception.tfjs.int8 import (
    Letterbox,
)
from hhikit.perception.tfjs.movenet import (
    MoveNetDetector,
    Person,
    movenet,
    register_detector,
    sort_and_number,
)
from hhikit.perception.tfjs.runtime import (
    _load,
    get_factory,
    resolve,
)

__all__ = [
    "COCO80",
    "CenterNetDetector",
    "DetectedObject",
    "InputError",
    "Letterbox",
    "MoveNetDetector",
    "Person",
    "_load",
    "centernet",
    "check_image",
    "clip_box",
    "get_factory",
    "iou_matrix",
    "movenet",
    "nms",
    "register_detector",
    "resolve",
    "sort_and_number",
]
