"""The ground truth of an annotation file as detection rows, so that every figure must be 1
(tests, benchmarks and ``hhi eval hoi --gt-as-predictions``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hhikit.eval.hoi.data import HOIGroundTruth
from hhikit.eval.hoi.vcoco import vcoco_gt_as_predictions


def gt_as_predictions(gt: HOIGroundTruth, score: float = 1.0) -> Iterator[dict[str, Any]]:
    """Every ground-truth pair as a detection row (for tests and benchmarks: mAP must be 1).
    V-COCO: one row per person and action-role class of an action the person does (role box
    null where the person has no role object), later rows of a (person, action) scored half,
    so that role and agent AP are 1 under ``vsrl_eval.py``'s rules."""
    if gt.dataset == "vcoco":
        yield from vcoco_gt_as_predictions(gt, score)
        return
    for i in range(len(gt.image)):
        bo = gt.box_o[i]
        yield {
            "image": gt.filenames[int(gt.image[i])],
            "box_h": [float(v) for v in gt.box_h[i]],
            "box_o": None if np.isnan(bo).any() else [float(v) for v in bo],
            "hoi": int(gt.hoi[i]),
            "score": float(score),
        }
