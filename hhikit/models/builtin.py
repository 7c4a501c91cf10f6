"""Old home of the card module list; the one list is ``hhikit.registry.BACKEND_MODULES``
(kept importable for one release)."""

from __future__ import annotations

from hhikit.registry import BACKEND_MODULES as CARD_MODULES

__all__ = ["CARD_MODULES"]
