"""The ranking and matching shared by every HOI figure.

**Rank (tie order).** Detections of a class are visited in descending score; equal scores keep
the order of their images in the annotation file, then the order of the lines in the
predictions file. That is exactly the order of the official HICO-DET Matlab code (detections
are concatenated image by image, then ``sort(-det_conf)``, which is stable), and hhikit uses it
for every figure (HICO-DET, V-COCO, interactiveness): :func:`rank_order`.

**VOC pair matching** (``VOCevaldet_bboxpair.m``): each detection, in rank order, is compared
with every ground-truth pair of its (image, class) by ``min(IoU human, IoU object)``; the
first pair with the highest overlap is its candidate; it is a true positive when that overlap
is >= the threshold (> with ``strict``, as UPT) and the pair is not claimed yet, otherwise a
false positive. Vectorised: all (detection, candidate) pairs of the same key are expanded in
chunks, the best candidate per detection is a lexsort, and "first detection to claim a pair"
is ``np.unique(..., return_index=True)`` over the rank, which is the greedy loop's outcome.
"""

from __future__ import annotations

import warnings

import numpy as np

from hhikit.eval.ap import APMethod, ap_from_pr
from hhikit.eval.boxes import IoUConvention, paired_iou

IOU_THRESHOLD = 0.5


def rank_order(score: np.ndarray, image: np.ndarray | None = None) -> np.ndarray:
    """Indices in rank order: score descending, then image index, then input position."""
    n = len(score)
    keys = [np.arange(n)] + ([np.asarray(image)] if image is not None else []) + [-np.asarray(score, float)]
    return np.lexsort(keys)


def ranks(order: np.ndarray) -> np.ndarray:
    """Position of each detection in ``order`` (0 = first visited)."""
    r = np.empty(len(order), dtype=np.int64)
    r[order] = np.arange(len(order))
    return r


def expand(det_key: np.ndarray, gt_key: np.ndarray, chunk: int = 2_000_000):  # type: ignore[no-untyped-def]
    """Yield ``(det_index, gt_index)`` arrays of every pair with equal keys, in chunks of
    about ``chunk`` pairs; within a detection, candidates come in ground-truth index order."""
    g_order = np.argsort(gt_key, kind="stable")
    g_sorted = gt_key[g_order]
    start = np.searchsorted(g_sorted, det_key, side="left")
    cnt = np.searchsorted(g_sorted, det_key, side="right") - start
    has = np.nonzero(cnt)[0]
    csum = np.cumsum(cnt[has])
    lo = 0
    while lo < len(has):
        base = csum[lo - 1] if lo else 0
        hi = max(int(np.searchsorted(csum, base + chunk, side="right")), lo + 1)
        dsel = has[lo:hi]
        c = cnt[dsel]
        rep = np.repeat(dsel, c)
        offs = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        yield rep, g_order[np.repeat(start[dsel], c) + offs]
        lo = hi


def best_candidate(rep: np.ndarray, gi: np.ndarray, ov: np.ndarray, best_ov: np.ndarray, best_gt: np.ndarray) -> None:
    """Write each detection's highest overlap and its first ground truth of that overlap."""
    srt = np.lexsort((gi, -ov, rep))
    first = np.ones(len(srt), dtype=bool)
    first[1:] = rep[srt][1:] != rep[srt][:-1]
    pick = srt[first]
    best_ov[rep[pick]] = ov[pick]
    best_gt[rep[pick]] = gi[pick]


