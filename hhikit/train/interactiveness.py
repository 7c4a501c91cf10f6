"""Training of the interactiveness models on V-COCO human-object pairs (TIN's transfer idea:
interactiveness learned on human-object pairs carries over to human-human pairs).

Recipe (``train_interactiveness``), deterministic for a given seed:

1. Read the pairs of every file (``hhikit.pairs.datasets.load_vcoco`` /
   ``load_hicodet_pairs``; HICO-DET *training* files only).
2. Hold out a calibration set: of V-COCO, with several files the last one (e.g. V-COCO val),
   with one file a fixed 20% of its images; of each HICO-DET file a fixed 20% of its images.
   Train on the rest, score the held-out pairs, choose the IoU prior weight on their
   human-human pairs (or V-COCO's person-object proxy, ``selection_set``), and take the NIS
   threshold that keeps ``target_recall`` (95%) of their positives.
3. Train the final model with the same settings on all files and store weight and
   threshold with its weights.
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
from hhikit.pairs.datasets import HicoObjects, PairSet, load_hicodet_pairs, load_vcoco_files
from hhikit.pairs.features import BOX_FEATURES, box_features
from hhikit.pairs.interactiveness import GeometryInteractiveness, geometry_inputs, reference_values


@dataclass
class GeometryTrainConfig:
    """Chosen on V-COCO val (train -> val; docs/pairs.md has the tables): the coarse map
    (``map_cells`` 4 or 8) lowered val AP, so box features only; all 11 box features beat
    the 7 ``TRANSFER_FEATURES`` on the val person-object pairs (the human-human proxy).

    ``prior_weight`` is the weight of the box-IoU rank prior (``GeometryInteractiveness.mix_prior``);
    ``None`` chooses it in ``train_interactiveness`` on ``selection_set``, on a
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


