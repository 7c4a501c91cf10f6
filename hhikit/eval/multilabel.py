"""Multi-label classification metrics (video interaction classes per clip or scene).

Per class: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R), where a
label is predicted when its score >= the threshold. A ratio whose denominator is 0 is 0
(scikit-learn's ``zero_division=0``). *Macro* = unweighted mean over the classes; *micro* =
the same ratios over the TP/FP/FN summed across classes. The ICCCI video HHI system reports
macro and micro F1; the sweep shows how they move with the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.jsonl import iter_json_objects
from hhikit.eval.report import EvalReport, Table

DEFAULT_SWEEP = tuple(round(t, 2) for t in np.arange(0.05, 1.0, 0.05))


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def prf_at(y_true: np.ndarray, y_score: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """Per-class, macro and micro precision/recall/F1 of (N, C) binary truths and scores."""
    y_true = np.asarray(y_true).astype(bool)
    y_score = np.asarray(y_score, dtype=float)
    if y_true.shape != y_score.shape or y_true.ndim != 2:
        raise InputError(f"truth {y_true.shape} and scores {y_score.shape} must be the same (N, C) shape")
    pred = y_score >= threshold
    tp = (pred & y_true).sum(0)
    fp = (pred & ~y_true).sum(0)
    fn = (~pred & y_true).sum(0)
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * p * r, p + r)
    TP, FP, FN = tp.sum(), fp.sum(), fn.sum()
    mp, mr = float(_ratio(TP, TP + FP)), float(_ratio(TP, TP + FN))
    return {
        "threshold": float(threshold),
        "per_class": {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "support": y_true.sum(0)},
        "macro": {"precision": float(p.mean()), "recall": float(r.mean()), "f1": float(f1.mean())},
        "micro": {"precision": mp, "recall": mr, "f1": float(_ratio(2 * mp * mr, mp + mr))},
    }


def evaluate_multilabel(
    y_true: np.ndarray,
    y_score: np.ndarray,
    classes: Sequence[str],
    threshold: float = 0.5,
    sweep: Sequence[float] = DEFAULT_SWEEP,
    ids: Sequence[str] | None = None,
) -> EvalReport:
    """Metrics at ``threshold`` and over ``sweep``; per-item rows list the wrong labels."""
    at = prf_at(y_true, y_score, threshold)
    if len(classes) != np.asarray(y_true).shape[1]:
        raise InputError(f"{len(classes)} class names for {np.asarray(y_true).shape[1]} columns")
    rows = [prf_at(y_true, y_score, t) for t in sweep]
    sweep_out = [{"threshold": r["threshold"], "macro": r["macro"], "micro": r["micro"]} for r in rows]
    best_macro = max(sweep_out, key=lambda r: r["macro"]["f1"]) if sweep_out else None
    best_micro = max(sweep_out, key=lambda r: r["micro"]["f1"]) if sweep_out else None
    pc = at["per_class"]
    per_class = {
        c: {k: (float(pc[k][i]) if k in ("precision", "recall", "f1") else int(pc[k][i])) for k in pc}
        for i, c in enumerate(classes)
    }
    summary = {
        "threshold": float(threshold),
        "macro": at["macro"],
        "micro": at["micro"],
        "per_class": per_class,
        "sweep": sweep_out,
        "best_macro_f1": best_macro,
        "best_micro_f1": best_micro,
        "n_items": int(np.asarray(y_true).shape[0]),
        "n_classes": len(classes),
    }
    yt = np.asarray(y_true).astype(bool)
    pred = np.asarray(y_score, float) >= threshold
    ids = list(ids) if ids is not None else [str(i) for i in range(len(yt))]
    items = [
        {
            "id": ids[i],
            "true": [c for j, c in enumerate(classes) if yt[i, j]],
            "predicted": [c for j, c in enumerate(classes) if pred[i, j]],
            "false_positives": [c for j, c in enumerate(classes) if pred[i, j] and not yt[i, j]],
            "false_negatives": [c for j, c in enumerate(classes) if yt[i, j] and not pred[i, j]],
        }
        for i in range(len(yt))
    ]
    t1 = Table(
        f"At threshold {threshold:g}",
        ["", "precision", "recall", "F1"],
        [["macro", *at["macro"].values()], ["micro", *at["micro"].values()]],
    )
    t2 = Table(
        "Per class",
        ["class", "support", "precision", "recall", "F1"],
        [[c, v["support"], v["precision"], v["recall"], v["f1"]] for c, v in per_class.items()],
    )
    t3 = Table(
        "Threshold sweep",
        ["threshold", "macro F1", "micro F1"],
        [[f"{r['threshold']:.2f}", r["macro"]["f1"], r["micro"]["f1"]] for r in sweep_out],
    )
    return EvalReport("multilabel", summary, items, [t1, t2, t3])


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [d for _, d in iter_json_objects(path)]


def _scores_of(d: dict[str, Any], path: Path) -> list[tuple[str, dict[str, float]]]:
    """(id, {label: score}) entries of one line: ``{"id", "scores": {...}}``, ``{"id",
    "labels": [...]}`` (score 1 each) or an hhikit video record (one entry per clip,
    id ``<stem>#<clip index>``, and for a video labelled by the ICCCI model one entry of the
    whole scene, id ``<stem>``)."""
    if "clips" in d and "path" in d:
        stem = Path(str(d["path"])).stem
        scene = [(stem, {str(k): float(v) for k, v in d["scene_labels"].items()})] if "scene_labels" in d else []
        return scene + [
            (f"{stem}#{i}", {str(lab["label"]): float(lab.get("score", 1.0)) for lab in c.get("labels", [])})
            for i, c in enumerate(d["clips"])
        ]
    if "id" not in d:
        raise InputError(f"{path}: a line has no 'id'")
    if "scores" in d:
        return [(str(d["id"]), {str(k): float(v) for k, v in d["scores"].items()})]
    if "labels" in d:
        return [(str(d["id"]), {str(k): 1.0 for k in d["labels"]})]
    raise InputError(f"{path}: line for id {d['id']!r} has neither 'scores' nor 'labels'")


def load_multilabel(
    truth: str | Path, predictions: str | Path, classes: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str], int]:
    """Align a truth file (``{"id", "labels": [...]}`` lines) and a predictions file by id.

    Returns (y_true, y_score, classes, ids, n_missing). Items of the truth without a prediction
    get score 0 for every class (they count as misses); predicted ids absent from the truth are
    ignored. ``classes`` defaults to the sorted union of labels seen in both files.
    """
    tp, pp = Path(truth), Path(predictions)
    gold: dict[str, set[str]] = {}
    for d in _read_jsonl(tp):
        for i, sc in _scores_of(d, tp):
            gold[i] = {k for k, v in sc.items() if v > 0}
    pred: dict[str, dict[str, float]] = {}
    for d in _read_jsonl(pp):
        for i, sc in _scores_of(d, pp):
            pred[i] = sc
    if not gold:
        raise InputError(f"{tp}: no items")
    if classes is None:
        classes = sorted(set().union(*gold.values()) | {c for s in pred.values() for c in s})
    cidx = {c: j for j, c in enumerate(classes)}
    ids = list(gold)
    yt = np.zeros((len(ids), len(classes)), dtype=bool)
    ys = np.zeros((len(ids), len(classes)), dtype=float)
    for r, i in enumerate(ids):
        for c in gold[i]:
            if c in cidx:
                yt[r, cidx[c]] = True
        for c, s in pred.get(i, {}).items():
            if c in cidx:
                ys[r, cidx[c]] = s
    n_missing = sum(1 for i in ids if i not in pred)
    return yt, ys, list(classes), ids, n_missing
