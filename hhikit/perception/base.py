"""Perception protocols and the detector registry.

A person detector is anything with ``detect(image) -> list[Person]`` where ``image`` is an
``(H, W, 3)`` uint8 RGB array; ids are 0..n-1 in descending score order. A backend is one
module with a factory decorated by ``@register_detector("name")`` and one line in
``BACKEND_MODULES``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.registry import Registry
from hhikit.types import DetectedObject, Person


@runtime_checkable
class PersonDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[Person]: ...


@runtime_checkable
class ObjectDetector(Protocol):
    name: str

    def detect_objects(self, image: np.ndarray) -> list[DetectedObject]: ...


# Modules that register backends; imported lazily so a missing optional dependency only
# disables its backend. A new backend adds its module here.
BACKEND_MODULES: list[str] = [
    "hhikit.perception.mediapipe_backend",
    "hhikit.perception.tfjs_backend",
    "hhikit.perception.fusion",
]

DEFAULT_DETECTOR = "fusion"

_DETECTORS = Registry("detector", BACKEND_MODULES)
register_detector = _DETECTORS.register
available_detectors = _DETECTORS.names


def get_detector(name: str | None = None, **options: Any) -> Any:
    """Build a registered detector by name (``None`` gives the default)."""
    return _DETECTORS.build(name or DEFAULT_DETECTOR, **options)


def sort_and_number(people: list[Person]) -> list[Person]:
    """Order people by descending score and give them ids 0..n-1."""
    people = sorted(people, key=lambda p: -p.score)
    for i, p in enumerate(people):
        p.id = i
    return people
