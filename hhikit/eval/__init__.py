"""Metrics and benchmark runners of the three systems (HOI mAP, interactiveness AP, Waldo and
Wenda text metrics, multi-label F1, shot boundaries).

The names below import lazily (loading torch or the word vectors only when used)::

    from hhikit.eval import TextMetrics, evaluate_waldo
    tm = TextMetrics.load()            # GloVe + MiniLM once, reuse it
    report = evaluate_waldo({"002716": ["_ saluting _"]}, "labels.csv", metrics=tm)
    report.to_dict(); report.to_markdown(); report.write("out/")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "average_precision": "hhikit.eval.ap",
    "paired_iou": "hhikit.eval.boxes",
    "EvalReport": "hhikit.eval.report",
    "TextMetrics": "hhikit.eval.text",
    "WordVectors": "hhikit.eval.text",
    "verb_of": "hhikit.eval.text",
    "person_text": "hhikit.eval.text",
    "evaluate_waldo": "hhikit.eval.waldo",
    "load_waldo_labels": "hhikit.eval.waldo",
    "load_waldo_predictions": "hhikit.eval.waldo",
    "evaluate_imsitu": "hhikit.eval.imsitu",
    "evaluate_hicodet": "hhikit.eval.hoi",
    "evaluate_vcoco": "hhikit.eval.hoi",
    "evaluate_interactiveness": "hhikit.eval.hoi",
    "load_hicodet": "hhikit.eval.hoi",
    "load_vcoco": "hhikit.eval.hoi",
    "read_hoi_predictions": "hhikit.eval.hoi",
    "gt_as_predictions": "hhikit.eval.hoi",
    "evaluate_multilabel": "hhikit.eval.multilabel",
    "evaluate_shots": "hhikit.eval.shots",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'hhikit.eval' has no attribute {name!r}")
