"""HICO-DET mAP (Chao et al., WACV 2018) as the official Matlab code computes it, with the
all-point AP and UPT's evaluation as named extras.

Headline (``full``, ``rare``, ``non_rare``, ``known_object``): ho-rcnn ``eval_default.m`` /
``eval_one.m`` + ``VOCevaldet_bboxpair.m``: VOC pair matching at IoU >= 0.5 with the +1-pixel
box convention, detections on any image without a ground-truth pair of the class are false
positives (the images listed as ``empty`` included), VOC 11-point AP at Matlab's ``0:0.1:1``,
a class without detections (or without ground truth) has AP 0, the mean is over all classes.
Known-Object: for a class, only detections on images holding an annotated pair of its object.

Extras: ``continuous`` = the same matching with the all-point (VOC2010) AP; ``upt`` = UPT's
``test_hico`` with pocket's ``BoxPairAssociation`` + ``DetectionAPMeter(algorithm="11P")``:
IoU without the +1 (torchvision), overlap strictly > 0.5, images listed as ``empty`` never
evaluated. See ``docs/eval.md`` for the line ranges and the differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.boxes import IoUConvention
from hhikit.eval.hoi.data import HOIDetections, HOIGroundTruth, prepare_detections
from hhikit.eval.hoi.match import (
    IOU_THRESHOLD,
    match_detections,
    opt_float,
    per_class_ap,
    rank_order,
    ranks,
    warn,
)
from hhikit.eval.report import EvalReport, Table

PROTOCOL = (
    "official HICO-DET (ho-rcnn VOCevaldet_bboxpair.m): VOC 11-point AP at Matlab's 0:0.1:1, "
    "pixel-inclusive IoU >= 0.5, detections on images without that class's ground truth are false positives"
)


def _summarise(aps: np.ndarray, rare: np.ndarray, non_rare: np.ndarray) -> dict[str, float | None]:
    def mean(x: np.ndarray) -> float | None:
        return float(x.mean()) if x.size else None

    return {"full": mean(aps), "rare": mean(aps[rare]), "non_rare": mean(aps[non_rare])}


def hicodet_class_aps(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    count_empty: bool = True,
    threshold: float = IOU_THRESHOLD,
    strict: bool = False,
    methods: tuple[str, ...] = ("voc11", "continuous"),
) -> dict[str, Any]:
    """Per-class APs of every method in the Default and Known-Object settings, plus the
    matching (kept detection indices, their true-positive flags) for the report."""
    if gt.class_object is None:
        raise InputError("HICO-DET evaluation needs the class -> object correspondence")
    prep = prepare_detections(gt, det, count_empty)
    k = np.nonzero(prep.keep)[0]
    d_img, d_cls, d_score = prep.det_img[k], det.hoi[k], det.score[k]
    C = gt.n_classes
    rank = ranks(rank_order(d_score, d_img))
    tp, _ = match_detections(
        d_img * C + d_cls, d_score, det.box_h[k], det.box_o[k],
        gt.image * C + gt.hoi, gt.box_h, gt.box_o, threshold, convention, rank=rank, strict=strict,
    )  # fmt: skip
    npos = np.bincount(gt.hoi, minlength=C).astype(float)
    n_obj = int(max(gt.obj.max(initial=0), gt.class_object.max(initial=0))) + 1
    present = np.unique(gt.image * n_obj + gt.obj)
    ko = np.isin(d_img * n_obj + gt.class_object[d_cls], present)
    out: dict[str, Any] = {"prep": prep, "kept": k, "tp": tp, "npos": npos, "d_img": d_img, "d_cls": d_cls}
    for m in methods:
        out[(m, "default")] = per_class_ap(d_cls, d_score, tp, npos, m, rank=rank, no_gt=0.0)  # type: ignore[arg-type]
        out[(m, "ko")] = per_class_ap(d_cls[ko], d_score[ko], tp[ko], npos, m, rank=rank[ko], no_gt=0.0)  # type: ignore[arg-type]
    return out


def evaluate_hicodet(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    count_empty: bool = True,
    threshold: float = IOU_THRESHOLD,
    upt: bool = True,
) -> EvalReport:
    """HICO-DET mAP, Default and Known-Object, Full / Rare / Non-rare: the official figures
    as headline keys, ``continuous`` and ``upt`` as extras. ``count_empty=False`` leaves out
    the detections on images listed as ``empty`` (not the official protocol)."""
    messages: list[str] = []
    r = hicodet_class_aps(gt, det, convention, count_empty, threshold)
    npos, tp, k, d_img, d_cls = r["npos"], r["tp"], r["kept"], r["d_img"], r["d_cls"]
    C = gt.n_classes
    rare = np.asarray(gt.rare, dtype=np.int64)
    non_rare = np.asarray(gt.non_rare, dtype=np.int64)
    if not len(rare) and not len(non_rare):
        warn(messages, "the annotation file has no 'rare' / 'non_rare' lists: Rare and Non-rare are not computed")
    if (npos == 0).any():
        warn(messages, f"{int((npos == 0).sum())} classes have no ground truth: AP 0 each, as the official code")
    ndet = np.bincount(d_cls, minlength=C)
    if ((ndet == 0) & (npos > 0)).any():
        warn(messages, f"{int(((ndet == 0) & (npos > 0)).sum())} classes have no detection: AP 0 each")

    def both(method: str) -> dict[str, Any]:
        return {**_summarise(r[(method, "default")], rare, non_rare),
                "known_object": _summarise(r[(method, "ko")], rare, non_rare)}  # fmt: skip

    official, continuous = both("voc11"), both("continuous")
    summary: dict[str, Any] = {**official, "continuous": continuous}
    u = None
    if upt:
        u = hicodet_class_aps(gt, det, "continuous", False, threshold, strict=True, methods=("voc11",))
        summary["upt"] = _summarise(u[("voc11", "default")], rare, non_rare)
    prep = r["prep"]
    summary.update({
        "protocol": PROTOCOL if count_empty and convention == "inclusive" and threshold == IOU_THRESHOLD
        else PROTOCOL + " (changed by options: not the official figures)",
        "extras": {"continuous": "same matching, all-point interpolated AP (VOC2010+)",
                   "upt": "UPT test_hico / pocket DetectionAPMeter('11P'): IoU without +1, overlap > 0.5, "
                          "'empty' images not evaluated"},
        "n_classes": C, "n_classes_without_gt": int((npos == 0).sum()), "n_gt_pairs": len(gt.hoi),
        "n_detections": len(det), "n_evaluated": len(k), "n_true_positives": int(tp.sum()),
        "unknown_images": prep.n_unknown_images, "unknown_image_examples": prep.unknown_examples,
        "detections_on_empty_images": prep.n_on_empty,
        "empty_images": "counted as false positives" if count_empty else "ignored",
        "iou_convention": convention, "iou_threshold": threshold,
        "tie_order": "score descending, then image order of the annotation file, then line order",
        "warnings": messages,
    })  # fmt: skip
    rare_set = set(gt.rare)
    ntp = np.bincount(d_cls[tp], minlength=C)
    items = [
        {"class": c, "name": gt.classes[c], "rare": c in rare_set, "n_gt": int(npos[c]),
         "n_detections": int(ndet[c]), "n_true_positives": int(ntp[c]),
         "ap": opt_float(r[("voc11", "default")][c]), "ap_known_object": opt_float(r[("voc11", "ko")][c]),
         "ap_continuous": opt_float(r[("continuous", "default")][c]),
         "ap_upt": opt_float(u[("voc11", "default")][c]) if u is not None else None}
        for c in range(C)
    ]  # fmt: skip
    return EvalReport("hicodet", summary, items, _tables(summary, items, gt, det, k, tp, d_img, d_cls))


def _tables(summary: dict[str, Any], items: list[dict[str, Any]], gt: HOIGroundTruth, det: HOIDetections,
            k: np.ndarray, tp: np.ndarray, d_img: np.ndarray, d_cls: np.ndarray) -> list[Table]:  # fmt: skip
    def row(name: str, s: dict[str, Any]) -> list[Any]:
        return [name, s["full"], s["rare"], s["non_rare"]]

    rows = [row("Default (official)", summary), row("Known Object (official)", summary["known_object"]),
            row("Default, continuous AP", summary["continuous"]),
            row("Known Object, continuous AP", summary["continuous"]["known_object"])]  # fmt: skip
    if "upt" in summary:
        rows.append(row("Default, UPT evaluation", summary["upt"]))
    worst = sorted((it for it in items if it["n_gt"]), key=lambda it: it["ap"])[:10]
    d_score = det.score[k]
    fp_idx = np.nonzero(~tp)[0]
    fp_idx = fp_idx[np.argsort(-d_score[fp_idx], kind="stable")[:20]]
    summary["top_false_positives"] = [
        {"detection": int(k[i]) + 1, "image": gt.filenames[int(d_img[i])], "hoi": int(d_cls[i]),
         "name": gt.classes[int(d_cls[i])], "score": float(d_score[i])}
        for i in fp_idx
    ]  # fmt: skip
    return [
        Table("HICO-DET mAP", ["setting", "Full", "Rare", "Non-rare"], rows),
        Table("Lowest-AP classes", ["class", "name", "n_gt", "AP"],
              [[it["class"], it["name"], it["n_gt"], it["ap"]] for it in worst]),
        Table("Highest-scored false positives (detection = its 1-based position in the predictions)",
              ["detection", "image", "class", "score"],
              [[f["detection"], f["image"], f"{f['hoi']} {f['name']}", f["score"]]
               for f in summary["top_false_positives"]]),
    ]  # fmt: skip
