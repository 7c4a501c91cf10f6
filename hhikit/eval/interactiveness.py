"""Interactiveness evaluation: the AP of a model's pair scores beside every single-geometry
heuristic, on ground-truth boxes.

- HICO-DET test, person-person pairs (object "person"): ``no_interaction`` pairs are the
  negatives (516 pairs in 215 images; chance AP = positive rate 0.620).
- V-COCO (a test file): human-object pairs, annotated pairs positive, other human x object
  combinations of the image negative (see ``hhikit.pairs.datasets``).

AP is ``hhikit.eval.ap.average_precision`` (every positive is in the list; tied scores are
one threshold), given two ways: ``continuous`` (interpolated, as in HICO-DET's and VOC's
code) and ``step`` (not interpolated, scikit-learn's ``average_precision_score``; box IoU
on the HICO-DET person pairs scores 0.956 and 0.937 with them). The best heuristic is
picked for each way separately. At the model's NIS threshold the report also gives precision, recall, F1 and the share of
pairs suppressed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.eval.ap import APMethod, average_precision
from hhikit.eval.bootstrap import paired_ap_bootstrap
from hhikit.pairs.datasets import PairSet, load_hicodet_person_pairs, load_vcoco
from hhikit.pairs.features import heuristic_scores
from hhikit.pairs.interactiveness import InteractivenessModel


def _r(x: float) -> float:
    return round(float(x), 4)


def evaluate_pairs(
    model: InteractivenessModel, data: PairSet, nis_threshold: float | None = None, bootstrap: int = 0
) -> tuple[dict[str, Any], np.ndarray]:
    """The report of one labelled pair set and the model's scores; ``bootstrap`` > 0 adds
    paired image-bootstrap intervals of the model's AP, the best heuristic's, and their
    difference (``hhikit.eval.bootstrap``)."""
    scores = np.asarray(model.score(data.boxes_a, data.boxes_b), dtype=np.float64)
    labels = data.labels
    hs = heuristic_scores(data.boxes_a, data.boxes_b)
    heur = {k: _r(average_precision(v, labels)) for k, v in hs.items()}
    heur_step = {k: _r(average_precision(v, labels, method="step")) for k, v in hs.items()}
    best = max(heur, key=lambda k: heur[k])
    best_step = max(heur_step, key=lambda k: heur_step[k])
    model_ap = _r(average_precision(scores, labels))
    model_ap_step = _r(average_precision(scores, labels, method="step"))
    thr = model.threshold if nis_threshold is None else float(nis_threshold)
    kept = scores >= thr
    tp = int((kept & (labels == 1)).sum())
    precision = tp / max(int(kept.sum()), 1)
    recall = tp / max(int((labels == 1).sum()), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    report = {
        "pairs": len(data),
        "images": len(set(data.images)),
        "positives": int(labels.sum()),
        "chance_ap": _r(labels.mean()) if len(labels) else 0.0,
        "model": model.name,
        "model_ap": model_ap,
        "heuristics_ap": heur,
        "best_heuristic": best,
        "best_heuristic_ap": heur[best],
        "model_ap_step": model_ap_step,
        "heuristics_ap_step": heur_step,
        "best_heuristic_step": best_step,
        "best_heuristic_ap_step": heur_step[best_step],
        "model_beats_best_heuristic": bool(model_ap > heur[best] and model_ap_step > heur_step[best_step]),
        "nis": {
            "threshold": _r(thr),
            "precision": _r(precision),
            "recall": _r(recall),
            "f1": _r(f1),
            "suppressed": _r(1.0 - kept.mean()) if len(kept) else 0.0,
        },
    }
    if bootstrap > 0:
        report["bootstrap"] = {
            method: _bootstrap_summary(scores, hs, labels, data.images, best_name, bootstrap, method)
            for method, best_name in (("continuous", best), ("step", best_step))
        }
    return report, scores


def _bootstrap_summary(
    scores: np.ndarray,
    heuristics: dict[str, np.ndarray],
    labels: np.ndarray,
    images: list[str],
    best: str,
    n: int,
    method: APMethod,
) -> dict[str, Any]:
    b = paired_ap_bootstrap({"model": scores, best: heuristics[best]}, labels, images, "model", n, method=method)
    return {
        "resamples": b["resamples"],
        "unit": b["unit"],
        "best_heuristic": best,
        "model_ap_ci": b["ap_ci"]["model"],
        "best_heuristic_ap_ci": b["ap_ci"][best],
        "difference_ci": b["difference_ci"][best],
        "p_model_better": b["p_reference_better"][best],
    }


def write_per_item(path: str | Path, data: PairSet, scores: np.ndarray) -> int:
    """JSON Lines: ``{"image", "box_a", "box_b", "label", "score"}`` per pair (atomic write)."""
    from hhikit.io.atomic import atomic_write_text

    lines = [
        json.dumps(
            {
                "image": img,
                "box_a": [round(float(v), 2) for v in a],
                "box_b": [round(float(v), 2) for v in b],
                "label": int(y),
                "score": round(float(s), 6),
            }
        )
        for img, a, b, y, s in zip(data.images, data.boxes_a, data.boxes_b, data.labels, scores, strict=True)
    ]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)


def evaluate_interactiveness(
    model: InteractivenessModel,
    hicodet: str | Path | None = None,
    vcoco: str | Path | None = None,
    per_item: str | Path | None = None,
    nis_threshold: float | None = None,
    bootstrap: int = 0,
) -> dict[str, Any]:
    """Evaluate on a HICO-DET test file and/or a V-COCO file; per-item rows of every set
    go to ``per_item`` (one file; each row's ``image`` names its image)."""
    out: dict[str, Any] = {}
    rows: list[tuple[PairSet, np.ndarray]] = []
    if hicodet is not None:
        data = load_hicodet_person_pairs(hicodet)
        rep, s = evaluate_pairs(model, data, nis_threshold, bootstrap)
        out["hicodet_person_pairs"] = {"file": str(hicodet), **rep}
        rows.append((data, s))
    if vcoco is not None:
        data = load_vcoco(vcoco)
        rep, s = evaluate_pairs(model, data, nis_threshold, bootstrap)
        out["vcoco"] = {"file": str(vcoco), **rep}
        m = data.b_is_person
        if m.any():
            out["vcoco"]["person_object_subset"] = {
                "pairs": int(m.sum()),
                "model_ap": _r(average_precision(s[m], data.labels[m])),
                "iou_ap": _r(
                    average_precision(heuristic_scores(data.boxes_a[m], data.boxes_b[m])["iou"], data.labels[m])
                ),
            }
        rows.append((data, s))
    if per_item is not None and rows:
        write_per_item(per_item, PairSet.concat([d for d, _ in rows]), np.concatenate([s for _, s in rows]))
    return out


def format_report(report: dict[str, Any]) -> str:
    """A short text table per evaluated set."""
    lines: list[str] = []
    for key, r in report.items():
        lines.append(
            f"{key}: {r['pairs']} pairs in {r['images']} images, {r['positives']} positive (chance AP {r['chance_ap']:.3f})"
        )
        lines.append(f"  {'':<28} {'AP':>6} {'AP step':>8}")
        lines.append(f"  {'model ' + r['model']:<28} {r['model_ap']:>6.3f} {r['model_ap_step']:>8.3f}")
        for name, ap in sorted(r["heuristics_ap"].items(), key=lambda kv: -kv[1]):
            best = [w for w, k in (("AP", "best_heuristic"), ("AP step", "best_heuristic_step")) if r[k] == name]
            mark = f"  <- best heuristic ({', '.join(best)})" if best else ""
            lines.append(f"  {'heuristic ' + name:<28} {ap:>6.3f} {r['heuristics_ap_step'][name]:>8.3f}{mark}")
        verdict = "beats" if r["model_beats_best_heuristic"] else "does NOT beat"
        lines.append(f"  the model {verdict} the best heuristic (on both APs)")
        for method, b in r.get("bootstrap", {}).items():
            lo, hi = b["difference_ci"]
            lines.append(
                f"  bootstrap ({b['resamples']} image resamples, {method} AP): model - {b['best_heuristic']} "
                f"in [{lo:+.3f}, {hi:+.3f}] (95%), model better in {b['p_model_better']:.1%}"
            )
        n = r["nis"]
        lines.append(
            f"  NIS at {n['threshold']:.3f}: precision {n['precision']:.3f}, recall {n['recall']:.3f}, "
            f"F1 {n['f1']:.3f}, suppressed {n['suppressed']:.1%}"
        )
        if "person_object_subset" in r:
            p = r["person_object_subset"]
            lines.append(
                f"  person-object subset ({p['pairs']} pairs): model AP {p['model_ap']:.3f}, IoU AP {p['iou_ap']:.3f}"
            )
    return "\n".join(lines)
