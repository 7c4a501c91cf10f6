"""HOI detections in the prediction format of ``hhi eval hoi``, from a model or a prior.

Oracle-detection setting: the pairs are the ground-truth boxes of a test file (every
annotated human box with every annotated object box of the image, ``HOIPairs`` with
``mode="all"``); every pair gets one row per HOI class: ``{"image", "box_h", "box_o",
"hoi", "score"}``. Detector scores are 1, so LIS only rescales every score alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hhikit.hoi.data import COCO80, HOIPairs
from hhikit.hoi.rules import apply_hoi_rules


def rows_from_scores(pairs: HOIPairs, scores: np.ndarray, classes: Any = None) -> Iterator[dict[str, Any]]:
    """One row per (pair, class) of ``scores (N, C)``; ``classes`` limits the classes written."""
    cols = range(scores.shape[1]) if classes is None else classes
    for i in range(len(pairs)):
        bh = [round(float(v), 2) for v in pairs.box_h[i]]
        bo = [round(float(v), 2) for v in pairs.box_o[i]]
        for c in cols:
            yield {"image": pairs.images[i], "box_h": bh, "box_o": bo, "hoi": int(c), "score": float(scores[i, c])}


def model_scores(model: Any, pairs: HOIPairs, nis: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scores (N, C), p_binary (N, 2), suppressed (N,))`` of ``pairs`` by a model with
    ``predict(box_h, box_o, obj)``, after TIN's LIS and NIS rules of the model's dataset."""
    if model.classes != pairs.classes:
        raise ValueError(f"the model's {len(model.classes)} classes are not the annotation file's {len(pairs.classes)}")
    p_hoi, p_bin = model.predict(pairs.box_h, pairs.box_o, pairs.obj)
    scores, mask = apply_hoi_rules(
        p_hoi, p_bin[:, 0], p_bin[:, 1], pairs.obj, pairs.dataset, no_interaction=pairs.no_interaction, nis=nis
    )
    return scores, p_bin, mask


def prior_table(train: HOIPairs, smoothing: float = 0.0) -> np.ndarray:
    """``(80, C)``: frequency of each class among the training pairs of each object category
    (every human x object combination counts, as in the oracle pair list)."""
    n_obj = np.bincount(train.obj, minlength=len(COCO80)).astype(np.float64)
    table = np.zeros((len(COCO80), train.labels.shape[1]))
    np.add.at(table, train.obj, train.labels.astype(np.float64))
    return (table + smoothing) / np.maximum(n_obj[:, None] + 2 * smoothing, 1.0)


def prior_scores(train: HOIPairs, pairs: HOIPairs) -> np.ndarray:
    """The prior baseline: each pair and class scored by ``P(class | object category)`` on ``train``."""
    if train.classes != pairs.classes:
        raise ValueError("the training and test files have different classes")
    return prior_table(train)[pairs.obj]
