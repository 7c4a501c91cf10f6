"""Training of the interactiveness models on V-COCO human-object pairs (TIN's transfer idea:
interactiveness learned on human-object pairs carries over to human-human pairs).

Recipe (``train_from_vcoco``), deterministic for a given seed:

1. Read the pairs of every file (``hhikit.pairs.datasets.load_vcoco``).
2. Hold out a calibration set: with several files the last one (e.g. V-COCO val), with one
   file a fixed 20% of its images. Train on the rest, score the held-out pairs, and take the
   NIS threshold that keeps ``target_recall`` (95%) of their positives.
3. Train the final model with the same settings on all files and store that threshold
   with its weights.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.eval.ap import average_precision
from hhikit.pairs.datasets import PairSet, load_vcoco_files
from hhikit.pairs.features import BOX_FEATURES, box_features
from hhikit.pairs.interactiveness import GeometryInteractiveness, geometry_inputs, reference_values


@dataclass
class GeometryTrainConfig:
    """Chosen on V-COCO val (train -> val; docs/pairs.md has the tables): the coarse map
    (``map_cells`` 4 or 8) lowered val AP, so box features only; all 11 box features beat
    the 7 ``TRANSFER_FEATURES`` on the val person-object pairs (the human-human proxy).

    ``prior_weight`` is the weight of the box-IoU rank prior (``GeometryInteractiveness.mix_prior``);
    ``None`` chooses it in ``train_from_vcoco`` on the held-out person-object pairs, on a
    grid of step ``prior_step``."""

    hidden: int = 32
    steps: int = 300
    lr: float = 1e-2
    weight_decay: float = 1e-2
    map_cells: int = 0
    features: tuple[str, ...] = BOX_FEATURES
    seed: int = 0
    prior_weight: float | None = None
    prior_step: float = 0.05


MIN_SELECTION_PAIRS = 20  # fewer held-out person-object pairs (of either label): select on all pairs


def _iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    return box_features(boxes_a, boxes_b)[:, BOX_FEATURES.index("iou")].astype(np.float64)


def attach_prior(model: GeometryInteractiveness, data: PairSet, prior_weight: float) -> GeometryInteractiveness:
    """Give ``model`` the IoU rank prior: reference values of its own MLP scores and of the
    box IoU over ``data`` (its training pairs), and the mixing weight."""
    model.prior_weight = 0.0
    model.score_ref = reference_values(model.score(data.boxes_a, data.boxes_b))
    model.iou_ref = reference_values(_iou(data.boxes_a, data.boxes_b))
    model.prior_weight = float(prior_weight)
    return model


def choose_prior_weight(
    model: GeometryInteractiveness, held: PairSet, step: float = 0.05
) -> tuple[float, str, dict[str, float]]:
    """The IoU prior weight in {0, step, ..., 1} with the highest AP on the held-out
    person-object pairs (our human-human proxy; all held-out pairs when it has fewer than
    ``MIN_SELECTION_PAIRS`` of a label); ties go to the smaller weight. ``model`` must
    already carry its reference values (``attach_prior``)."""
    sel = held.b_is_person
    n_pos, n_neg = int(held.labels[sel].sum()), int((held.labels[sel] == 0).sum())
    desc = "held-out person-object pairs"
    if min(n_pos, n_neg) < MIN_SELECTION_PAIRS:
        sel, desc = np.ones(len(held), dtype=bool), "all held-out pairs (too few person-object pairs)"
    saved, model.prior_weight = model.prior_weight, 0.0
    p = model.score(held.boxes_a[sel], held.boxes_b[sel]).astype(np.float64)
    model.prior_weight = saved
    iou = _iou(held.boxes_a[sel], held.boxes_b[sel])
    grid = np.round(np.arange(0.0, 1.0 + 1e-9, step), 4)
    aps = {f"{w:g}": round(average_precision(model.mix_prior(p, iou, w), held.labels[sel]), 4) for w in grid}
    best = max(grid, key=lambda w: (aps[f"{w:g}"], -w))
    return float(best), desc, aps


def choose_threshold(scores: np.ndarray, labels: np.ndarray, target_recall: float = 0.95) -> float:
    """The highest threshold ``t`` with recall(score >= t) >= ``target_recall``."""
    pos = np.sort(np.asarray(scores, dtype=np.float64)[np.asarray(labels) == 1])
    if pos.size == 0:
        raise ConfigError("no positive pairs to choose a threshold from")
    k = int(np.floor((1.0 - target_recall) * pos.size + 1e-9))
    return float(pos[min(k, pos.size - 1)])


def _torch_setup(seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return torch


def train_geometry(
    data: PairSet, config: GeometryTrainConfig | None = None, sample_weight: np.ndarray | None = None
) -> GeometryInteractiveness:
    """Fit the geometry MLP on labelled box pairs (full-batch AdamW, logistic loss;
    ``hidden=0`` gives logistic regression)."""
    cfg = config or GeometryTrainConfig()
    if len(data) == 0 or data.labels.min() == data.labels.max():
        raise ConfigError("training needs both positive and negative pairs")
    torch = _torch_setup(cfg.seed)
    x = geometry_inputs(data.boxes_a, data.boxes_b, cfg.map_cells, cfg.features)
    mean = x.mean(0)
    std = x.std(0) + 1e-3
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small problem: one thread is as fast and bit-reproducible
    try:
        xt = torch.tensor((x - mean) / std, dtype=torch.float32)
        yt = torch.tensor(data.labels, dtype=torch.float32)
        wt = (
            None if sample_weight is None else torch.tensor(sample_weight / np.mean(sample_weight), dtype=torch.float32)
        )
        if cfg.hidden > 0:
            net = torch.nn.Sequential(
                torch.nn.Linear(x.shape[1], cfg.hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(cfg.hidden, cfg.hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(cfg.hidden, 1),
            )
        else:
            net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 1))
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
        for _ in range(cfg.steps):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(xt).squeeze(1), yt, weight=wt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        lins = [m for m in net if isinstance(m, torch.nn.Linear)]
        layers = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in lins]
    finally:
        torch.set_num_threads(threads)
    return GeometryInteractiveness(layers, mean, std, 0.5, cfg.map_cells, features=cfg.features)


def train_from_vcoco(
    files: Sequence[str | Path],
    out: str | Path,
    model: str = "geometry",
    target_recall: float = 0.95,
    seed: int = 0,
    **options: Any,
) -> dict[str, Any]:
    """Train an interactiveness model on V-COCO files and write it to ``out``; returns a report."""
    t0 = time.perf_counter()
    parts = [load_vcoco_files([f]) for f in files]
    if len(parts) > 1:
        fit, held = PairSet.concat(parts[:-1]), parts[-1]
        held_desc = f"last file ({Path(files[-1]).name})"
    else:
        data = parts[0]
        mask = np.array([zlib.crc32(n.encode()) % 5 == 0 for n in data.images], dtype=bool)
        fit, held = data.subset(~mask), data.subset(mask)
        held_desc = "20% of the images (crc32 of the file name mod 5 == 0)"
    everything = PairSet.concat(parts)
    if model == "geometry":
        cfg = GeometryTrainConfig(seed=seed, **options)
        first = attach_prior(train_geometry(fit, cfg), fit, 0.0)
        mlp_held = first.score(held.boxes_a, held.boxes_b)
        if cfg.prior_weight is None:
            weight, sel_desc, sel_aps = choose_prior_weight(first, held, cfg.prior_step)
        else:
            weight, sel_desc, sel_aps = float(cfg.prior_weight), "given", {}
        first.prior_weight = weight
        s = first.score(held.boxes_a, held.boxes_b)
        thr = choose_threshold(s, held.labels, target_recall)
        final = attach_prior(train_geometry(everything, cfg), everything, weight)
        final.threshold = thr
        final.meta = {
            "trained_on": ",".join(Path(f).name for f in files),
            "seed": str(seed),
            "threshold_rule": f"{target_recall:.0%} recall on {held_desc}",
            "prior_rule": f"IoU prior weight {weight:g}: best AP on {sel_desc} of {held_desc}",
        }
        final.save(out)
        extra = {
            "heldout_mlp_ap": round(average_precision(mlp_held, held.labels), 4),
            "prior_weight": weight,
            "prior_selected_on": sel_desc,
            "prior_selection_ap": sel_aps,
        }
    elif model == "tin":
        from hhikit.pairs.tin import TinTrainConfig, train_tin

        tcfg = TinTrainConfig(seed=seed, **options)
        first = train_tin(fit.boxes_a, fit.boxes_b, fit.labels, config=tcfg)
        s = first.score(held.boxes_a, held.boxes_b)
        thr = choose_threshold(s, held.labels, target_recall)
        final = train_tin(everything.boxes_a, everything.boxes_b, everything.labels, config=tcfg)
        final.threshold = thr
        final.save(out)
        extra = {}
    else:
        raise ConfigError(f"unknown interactiveness model {model!r} (geometry or tin)")
    pos = held.labels == 1
    prec = float((held.labels[s >= thr] == 1).mean()) if (s >= thr).any() else 0.0
    return {
        "model": model,
        "out": str(out),
        "files": [str(f) for f in files],
        "train_pairs": len(everything),
        "train_positive_rate": round(float(everything.labels.mean()), 4),
        "heldout": held_desc,
        "heldout_pairs": len(held),
        "heldout_ap": round(average_precision(s, held.labels), 4),
        "heldout_person_object_ap": round(average_precision(s[held.b_is_person], held.labels[held.b_is_person]), 4)
        if held.b_is_person.any()
        else None,
        "nis_threshold": round(thr, 4),
        "heldout_recall_at_threshold": round(float((s[pos] >= thr).mean()), 4),
        "heldout_precision_at_threshold": round(prec, 4),
        "seconds": round(time.perf_counter() - t0, 1),
        "seed": seed,
        **extra,
    }


def default_out(model: str) -> Path:
    """Where ``hhi train interactiveness`` writes by default: the packaged geometry weights
    (so the command rebuilds the shipped default), or ``interactiveness_tin.pt`` here."""
    if model == "geometry":
        from hhikit.pairs.interactiveness import GEOMETRY_FILE

        return Path(__file__).resolve().parents[1] / "models" / "weights" / GEOMETRY_FILE
    return Path("interactiveness_tin.pt")


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2)
