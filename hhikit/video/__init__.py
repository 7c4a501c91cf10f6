"""Videos: streamed decoding, shots, clips, speech, audio and visual evidence, and
multi-label interaction classes per clip (the ICCCI system, offline)."""

from __future__ import annotations

from typing import Any

__all__ = ["VideoConfig", "VideoPipeline"]


def __getattr__(name: str) -> Any:  # lazy: importing hhikit.video loads no model code
    if name in __all__:
        from hhikit.video import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
