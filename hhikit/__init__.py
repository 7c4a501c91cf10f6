"""hhikit: who is interacting with whom in images and videos, how, and when."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
