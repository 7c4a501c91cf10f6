"""Modules that declare model cards. A new backend adds its module here (one line)."""

from __future__ import annotations

CARD_MODULES: list[str] = [
    "hhikit.models.cards",
    "hhikit.perception.mediapipe_backend",
    "hhikit.pairs.interactiveness",
    "hhikit.pseudolabel.cards",
    "hhikit.pseudolabel.prepare",
    "hhikit.eval.cards",
    "hhikit.perception.tfjs_models",
    "hhikit.video.models",
]
