"""The describer protocol and registry.

A describer fills ``Pair.interactions`` (top 8 per non-suppressed pair) and
``ImageResult.interactions`` (top 8 for the image) of a record whose people (and
possibly pairs and objects) are already set. A backend is a factory decorated with
``@register_describer("name")``; ``get_describer("name:ARG")`` passes ``ARG`` (e.g. a
model directory) as the factory's first argument.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import ImageResult

TOP_K = 8


@runtime_checkable
class Describer(Protocol):
    name: str

    def describe(self, image: np.ndarray, result: ImageResult) -> None: ...


_DESCRIBERS: dict[str, Callable[..., Any]] = {}
DESCRIBER_MODULES: list[str] = ["hhikit.describe.default", "hhikit.describe.captioners"]
DEFAULT_DESCRIBER = "default"


def register_describer(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for a factory ``fn(arg: str | None = None, **options) -> Describer``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        _DESCRIBERS[name] = fn
        return fn

    return deco


def _discover() -> None:
    for mod in DESCRIBER_MODULES:
        try:
            importlib.import_module(mod)
        except ImportError:
            continue


def available_describers() -> list[str]:
    _discover()
    return sorted(_DESCRIBERS)


def get_describer(spec: str | None = None, **options: Any) -> Any:
    """Build a describer from ``name`` or ``name:ARG`` (``encdec:/models/hhi-encdec``)."""
    spec = spec or DEFAULT_DESCRIBER
    name, _, arg = spec.partition(":")
    _discover()
    if name not in _DESCRIBERS:
        raise ConfigError(f"unknown describer {name!r}; available: {', '.join(available_describers())}")
    try:
        return _DESCRIBERS[name](arg or None, **options)
    except (ModelUnavailable, ConfigError):
        raise
    except TypeError as exc:
        raise ConfigError(f"describer {spec!r}: bad options {options}: {exc}") from None
