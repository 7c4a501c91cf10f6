"""Training of the offline HOI model (``hhikit.hoi.spatial``) from box annotations alone.

Recipe (``train_hoi_spatial``): V-COCO: train on every file but the last and select the
epoch on the last (V-COCO val) by role AP scenario 1 of its oracle-detection predictions
(``hhi eval hoi --vcoco``'s evaluator); HICO-DET training files: a fixed 20% of the images
(crc32 of the file name) is held out and the epoch chosen by the mean per-class AP of its
pairs. The test split is never read. Deterministic for a seed (one thread).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, InputError
from hhikit.eval.ap import average_precision
from hhikit.hoi.data import HOIPairs, concat_pairs, load_hicodet_hoi_pairs, load_vcoco_pairs
from hhikit.hoi.predict import model_scores, rows_from_scores
from hhikit.hoi.spatial import HOISpatialModel, SpatialTrainConfig, train_spatial


def _refuse_test(paths: Sequence[str | Path]) -> None:
    for p in paths:
        if "test" in Path(p).name.lower():
            raise InputError(f"{p}: a test split is never used for training or model selection")


def vcoco_role_ap(model: HOISpatialModel, pairs: HOIPairs, gt: Any) -> float:
    """Role AP (scenario 1) of the model's oracle predictions on a V-COCO file (``gt``: its
    path, or its ``hhikit.eval.hoi.load_vcoco`` ground truth, read once for many calls)."""
    from hhikit.eval.hoi import HOIDetections, evaluate_vcoco, load_vcoco

    if isinstance(gt, (str, Path)):
        gt = load_vcoco(gt)
    scores, _, _ = model_scores(model, pairs)
    det = HOIDetections.from_rows(list(rows_from_scores(pairs, scores)))
    return float(evaluate_vcoco(gt, det).summary["scenario1"])


def pair_map(model: HOISpatialModel, pairs: HOIPairs) -> float:
    """Mean over classes (with a positive) of the AP of the held-out pairs' final scores."""
    scores, _, _ = model_scores(model, pairs)
    aps = [
        average_precision(pairs.labels[:, c], scores[:, c]) for c in range(scores.shape[1]) if pairs.labels[:, c].any()
    ]
    return float(np.mean(aps)) if aps else 0.0


def _held_out(images: list[str], fraction: float = 0.2) -> np.ndarray:
    return np.array([zlib.crc32(i.encode()) % 1000 < fraction * 1000 for i in images], dtype=bool)


def train_hoi_spatial(
    vcoco: Sequence[str | Path] = (),
    hicodet: Sequence[str | Path] = (),
    out: str | Path | None = None,
    config: SpatialTrainConfig | None = None,
    report: str | Path | None = None,
    progress: Any = None,
) -> tuple[HOISpatialModel, dict[str, Any]]:
    """Train, select, save (``out``) and report (JSON, ``report``) the offline HOI model."""
    if bool(vcoco) == bool(hicodet):
        raise ConfigError("give V-COCO files (train, then val) or HICO-DET training files, not both")
    _refuse_test([*vcoco, *hicodet])
    cfg = config or SpatialTrainConfig()
    t0 = time.time()
    history: list[dict[str, float]] = []
    if vcoco:
        if len(vcoco) < 2:
            raise ConfigError("V-COCO needs a training file and a validation file (the last one) for selection")
        train = concat_pairs([load_vcoco_pairs(p) for p in vcoco[:-1]])
        from hhikit.eval.hoi import load_vcoco

        val = load_vcoco_pairs(vcoco[-1])
        gt = load_vcoco(vcoco[-1])  # once, not at every epoch's selection
        model = train_spatial(train, cfg, lambda m: vcoco_role_ap(m, val, gt), history, progress, out)
        selection = {"data": "V-COCO", "selected_on": str(vcoco[-1]), "metric": "role AP scenario 1 (oracle boxes)"}
    else:
        pairs = concat_pairs([load_hicodet_hoi_pairs(p) for p in hicodet])
        held = _held_out(pairs.images)
        if held.all() or not held.any():
            held = np.arange(len(pairs)) % 5 == 0  # tiny files: every fifth pair
        train, val = pairs.subset(~held), pairs.subset(held)
        model = train_spatial(train, cfg, lambda m: pair_map(m, val), history, progress, out)
        selection = {"data": "HICO-DET", "selected_on": "20% of the training images", "metric": "pair mAP"}
    rep: dict[str, Any] = {
        **selection,
        "files": [str(p) for p in (*vcoco, *hicodet)],
        "n_train_pairs": len(train),
        "n_val_pairs": len(val),
        "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "history": history,
        "selected_epoch": model.meta.get("selected_epoch"),
        "val_value": model.meta.get("selected_value"),
        "seconds": round(time.time() - t0, 1),
    }
    model.meta.update({"train": rep["files"], "val_value": rep["val_value"], "selection": selection["metric"]})
    if out is not None:
        model.save(out)
    if report is not None:
        Path(report).write_text(json.dumps(rep, indent=2) + "\n", encoding="utf-8")
    return model, rep
