"""Old import path, kept for one release: the int8 quantisation: ``hhikit.perception.tfjs.int8``."""

from __future__ import annotations

from hhikit.perception.tfjs.graph import (
    ModelUnavailable,
)
from hhikit.perception.tfjs.int8 import (
    EXAMPLES,
    _Feeds,
    body_nodes,
    calibration_images,
    prepare,
    quantize,
)

__all__ = [
    "EXAMPLES",
    "ModelUnavailable",
    "_Feeds",
    "body_nodes",
    "calibration_images",
    "prepare",
    "quantize",
]
