"""HOI detection evaluation: HICO-DET mAP, V-COCO role and agent AP, interactiveness AP.

Each headline figure is the reference evaluation code's (``docs/eval.md`` gives the file and
line range of each): HICO-DET as ho-rcnn's Matlab ``VOCevaldet_bboxpair.m``
(:mod:`~hhikit.eval.hoi.hicodet`), V-COCO as ``vsrl_eval.py`` (:mod:`~hhikit.eval.hoi.vcoco`).
Files and checks: :mod:`~hhikit.eval.hoi.data`; ranking and matching:
:mod:`~hhikit.eval.hoi.match`.
"""

from __future__ import annotations

from hhikit.eval.hoi.data import (
    HOIDetections,
    HOIGroundTruth,
    load_hicodet,
    load_hoi_ground_truth,
    load_vcoco,
    rare_split,
    read_hoi_predictions,
    write_hoi_predictions,
)
from hhikit.eval.hoi.hicodet import evaluate_hicodet
from hhikit.eval.hoi.interactive import evaluate_interactiveness, interactive_pairs
from hhikit.eval.hoi.match import IOU_THRESHOLD, match_detections, per_class_ap, rank_order
from hhikit.eval.hoi.truth import gt_as_predictions
from hhikit.eval.hoi.vcoco import evaluate_vcoco

__all__ = [
    "IOU_THRESHOLD",
    "HOIDetections",
    "HOIGroundTruth",
    "evaluate_hicodet",
    "evaluate_interactiveness",
    "evaluate_vcoco",
    "gt_as_predictions",
    "interactive_pairs",
    "load_hicodet",
    "load_hoi_ground_truth",
    "load_vcoco",
    "match_detections",
    "per_class_ap",
    "rank_order",
    "rare_split",
    "read_hoi_predictions",
    "write_hoi_predictions",
]
