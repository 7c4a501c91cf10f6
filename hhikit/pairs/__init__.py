"""Pairs of people: geometry, TIN's spatial and pose maps, interactiveness and
Non-Interaction Suppression (see docs/pairs.md)."""

from __future__ import annotations

from hhikit.pairs.interactiveness import (
    DEFAULT_INTERACTIVENESS,
    InteractivenessModel,
    available_interactiveness,
    get_interactiveness,
    register_interactiveness,
)
from hhikit.pairs.nis import apply_nis, build_pairs

__all__ = [
    "DEFAULT_INTERACTIVENESS",
    "InteractivenessModel",
    "apply_nis",
    "available_interactiveness",
    "build_pairs",
    "get_interactiveness",
    "register_interactiveness",
]
