"""hhikit: who is interacting with whom in images and videos, how, and when."""

from __future__ import annotations

from hhikit.offline import disable_telemetry

__version__ = "0.1.0"

disable_telemetry()  # before any dependency is loaded: nothing may call home

__all__ = ["__version__"]
