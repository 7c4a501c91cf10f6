"""Keypoint layouts, defined once: COCO-17, BlazePose-33 and the conversion between them.

Perception (MediaPipe, MoveNet), pairs (geometry, TIN pose maps) and describe (pose cues)
all read a person's keypoints through ``coco17_keypoints``; ``KeypointLayout`` is the
value of ``Person.keypoint_format``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np


class KeypointLayout(StrEnum):
    """How a ``(K, 3)`` keypoint array is ordered (a ``str``, so records stay plain JSON)."""

    COCO17 = "coco17"
    BLAZEPOSE33 = "blazepose33"

    @classmethod
    def parse(cls, value: str | KeypointLayout | None) -> KeypointLayout | None:
        """``"COCO-17"``, ``"coco"``, ``"coco17"`` -> ``COCO17``; ``None`` stays ``None``;
        an unknown name raises ``ValueError``."""
        if value is None or isinstance(value, cls):
            return value
        key = str(value).lower().replace("-", "").replace("_", "")
        aliases = {"coco": cls.COCO17, "coco17": cls.COCO17, "blazepose": cls.BLAZEPOSE33, "blazepose33": cls.BLAZEPOSE33,
                   "pose33": cls.BLAZEPOSE33, "mediapipe33": cls.BLAZEPOSE33}  # fmt: skip
        if key not in aliases:
            raise ValueError(f"unknown keypoint layout {value!r}; known: {', '.join(m.value for m in cls)}")
        return aliases[key]


COCO17_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
# COCO-17 indices.
NOSE, LEYE, REYE, LEAR, REAR, LSHO, RSHO, LELB, RELB, LWRI, RWRI, LHIP, RHIP, LKNE, RKNE, LANK, RANK = range(17)

BLAZEPOSE33_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip
# The BlazePose-33 index of each COCO-17 keypoint (the same body points by name).
BLAZEPOSE33_TO_COCO17: tuple[int, ...] = tuple(BLAZEPOSE33_NAMES.index(n) for n in COCO17_NAMES)


def blazepose33_to_coco17(pose33: Any) -> np.ndarray:
    """``(33, 3)`` BlazePose landmarks -> ``(17, 3)`` COCO-17 keypoints (float32)."""
    return np.asarray(pose33, dtype=np.float32).reshape(-1, 3)[list(BLAZEPOSE33_TO_COCO17)]


def coco17_keypoints(person: Any) -> np.ndarray | None:
    """A person's keypoints as a ``(17, 3)`` COCO-17 array, or ``None``: its ``keypoints``
    when they are COCO-17 (or have no layout and 17 rows), else converted from 33
    BlazePose landmarks (``keypoints`` in that layout, or ``pose33``)."""
    kp = person.keypoints
    layout = KeypointLayout.parse(person.keypoint_format) if person.keypoint_format else None
    if kp is not None and kp.shape == (17, 3) and layout in (None, KeypointLayout.COCO17):
        return kp
    if kp is not None and kp.shape == (33, 3) and layout in (None, KeypointLayout.BLAZEPOSE33):
        return blazepose33_to_coco17(kp)
    pose33 = getattr(person, "pose33", None)
    if pose33 is not None and len(pose33) == 33:
        return blazepose33_to_coco17(pose33)
    return None
