"""The describer protocol and registry.

A describer fills ``Pair.interactions`` (top 8 per non-suppressed pair) and
``ImageResult.interactions`` (top 8 for the image) of a record whose people (and
possibly pairs and objects) are already set. A backend is a factory decorated with
``@register_describer("name")``; ``get_describer("name:ARG")`` passes ``ARG`` (e.g. a
model directory) as the factory's first argument.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.registry import Registry
from hhikit.types import ImageResult

TOP_K = 8


@runtime_checkable
class Describer(Protocol):
    name: str

    def describe(self, image: np.ndarray, result: ImageResult) -> None: ...


DEFAULT_DESCRIBER = "default"

_DESCRIBERS = Registry("describer")
register_describer = _DESCRIBERS.register
available_describers = _DESCRIBERS.names


def get_describer(spec: str | None = None, **options: Any) -> Any:
    """Build a describer from ``name`` or ``name:ARG`` (``encdec:/models/hhi-encdec``)."""
    name, _, arg = (spec or DEFAULT_DESCRIBER).partition(":")
    return _DESCRIBERS.build(name, arg or None, **options)
