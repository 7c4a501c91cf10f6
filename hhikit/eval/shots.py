"""Shot-boundary detection: precision, recall and F1 with a frame tolerance.

A boundary is the first frame of a new shot. A predicted boundary matches a ground-truth
boundary when they are at most ``tolerance`` frames apart; matching is one-to-one (each
boundary is used at most once) and maximal: both lists are sorted and swept together, which
for equal-width windows on a line finds a largest matching. This is the usual protocol of
TransNet/TRECVID-style evaluations (TransNetV2 uses a tolerance of a couple of frames).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.jsonl import iter_json_objects
from hhikit.eval.report import EvalReport, Table


def match_boundaries(truth: Sequence[int], pred: Sequence[int], tolerance: int = 2) -> list[tuple[int, int]]:
    """One-to-one matches ``(truth frame, predicted frame)`` within ``tolerance`` frames."""
    t = sorted(int(x) for x in truth)
    p = sorted(int(x) for x in pred)
    i = j = 0
    out = []
    while i < len(t) and j < len(p):
        if p[j] < t[i] - tolerance:
            j += 1
        elif p[j] > t[i] + tolerance:
            i += 1
        else:
            out.append((t[i], p[j]))
            i += 1
            j += 1
    return out


def boundary_prf(truth: Sequence[int], pred: Sequence[int], tolerance: int = 2) -> dict[str, float | int]:
    m = len(match_boundaries(truth, pred, tolerance))
    nt, npred = len(set(truth)), len(set(pred))
    p = m / npred if npred else 0.0
    r = m / nt if nt else 0.0
    return {"tp": m, "fp": npred - m, "fn": nt - m, "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0}  # fmt: skip


def evaluate_shots(truth: dict[str, Sequence[int]], pred: dict[str, Sequence[int]], tolerance: int = 2) -> EvalReport:
    """Per-video and pooled (micro) P/R/F1. Videos without predictions count as all misses."""
    items = []
    tp = fp = fn = 0
    for vid, t in truth.items():
        r = boundary_prf(sorted(set(t)), sorted(set(pred.get(vid, []))), tolerance)
        items.append({"video": vid, **r, "missing": vid not in pred})
        tp, fp, fn = tp + int(r["tp"]), fp + int(r["fp"]), fn + int(r["fn"])
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    summary = {
        "tolerance_frames": tolerance,
        "precision": p, "recall": rc, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
        "macro_f1": float(np.mean([it["f1"] for it in items])) if items else None,
        "n_videos": len(truth),
        "missing_videos": sum(1 for it in items if it["missing"]),
        "unknown_videos": sorted(set(pred) - set(truth))[:5],
    }  # fmt: skip
    tables = [
        Table(f"Shot boundaries (tolerance {tolerance} frames)", ["precision", "recall", "F1", "TP", "FP", "FN"],
              [[p, rc, f1, tp, fp, fn]]),
        Table("Per video", ["video", "precision", "recall", "F1"],
              [[it["video"], it["precision"], it["recall"], it["f1"]] for it in items]),
    ]  # fmt: skip
    return EvalReport("shots", summary, items, tables)


def _boundaries_of(d: dict[str, Any]) -> list[int]:
    if "boundaries" in d:
        return [int(x) for x in d["boundaries"]]
    if "shots" in d:
        starts = sorted(int(s["start_frame"]) for s in d["shots"])
        return starts[1:]  # the first shot's start is the video start, not a cut
    raise ValueError("needs 'boundaries' (frames) or 'shots' (with start_frame)")


def load_boundaries(path: str | Path) -> dict[str, list[int]]:
    """JSON Lines of ``{"video": name, "boundaries": [frame, ...]}``, ``{"video", "shots":
    [{"start_frame", ...}]}`` or hhikit video records (key: the file stem of ``path``)."""
    out: dict[str, list[int]] = {}
    for n, d in iter_json_objects(path):
        try:
            key = str(d["video"]) if "video" in d else Path(str(d["path"])).stem
            out[key] = _boundaries_of(d)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: line {n}: {exc}") from None
    return out
