"""Describe interactions: the HHI vocabulary, the default cue-based describer, and the
paper's captioners (EncDec, ClipCap) behind one ``Describer`` protocol."""

from __future__ import annotations

from hhikit.describe.base import Describer, available_describers, get_describer, register_describer

__all__ = ["Describer", "available_describers", "get_describer", "register_describer"]
