"""Perception protocols and the detector registry.

A person detector is anything with ``detect(image) -> list[Person]`` where ``image`` is an
``(H, W, 3)`` uint8 RGB array; ids are 0..n-1 in descending score order. A backend is one
module with a factory decorated by ``@register_detector("name")`` and one line in
``BACKEND_MODULES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import DetectedObject, Person


@runtime_checkable
class PersonDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray) -> list[Person]: ...


@runtime_checkable
class ObjectDetector(Protocol):
    name: str

    def detect_objects(self, image: np.ndarray) -> list[DetectedObject]: ...


_DETECTORS: dict[str, Callable[..., Any]] = {}

# Modules that register backends; imported lazily so a missing optional dependency only
# disables its backend. A new backend adds its module here.
BACKEND_MODULES: list[str] = [
    "hhikit.perception.mediapipe_backend",
    "hhikit.perception.tfjs_backend",
    "hhikit.perception.fusion",
]

DEFAULT_DETECTOR = "fusion"


def register_detector(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a factory ``fn(**options) -> PersonDetector | ObjectDetector``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        _DETECTORS[name] = fn
        return fn

    return deco


def _discover() -> None:
    for mod in BACKEND_MODULES:
        try:
            importlib.import_module(mod)
        except ImportError:
            continue


def available_detectors() -> list[str]:
    _discover()
    return sorted(_DETECTORS)


def get_detector(name: str | None = None, **options: Any) -> Any:
    """Build a registered detector by name (``None`` gives the default)."""
    name = name or DEFAULT_DETECTOR
    _discover()
    if name not in _DETECTORS:
        raise ConfigError(f"unknown detector {name!r}; available: {', '.join(available_detectors()) or 'none'}")
    try:
        return _DETECTORS[name](**options)
    except ModelUnavailable:
        raise
    except TypeError as exc:
        raise ConfigError(f"detector {name!r}: bad options {options}: {exc}") from None


def sort_and_number(people: list[Person]) -> list[Person]:
    """Order people by descending score and give them ids 0..n-1."""
    people = sorted(people, key=lambda p: -p.score)
    for i, p in enumerate(people):
        p.id = i
    return people
