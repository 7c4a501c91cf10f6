"""Perception protocols and the detector registry.

A person detector is anything with ``detect(image) -> list[Person]`` where ``image`` is an
``(H, W, 3)`` uint8 RGB array; ids are 0..n-1 in descending score order. A backend is one
module with a factory decorated by ``@register_detector("name")`` (built-in modules are listed once in
``hhikit.registry.BACKEND_MODULES``; a plugin is imported with ``--plugin``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.registry import BACKEND_MODULES as BACKEND_MODULES
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


# The one list of backend modules lives in ``hhikit.registry`` (this name is kept for one release).

DEFAULT_DETECTOR = "fusion"

_DETECTORS = Registry("detector")
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
