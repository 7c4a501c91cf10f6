"""People (boxes, pose keypoints, faces, hands) and context objects."""

from hhikit.perception.base import (
    ObjectDetector,
    PersonDetector,
    available_detectors,
    get_detector,
    register_detector,
)

__all__ = ["ObjectDetector", "PersonDetector", "available_detectors", "get_detector", "register_detector"]