def selection_set(held: PairSet, human_human: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """The held-out pairs that choose the IoU prior weight (and, for human-human pairs, the
    NIS threshold): held-out **human-human** pairs when there are at least
    ``MIN_SELECTION_PAIRS`` of each label (HICO-DET training files give them), else the
    held-out person-object pairs (V-COCO's proxy), else all held-out pairs."""
    candidates = []
    if human_human is not None:
        candidates.append((np.asarray(human_human, dtype=bool), "held-out human-human pairs"))
    candidates.append((held.b_is_person, "held-out person-object pairs"))
    for mask, desc in candidates:
        n_pos, n_neg = int(held.labels[mask].sum()), int((held.labels[mask] == 0).sum())
        if min(n_pos, n_neg) >= MIN_SELECTION_PAIRS:
            return mask, desc
    return np.ones(len(held), dtype=bool), "all held-out pairs (too few person-object pairs)"


def choose_prior_weight(
    model: GeometryInteractiveness, held: PairSet, step: float = 0.05, selection: np.ndarray | None = None
) -> tuple[float, str, dict[str, float]]:
    """The IoU prior weight in {0, step, ..., 1} with the highest AP on the selection set of
    the held-out pairs (``selection_set``; or the given mask); ties go to the smaller
    weight. ``model`` must already carry its reference values (``attach_prior``)."""
    if selection is None:
        sel, desc = selection_set(held)
    else:
        sel, desc = np.asarray(selection, dtype=bool), "given held-out pairs"
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


def _crc_holdout(data: PairSet) -> np.ndarray:
    """A fixed 20% of the images (crc32 of the image name mod 5 == 0)."""
    return np.array([zlib.crc32(n.encode()) % 5 == 0 for n in data.images], dtype=bool)


HOLDOUT_20 = "20% of the images (crc32 of the file name mod 5 == 0)"


def _split_vcoco(files: Sequence[str | Path]) -> tuple[list[PairSet], PairSet | None, PairSet | None, str]:
    parts = [load_vcoco_files([f]) for f in files]
    if not parts:
        return parts, None, None, ""
    if len(parts) > 1:
        return parts, PairSet.concat(parts[:-1]), parts[-1], f"last V-COCO file ({Path(files[-1]).name})"
    mask = _crc_holdout(parts[0])
    return parts, parts[0].subset(~mask), parts[0].subset(mask), f"{HOLDOUT_20} of {Path(files[0]).name}"


def _split_hicodet(
    files: Sequence[str | Path], objects: HicoObjects
) -> tuple[list[PairSet], list[PairSet], list[PairSet]]:
    parts, fits, helds = [], [], []
    for f in files:
        if "test" in Path(f).name.lower():
            raise ConfigError(
                f"{f}: looks like a test split; training on it would leak into `hhi eval interactiveness` "
                "(give HICO-DET training annotations, e.g. instances_train2015.json)"
            )
        d = load_hicodet_pairs(f, objects)
        mask = _crc_holdout(d)
        parts.append(d)
        fits.append(d.subset(~mask))
        helds.append(d.subset(mask))
    return parts, fits, helds


def train_interactiveness(
    vcoco: Sequence[str | Path],
    out: str | Path,
    model: str = "geometry",
    target_recall: float = 0.95,
    seed: int = 0,
    hicodet: Sequence[str | Path] = (),
    hicodet_objects: HicoObjects = "all",
    **options: Any,
) -> dict[str, Any]:
    """Train an interactiveness model on V-COCO and/or HICO-DET files and write it to
    ``out``; returns a report.

    Held out: the last V-COCO file (one file: 20% of its images) and 20% of the images of
    each HICO-DET file. The IoU prior weight (and, when held-out human-human pairs exist,
    the NIS threshold) is chosen on ``selection_set`` of the held-out pairs."""
    if not vcoco and not hicodet:
        raise ConfigError("give V-COCO and/or HICO-DET training files")
    t0 = time.perf_counter()
    v_parts, v_fit, v_held, v_desc = _split_vcoco(vcoco)
    h_parts, h_fits, h_helds = _split_hicodet(hicodet, hicodet_objects)
    fit = PairSet.concat([x for x in (v_fit, *h_fits) if x is not None])
    held = PairSet.concat([x for x in (v_held, *h_helds) if x is not None])
    n_v_held = 0 if v_held is None else len(v_held)
    human_human = np.concatenate([np.zeros(n_v_held, dtype=bool), *[h.b_is_person for h in h_helds]])
    held_desc = "; ".join(
        [d for d in (v_desc, hicodet and f"{HOLDOUT_20} of each HICO-DET file ({hicodet_objects} objects)") if d]
    )
    everything = PairSet.concat(v_parts + h_parts)
    sel, sel_desc = selection_set(held, human_human)
    # NIS: the threshold keeps the target recall on the human-human pairs when there are some
    thr_mask = sel if sel_desc.startswith("held-out human-human") else np.ones(len(held), dtype=bool)
    thr_desc = sel_desc if thr_mask is sel else "all held-out pairs"
    if model == "geometry":
        cfg = GeometryTrainConfig(seed=seed, **options)
        first = attach_prior(train_geometry(fit, cfg), fit, 0.0)
        mlp_held = first.score(held.boxes_a, held.boxes_b)
        if cfg.prior_weight is None:
            weight, _, sel_aps = choose_prior_weight(first, held, cfg.prior_step, selection=sel)
            prior_desc = sel_desc
        else:
            weight, prior_desc, sel_aps = float(cfg.prior_weight), "given", {}
        first.prior_weight = weight
        s = first.score(held.boxes_a, held.boxes_b)
        thr = choose_threshold(s[thr_mask], held.labels[thr_mask], target_recall)
        final = attach_prior(train_geometry(everything, cfg), everything, weight)
        final.threshold = thr
        final.meta = {
            "trained_on": ",".join(Path(f).name for f in (*vcoco, *hicodet)),
            "seed": str(seed),
            "threshold_rule": f"{target_recall:.0%} recall on {thr_desc} ({held_desc})",
            "prior_rule": f"IoU prior weight {weight:g}: best AP on {prior_desc} ({held_desc})",
        }
        final.save(out)
        extra = {
            "heldout_mlp_ap": round(average_precision(mlp_held, held.labels), 4),
            "prior_weight": weight,
            "prior_selected_on": prior_desc,
            "prior_selection_ap": sel_aps,
        }
    elif model == "tin":
        from hhikit.pairs.tin import TinTrainConfig, train_tin

        tcfg = TinTrainConfig(seed=seed, **options)
        first = train_tin(fit.boxes_a, fit.boxes_b, fit.labels, config=tcfg)
        s = first.score(held.boxes_a, held.boxes_b)
        thr = choose_threshold(s[thr_mask], held.labels[thr_mask], target_recall)
        final = train_tin(everything.boxes_a, everything.boxes_b, everything.labels, config=tcfg)
        final.threshold = thr
        final.save(out)
        extra = {}
    else:
        raise ConfigError(f"unknown interactiveness model {model!r} (geometry or tin)")
    pos = held.labels[thr_mask] == 1
    kept = s[thr_mask] >= thr
    prec = float((held.labels[thr_mask][kept] == 1).mean()) if kept.any() else 0.0

    def _ap(mask: np.ndarray) -> float | None:
        return round(average_precision(s[mask], held.labels[mask]), 4) if mask.any() else None

    return {
        "model": model,
        "out": str(out),
        "files": [str(f) for f in (*vcoco, *hicodet)],
        "train_pairs": len(everything),
        "train_positive_rate": round(float(everything.labels.mean()), 4),
        "heldout": held_desc,
        "heldout_pairs": len(held),
        "heldout_ap": round(average_precision(s, held.labels), 4),
        "heldout_person_object_ap": _ap(held.b_is_person & ~human_human),
        "heldout_human_human_ap": _ap(human_human),
        "nis_threshold": round(thr, 4),
        "nis_threshold_on": thr_desc,
        "heldout_recall_at_threshold": round(float(kept[pos].mean()), 4),
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
