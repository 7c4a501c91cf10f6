"""Interactiveness AP (TIN, Li et al., CVPR 2019): class-agnostic AP of the pairs that take
part in at least one interaction, with the VOC pair matching of ``hhikit.eval.hoi.match``."""

from __future__ import annotations

import numpy as np

from hhikit.eval.boxes import IoUConvention, paired_iou
from hhikit.eval.hoi.data import HOIDetections, HOIGroundTruth, prepare_detections
from hhikit.eval.hoi.match import IOU_THRESHOLD, match_detections, opt_float, per_class_ap, rank_order, ranks
from hhikit.eval.report import EvalReport, Table


def interactive_pairs(
    gt: HOIGroundTruth, merge_iou: float = 0.7, convention: IoUConvention = "inclusive"
) -> HOIGroundTruth:
    """The interactive pairs of an image, as a one-class ground truth.

    A pair is interactive when it has at least one interaction (HICO-DET's ``no_interaction``
    classes do not count). HICO-DET annotates the same two people or objects once per HOI class,
    often with slightly different boxes, so pairs of one image whose min(IoU human, IoU object)
    with an earlier kept pair is >= ``merge_iou`` are merged into it (the earlier pair's boxes
    stand for the group); ``merge_iou=1.0`` keeps every distinct annotation.
    """
    keep = np.ones(len(gt.hoi), dtype=bool)
    no_int = [i for i, name in enumerate(gt.classes) if name.startswith("no_interaction")]
    if no_int:
        keep &= ~np.isin(gt.hoi, no_int)
    cand = np.nonzero(keep)[0]
    cand = cand[np.argsort(gt.image[cand], kind="stable")]
    n = len(cand)
    img = gt.image[cand]
    # every (earlier, later) pair of annotations inside one image, vectorised
    starts = np.r_[0, np.flatnonzero(np.diff(img)) + 1]
    sizes = np.diff(np.r_[starts, n])
    local = np.arange(n) - np.repeat(starts, sizes)
    later = np.repeat(sizes, sizes) - 1 - local
    first = np.repeat(np.arange(n), later)
    second = first + 1 + (np.arange(int(later.sum())) - np.repeat(np.cumsum(later) - later, later))
    ov = np.minimum(
        paired_iou(gt.box_h[cand[first]], gt.box_h[cand[second]], convention),
        np.nan_to_num(paired_iou(gt.box_o[cand[first]], gt.box_o[cand[second]], convention), nan=1.0),
    )
    near = ov >= merge_iou
    earlier: dict[int, list[int]] = {}
    for a, b in zip(first[near].tolist(), second[near].tolist(), strict=True):
        earlier.setdefault(b, []).append(a)
    kept = [False] * n
    for j in range(n):  # greedy in annotation order: merged into an earlier kept pair, or kept
        kept[j] = not any(kept[a] for a in earlier.get(j, ()))
    sel = cand[np.asarray(kept, dtype=bool)].tolist()
    s = np.asarray(sorted(sel), dtype=np.int64)
    return HOIGroundTruth(
        filenames=gt.filenames, image=gt.image[s], box_h=gt.box_h[s], box_o=gt.box_o[s],
        hoi=np.zeros(len(s), dtype=np.int64), obj=gt.obj[s], classes=["interactive"],
        empty=gt.empty, dataset="interactiveness",
    )  # fmt: skip


def evaluate_interactiveness(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    count_empty: bool = False,
    threshold: float = IOU_THRESHOLD,
) -> EvalReport:
    """Class-agnostic AP of interactive pairs. Detections with identical (image, boxes) are
    merged first, keeping the highest score, because an HOI detector writes one line per class
    of the same pair; the ``hoi`` field is ignored."""
    pos = interactive_pairs(gt, convention=convention)
    prep = prepare_detections(pos, HOIDetections(det.image, det.box_h, det.box_o, np.zeros(len(det), np.int64), det.score),
                    count_empty)  # fmt: skip
    k = np.nonzero(prep.keep)[0]
    rows = np.concatenate([prep.det_img[k, None].astype(float), det.box_h[k], np.nan_to_num(det.box_o[k], nan=-1)], 1)
    order = np.argsort(-det.score[k], kind="stable")
    first = _first_unique_rows(rows[order])
    sel = k[order[np.sort(first)]]
    rank = ranks(rank_order(det.score[sel], prep.det_img[sel]))
    tp, _ = match_detections(
        prep.det_img[sel], det.score[sel], det.box_h[sel], det.box_o[sel],
        pos.image, pos.box_h, pos.box_o, threshold, convention, rank=rank,
    )  # fmt: skip
    npos = np.array([float(len(pos.image))])
    cls = np.zeros(len(sel), dtype=np.int64)
    ap = per_class_ap(cls, det.score[sel], tp, npos, rank=rank)[0]
    ap11 = per_class_ap(cls, det.score[sel], tp, npos, "voc11", rank=rank)[0]
    summary = {
        "ap": opt_float(ap),
        "ap_voc11": opt_float(ap11),
        "n_gt_pairs": len(pos.image),
        "n_detections": len(det),
        "n_unique_detections": len(sel),
        "n_true_positives": int(tp.sum()),
        "unknown_images": prep.n_unknown_images,
        "iou_convention": convention,
        "iou_threshold": threshold,
    }
    tables = [Table("Interactiveness", ["AP", "AP (VOC 11-pt)", "gt pairs", "detections"],
                    [[summary["ap"], summary["ap_voc11"], len(pos.image), len(sel)]])]  # fmt: skip
    return EvalReport("interactiveness", summary, [], tables)


def _first_unique_rows(rows: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row (rows viewed as raw bytes: fast)."""
    a = np.ascontiguousarray(rows, dtype=np.float64)
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64)
    v = a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()
    _, first = np.unique(v, return_index=True)
    return first