def first_claims(eligible: np.ndarray, claim_key: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """True for the eligible detection of lowest rank of each ``claim_key`` (the greedy winner)."""
    tp = np.zeros(len(eligible), dtype=bool)
    idx = np.nonzero(eligible)[0]
    if idx.size == 0:
        return tp
    idx = idx[np.argsort(rank[idx], kind="stable")]
    _, first = np.unique(claim_key[idx], return_index=True)
    tp[idx[first]] = True
    return tp


def match_detections(
    det_key: np.ndarray,
    det_score: np.ndarray,
    det_h: np.ndarray,
    det_o: np.ndarray,
    gt_key: np.ndarray,
    gt_h: np.ndarray,
    gt_o: np.ndarray,
    threshold: float = IOU_THRESHOLD,
    convention: IoUConvention = "inclusive",
    role: str = "iou",
    chunk: int = 2_000_000,
    rank: np.ndarray | None = None,
    strict: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """VOC pair matching: true-positive flags of detections (input order) and the
    ground-truth index each matched (-1 if none). Detections and ground truth meet only when
    their integer ``key`` (e.g. image * n_classes + class) is equal. ``rank`` is each
    detection's position in the visiting order (default: score descending, input order).

    ``role`` says how the object overlap is taken when a box is absent (NaN): ``"iou"``
    (plain IoU; NaN -> 0), ``"scenario1"`` (absent gt role needs an absent predicted role: 1,
    else 0) or ``"scenario2"`` (absent gt role: 1 whatever the prediction).
    """
    nd = len(det_key)
    matched_gt = np.full(nd, -1, dtype=np.int64)
    if nd == 0 or len(gt_key) == 0:
        return np.zeros(nd, dtype=bool), matched_gt
    if rank is None:
        rank = ranks(np.argsort(-np.asarray(det_score, float), kind="stable"))
    best_ov = np.full(nd, -np.inf)
    best_gt = np.full(nd, -1, dtype=np.int64)
    for rep, gi in expand(det_key, gt_key, chunk):
        ov_h = np.nan_to_num(paired_iou(det_h[rep], gt_h[gi], convention), nan=0.0)
        ov = np.minimum(ov_h, role_overlap(det_o[rep], gt_o[gi], convention, role))
        best_candidate(rep, gi, ov, best_ov, best_gt)
    valid = best_ov > threshold if strict else best_ov >= threshold
    tp = first_claims(valid, best_gt, rank)
    matched_gt[tp] = best_gt[tp]
    return tp, matched_gt


def role_overlap(d: np.ndarray, g: np.ndarray, convention: IoUConvention, role: str) -> np.ndarray:
    """Overlap of predicted and ground-truth object/role boxes; see :func:`match_detections`."""
    ov = np.nan_to_num(paired_iou(d, g, convention), nan=0.0)
    if role == "iou":
        return ov
    d_none = np.isnan(d).any(1)
    g_none = np.isnan(g).any(1)
    if role == "scenario1":
        return np.where(g_none, d_none.astype(float), np.where(d_none, 0.0, ov))
    if role == "scenario2":
        return np.where(g_none, 1.0, np.where(d_none, 0.0, ov))
    raise ValueError(f"unknown role mode {role!r}")


def per_class_ap(
    cls: np.ndarray,
    score: np.ndarray,
    tp: np.ndarray,
    npos: np.ndarray,
    method: APMethod = "continuous",
    rank: np.ndarray | None = None,
    no_gt: float = float("nan"),
) -> np.ndarray:
    """AP of each class over detections in rank order (default: score descending, input
    order). A class without detections gets 0; one without ground truth gets ``no_gt``."""
    n = len(npos)
    aps = np.full(n, np.nan)
    second = rank if rank is not None else ranks(np.argsort(-np.asarray(score, float), kind="stable"))
    order = np.lexsort((second, cls))
    c_sorted = cls[order]
    t_sorted = tp[order].astype(float)
    bounds = np.searchsorted(c_sorted, np.arange(n + 1))
    for c in range(n):
        if npos[c] <= 0:
            aps[c] = no_gt
            continue
        t = t_sorted[bounds[c] : bounds[c + 1]]
        if t.size == 0:
            aps[c] = 0.0
            continue
        ctp = np.cumsum(t)
        cfp = np.cumsum(1.0 - t)
        aps[c] = ap_from_pr(ctp / npos[c], ctp / np.maximum(ctp + cfp, np.finfo(float).eps), method)
    return aps


def nanmean(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else None


def opt_float(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def warn(messages: list[str], text: str) -> None:
    """Record a warning in the report and emit it (once per distinct text)."""
    messages.append(text)
    warnings.warn(text, stacklevel=3)
