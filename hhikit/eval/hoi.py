"""HOI detection evaluation: HICO-DET mAP, V-COCO role AP and interactiveness AP, in numpy.

Protocols (see ``docs/eval.md`` for the full text):

- **HICO-DET** (Chao et al., WACV 2018): one AP per HOI class (600), mean over Full (600),
  Rare (138 classes with < 10 training instances) and Non-rare (462). *Default* setting: every
  test image counts. *Known-Object* setting: for a class, only images that contain an
  annotated instance of that class's object category count.
- **V-COCO** (Gupta & Malik, 2015) role AP over the 24 action-role classes; *scenario 1*: when
  the ground truth has no role object the detection's role box must be empty; *scenario 2*: the
  role box is then ignored.
- **interactiveness** (Li et al., TIN, CVPR 2019): class-agnostic AP of human-object pairs that
  take part in at least one interaction.

Matching (all three): detections of a class are visited in descending score order; each is
compared with every ground-truth pair of the same class in the same image by
``min(IoU(human), IoU(object))``; it is a true positive when the best such overlap is >= 0.5
and that ground-truth pair has not been matched yet, otherwise a false positive (so duplicates
of a matched detection are false positives, as in VOC and the HICO-DET Matlab code).
AP is the continuous (area under the interpolated PR curve) AP; VOC 11-point is reported too.

The whole matching is vectorised: candidate (detection, ground truth) pairs of the same key
(image, class) are expanded at once, the best ground truth per detection is a lexsort, and
"first detection to claim a ground truth" is ``np.unique(..., return_index=True)``, which is
exactly the greedy loop's outcome.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.ap import APMethod, ap_from_pr
from hhikit.eval.boxes import IoUConvention, paired_iou
from hhikit.eval.report import EvalReport, Table

IOU_THRESHOLD = 0.5


# ---------------------------------------------------------------- predictions


@dataclass
class HOIDetections:
    """Detections as arrays. ``box_o`` rows are NaN for "no role object" (V-COCO)."""

    image: list[str]
    box_h: np.ndarray
    box_o: np.ndarray
    hoi: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.image)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]], source: str = "predictions") -> HOIDetections:
        """Rows ``{"image", "box_h", "box_o", "hoi", "score"}``; ``hoi`` may be absent
        (interactiveness) and ``box_o`` null/[]/zeros for an empty role box."""
        rows = rows if isinstance(rows, list) else list(rows)
        try:  # fast path: whole columns at once
            images = [str(r["image"]) for r in rows]
            bh = np.array([r["box_h"] for r in rows], dtype=np.float64).reshape(len(rows), 4)
            bo = np.array([r.get("box_o") or _NAN4 for r in rows], dtype=np.float64).reshape(len(rows), 4)
            hoi = np.array([r.get("hoi", 0) for r in rows], dtype=np.int64)
            sc = np.array([r["score"] for r in rows], dtype=np.float64)
            if np.isnan(bh).any():
                raise ValueError("missing box")
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls._from_rows_checked(rows, source)
        bo[(bo == 0).all(1)] = np.nan
        return cls(images, bh, bo, hoi, sc)

    @classmethod
    def _from_rows_checked(cls, rows: list[dict[str, Any]], source: str) -> HOIDetections:
        """Row by row, to name the first malformed detection."""
        images: list[str] = []
        bh: list[list[float]] = []
        bo: list[list[float]] = []
        hoi: list[int] = []
        sc: list[float] = []
        for n, r in enumerate(rows, 1):
            try:
                images.append(str(r["image"]))
                bh.append(_box4(r["box_h"]))
                bo.append(_box4(r.get("box_o"), allow_empty=True))
                hoi.append(int(r.get("hoi", 0)))
                sc.append(float(r["score"]))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InputError(f"{source}: detection {n} is malformed ({type(exc).__name__}: {exc}); "
                                 'expected {"image", "box_h", "box_o", "hoi", "score"}') from None  # fmt: skip
        return cls(
            images,
            np.asarray(bh, dtype=np.float64).reshape(-1, 4),
            np.asarray(bo, dtype=np.float64).reshape(-1, 4),
            np.asarray(hoi, dtype=np.int64),
            np.asarray(sc, dtype=np.float64),
        )


_NAN4 = [float("nan")] * 4


def _box4(b: Any, allow_empty: bool = False) -> list[float]:
    if b is None or (isinstance(b, list | tuple) and len(b) == 0):
        if allow_empty:
            return list(_NAN4)
        raise ValueError("missing box")
    v = [float(x) for x in b]
    if len(v) != 4:
        raise ValueError(f"a box has 4 numbers, got {len(v)}")
    if allow_empty and all(x == 0 for x in v):
        return list(_NAN4)
    return v


def read_hoi_predictions(path: str | Path) -> HOIDetections:
    """Read JSON Lines, one detection per line (blank lines skipped)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: predictions file not found")

    with open(path, encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip()]
    try:  # one C-level parse of the whole file; fall back line by line to name a bad line
        rows = json.loads("[" + ",".join(lines) + "]")
    except json.JSONDecodeError:
        rows = []
        for n, line in enumerate(lines, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: detection line {n} is not JSON ({exc.msg})") from None
    if not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{path}: every line must be a JSON object")
    return HOIDetections.from_rows(rows, source=str(path))


def write_hoi_predictions(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write detection rows as JSON Lines (atomically). Returns the count."""
    from hhikit.io.atomic import atomic_write_text

    lines = [json.dumps(r, separators=(",", ":")) for r in rows]
    atomic_write_text(path, "".join(x + "\n" for x in lines))
    return len(lines)


# ---------------------------------------------------------------- ground truth


@dataclass
class HOIGroundTruth:
    """Ground-truth pairs as flat arrays. ``box_o`` rows are NaN when the role object is absent."""

    filenames: list[str]
    image: np.ndarray
    box_h: np.ndarray
    box_o: np.ndarray
    hoi: np.ndarray
    obj: np.ndarray
    classes: list[str]
    rare: list[int] = field(default_factory=list)
    non_rare: list[int] = field(default_factory=list)
    class_object: np.ndarray | None = None  # object category of each class (Known-Object)
    empty: set[int] = field(default_factory=set)  # images without usable annotation
    dataset: str = "hicodet"

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def _read_json(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: annotation file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON annotation file ({exc})") from None


def load_hicodet(path: str | Path) -> HOIGroundTruth:
    """HICO-DET annotations in the ``instances_test2015.json`` layout: ``annotation`` (per image
    ``boxes_h``, ``boxes_o``, ``hoi``, ``object``, ``verb``), ``filenames``, ``empty``,
    ``correspondence`` (``[hoi, object, verb]``), ``rare``, ``non_rare``, ``objects``, ``verbs``."""
    d = _read_json(path)
    need = {"annotation", "filenames", "correspondence"}
    if not need <= set(d):
        raise InputError(f"{path}: not a HICO-DET annotation file (needs keys {sorted(need)})")
    image, bh, bo, hoi, obj = [], [], [], [], []
    for i, a in enumerate(d["annotation"]):
        n = len(a.get("hoi", []))
        if not (len(a.get("boxes_h", [])) == len(a.get("boxes_o", [])) == len(a.get("object", [])) == n):
            raise InputError(f"{path}: annotation {i} has lists of different lengths")
        image += [i] * n
        bh += a["boxes_h"]
        bo += a["boxes_o"]
        hoi += a["hoi"]
        obj += a["object"]
    corr = np.asarray(d["correspondence"], dtype=np.int64).reshape(-1, 3)
    n_classes = int(corr[:, 0].max()) + 1
    class_object = np.zeros(n_classes, dtype=np.int64)
    class_object[corr[:, 0]] = corr[:, 1]
    verbs, objects = d.get("verbs", []), d.get("objects", [])
    names = [
        f"{verbs[v]} {objects[o]}" if v < len(verbs) and o < len(objects) else f"hoi {h}" for h, o, v in corr.tolist()
    ]
    return HOIGroundTruth(
        filenames=list(d["filenames"]),
        image=np.asarray(image, dtype=np.int64),
        box_h=np.asarray(bh, dtype=np.float64).reshape(-1, 4),
        box_o=np.asarray(bo, dtype=np.float64).reshape(-1, 4),
        hoi=np.asarray(hoi, dtype=np.int64),
        obj=np.asarray(obj, dtype=np.int64),
        classes=names,
        rare=list(d.get("rare", [])),
        non_rare=list(d.get("non_rare", [])),
        class_object=class_object,
        empty=set(d.get("empty", [])),
        dataset="hicodet",
    )


def load_vcoco(path: str | Path) -> HOIGroundTruth:
    """V-COCO annotations in the ``instances_vcoco_*.json`` layout: ``annotations`` (per image
    ``boxes_h``, ``boxes_o``, ``actions``, ``objects``, ``file_name``) and ``classes`` (the 24
    action-role names). A ``boxes_o`` entry that is null, [] or all zeros means the role object
    is not in the image (the shared file drops such pairs; other exports keep them)."""
    d = _read_json(path)
    if "annotations" not in d or "classes" not in d:
        raise InputError(f"{path}: not a V-COCO annotation file (needs 'annotations' and 'classes')")
    image, bh, bo, act, obj, names = [], [], [], [], [], []
    for i, a in enumerate(d["annotations"]):
        names.append(str(a.get("file_name", i)))
        n = len(a.get("actions", []))
        if not (len(a.get("boxes_h", [])) == len(a.get("boxes_o", [])) == n):
            raise InputError(f"{path}: annotation {i} has lists of different lengths")
        image += [i] * n
        bh += [_box4(b) for b in a["boxes_h"]]
        bo += [_box4(b, allow_empty=True) for b in a["boxes_o"]]
        act += a["actions"]
        obj += [int(o) if o is not None else -1 for o in a.get("objects", [-1] * n)]
    return HOIGroundTruth(
        filenames=names,
        image=np.asarray(image, dtype=np.int64),
        box_h=np.asarray(bh, dtype=np.float64).reshape(-1, 4),
        box_o=np.asarray(bo, dtype=np.float64).reshape(-1, 4),
        hoi=np.asarray(act, dtype=np.int64),
        obj=np.asarray(obj, dtype=np.int64),
        classes=list(d["classes"]),
        dataset="vcoco",
    )


def gt_as_predictions(gt: HOIGroundTruth, score: float = 1.0) -> Iterator[dict[str, Any]]:
    """Every ground-truth pair as a detection row (for tests and benchmarks: mAP must be 1)."""
    for i in range(len(gt.image)):
        bo = gt.box_o[i]
        yield {
            "image": gt.filenames[int(gt.image[i])],
            "box_h": [float(v) for v in gt.box_h[i]],
            "box_o": None if np.isnan(bo).any() else [float(v) for v in bo],
            "hoi": int(gt.hoi[i]),
            "score": float(score),
        }


# ---------------------------------------------------------------- matching


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
) -> tuple[np.ndarray, np.ndarray]:
    """True-positive flags of detections (input order) and the ground-truth index each matched
    (-1 if none). Detections and ground truth meet only when their integer ``key`` (e.g.
    image * n_classes + class) is equal.

    ``role`` says how the object/role overlap is taken when a box is absent (NaN): ``"iou"``
    (plain IoU; NaN -> 0), ``"scenario1"`` (absent gt role needs an absent predicted role: 1,
    else 0) or ``"scenario2"`` (absent gt role: 1 whatever the prediction).
    """
    nd = len(det_key)
    tp = np.zeros(nd, dtype=bool)
    matched_gt = np.full(nd, -1, dtype=np.int64)
    if nd == 0 or len(gt_key) == 0:
        return tp, matched_gt
    g_order = np.argsort(gt_key, kind="stable")
    g_sorted = gt_key[g_order]
    start = np.searchsorted(g_sorted, det_key, side="left")
    end = np.searchsorted(g_sorted, det_key, side="right")
    cnt = end - start
    best_ov = np.full(nd, -np.inf)
    best_gt = np.full(nd, -1, dtype=np.int64)
    has = np.nonzero(cnt)[0]
    # expand (detection, candidate gt) pairs in chunks of detections
    csum = np.cumsum(cnt[has])
    lo = 0
    while lo < len(has):
        base = csum[lo - 1] if lo else 0
        hi = int(np.searchsorted(csum, base + chunk, side="right"))
        hi = max(hi, lo + 1)
        dsel = has[lo:hi]
        c = cnt[dsel]
        rep = np.repeat(dsel, c)
        offs = np.arange(int(c.sum())) - np.repeat(np.cumsum(c) - c, c)
        gi = g_order[np.repeat(start[dsel], c) + offs]
        ov_h = paired_iou(det_h[rep], gt_h[gi], convention)
        ov_o = _role_overlap(det_o[rep], gt_o[gi], convention, role)
        ov = np.minimum(np.nan_to_num(ov_h, nan=0.0), ov_o)
        # best candidate per detection: highest overlap, ties -> lowest gt index
        srt = np.lexsort((gi, -ov, rep))
        first = np.ones(len(srt), dtype=bool)
        first[1:] = rep[srt][1:] != rep[srt][:-1]
        pick = srt[first]
        best_ov[rep[pick]] = ov[pick]
        best_gt[rep[pick]] = gi[pick]
        lo = hi
    valid = best_ov >= threshold
    order = np.argsort(-det_score, kind="stable")
    ov_order = order[valid[order]]
    _, first_idx = np.unique(best_gt[ov_order], return_index=True)
    winners = ov_order[first_idx]
    tp[winners] = True
    matched_gt[winners] = best_gt[winners]
    return tp, matched_gt


def _role_overlap(d: np.ndarray, g: np.ndarray, convention: IoUConvention, role: str) -> np.ndarray:
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
    cls: np.ndarray, score: np.ndarray, tp: np.ndarray, npos: np.ndarray, method: APMethod = "continuous"
) -> np.ndarray:
    """AP of each class (NaN where a class has no ground truth)."""
    n = len(npos)
    aps = np.full(n, np.nan)
    order = np.lexsort((-score, cls))
    c_sorted = cls[order]
    t_sorted = tp[order].astype(float)
    bounds = np.searchsorted(c_sorted, np.arange(n + 1))
    for c in range(n):
        if npos[c] <= 0:
            continue
        t = t_sorted[bounds[c] : bounds[c + 1]]
        if t.size == 0:
            aps[c] = 0.0
            continue
        ctp = np.cumsum(t)
        cfp = np.cumsum(1.0 - t)
        aps[c] = ap_from_pr(ctp / npos[c], ctp / np.maximum(ctp + cfp, np.finfo(float).eps), method)
    return aps


def _nanmean(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else None


@dataclass
class _Prepared:
    det_img: np.ndarray
    keep: np.ndarray
    n_unknown_images: int
    n_on_empty: int
    unknown_examples: list[str]


def _prepare(gt: HOIGroundTruth, det: HOIDetections, count_empty: bool) -> _Prepared:
    index = {name: i for i, name in enumerate(gt.filenames)}
    det_img = np.fromiter((index.get(x, -1) for x in det.image), dtype=np.int64, count=len(det))
    known = det_img >= 0
    if len(det) and not known.any():
        raise InputError(
            f"none of the {len(det)} detections names an image of the annotation file "
            f"(first: {det.image[0]!r}; expected names like {gt.filenames[0]!r})"
        )
    bad_cls = (det.hoi < 0) | (det.hoi >= gt.n_classes)
    if bad_cls.any():
        i = int(np.argmax(bad_cls))
        raise InputError(f"detection {i + 1}: hoi {int(det.hoi[i])} is not a class index 0..{gt.n_classes - 1}")
    bad_box = ~np.isfinite(det.box_h).all(1)
    if bad_box.any():
        raise InputError(f"detection {int(np.argmax(bad_box)) + 1}: box_h is empty or not finite")
    bad_score = ~np.isfinite(det.score)
    if bad_score.any():
        raise InputError(f"detection {int(np.argmax(bad_score)) + 1}: score is not a finite number")
    on_empty = np.isin(det_img, np.fromiter(gt.empty, dtype=np.int64)) if gt.empty else np.zeros(len(det), bool)
    keep = known & (count_empty | ~on_empty)
    unknown = sorted({det.image[i] for i in np.nonzero(~known)[0][:50]})
    return _Prepared(det_img, keep, int((~known).sum()), int(on_empty.sum()), unknown[:5])


# ---------------------------------------------------------------- HICO-DET


def evaluate_hicodet(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    count_empty: bool = False,
    threshold: float = IOU_THRESHOLD,
) -> EvalReport:
    """HICO-DET mAP: Default and Known-Object settings, Full / Rare / Non-rare, continuous AP
    and VOC 11-point. Detections on images listed as ``empty`` (no usable annotation) are left
    out unless ``count_empty`` (then they are false positives)."""
    if gt.class_object is None:
        raise InputError("HICO-DET evaluation needs the class -> object correspondence")
    prep = _prepare(gt, det, count_empty)
    k = prep.keep
    d_img, d_cls, d_score = prep.det_img[k], det.hoi[k], det.score[k]
    C = gt.n_classes
    tp, _ = match_detections(
        d_img * C + d_cls, d_score, det.box_h[k], det.box_o[k],
        gt.image * C + gt.hoi, gt.box_h, gt.box_o, threshold, convention,
    )  # fmt: skip
    npos = np.bincount(gt.hoi, minlength=C).astype(float)
    n_obj = int(max(gt.obj.max(initial=0), gt.class_object.max(initial=0))) + 1
    present = np.unique(gt.image * n_obj + gt.obj)
    ko_keep = np.isin(d_img * n_obj + gt.class_object[d_cls], present)
    rare = np.asarray(gt.rare, dtype=np.int64)
    non_rare = np.asarray(gt.non_rare, dtype=np.int64)

    def summarise(aps: np.ndarray) -> dict[str, float | None]:
        return {"full": _nanmean(aps), "rare": _nanmean(aps[rare]), "non_rare": _nanmean(aps[non_rare])}

    ap = {}
    for method in ("continuous", "voc11"):
        ap[(method, "default")] = per_class_ap(d_cls, d_score, tp, npos, method)  # type: ignore[arg-type]
        ap[(method, "ko")] = per_class_ap(d_cls[ko_keep], d_score[ko_keep], tp[ko_keep], npos, method)  # type: ignore[arg-type]
    summary: dict[str, Any] = {
        **summarise(ap[("continuous", "default")]),
        "known_object": summarise(ap[("continuous", "ko")]),
        "voc11": {**summarise(ap[("voc11", "default")]), "known_object": summarise(ap[("voc11", "ko")])},
        "n_classes": C,
        "n_classes_without_gt": int((npos == 0).sum()),
        "n_gt_pairs": len(gt.hoi),
        "n_detections": len(det),
        "n_evaluated": int(k.sum()),
        "n_true_positives": int(tp.sum()),
        "unknown_images": prep.n_unknown_images,
        "unknown_image_examples": prep.unknown_examples,
        "detections_on_empty_images": prep.n_on_empty,
        "empty_images": "counted as false positives" if count_empty else "ignored",
        "iou_convention": convention,
        "iou_threshold": threshold,
        "ap": "continuous (area under interpolated PR curve); voc11 = VOC2007 11-point",
    }
    items = []
    rare_set = set(gt.rare)
    ntp = np.bincount(d_cls[tp], minlength=C)
    ndet = np.bincount(d_cls, minlength=C)
    for c in range(C):
        items.append({
            "class": c, "name": gt.classes[c], "rare": c in rare_set, "n_gt": int(npos[c]),
            "n_detections": int(ndet[c]), "n_true_positives": int(ntp[c]),
            "ap": _f(ap[("continuous", "default")][c]), "ap_known_object": _f(ap[("continuous", "ko")][c]),
            "ap_voc11": _f(ap[("voc11", "default")][c]),
        })  # fmt: skip
    rows = [
        ["Default", summary["full"], summary["rare"], summary["non_rare"]],
        ["Known Object", summary["known_object"]["full"], summary["known_object"]["rare"],
         summary["known_object"]["non_rare"]],
        ["Default (VOC 11-pt)", summary["voc11"]["full"], summary["voc11"]["rare"], summary["voc11"]["non_rare"]],
        ["Known Object (VOC 11-pt)", summary["voc11"]["known_object"]["full"],
         summary["voc11"]["known_object"]["rare"], summary["voc11"]["known_object"]["non_rare"]],
    ]  # fmt: skip
    worst = sorted((it for it in items if it["ap"] is not None), key=lambda it: it["ap"])[:10]
    fp_idx = np.nonzero(~tp)[0]
    fp_idx = fp_idx[np.argsort(-d_score[fp_idx], kind="stable")[:20]]
    kept_rows = np.nonzero(k)[0]
    summary["top_false_positives"] = [
        {"detection": int(kept_rows[i]) + 1, "image": gt.filenames[int(d_img[i])], "hoi": int(d_cls[i]),
         "name": gt.classes[int(d_cls[i])], "score": float(d_score[i])}
        for i in fp_idx
    ]  # fmt: skip
    tables = [
        Table("HICO-DET mAP", ["setting", "Full", "Rare", "Non-rare"], rows),
        Table("Lowest-AP classes", ["class", "name", "n_gt", "AP"],
              [[it["class"], it["name"], it["n_gt"], it["ap"]] for it in worst]),
        Table("Highest-scored false positives (detection = its 1-based position in the predictions)",
              ["detection", "image", "class", "score"],
              [[f["detection"], f["image"], f"{f['hoi']} {f['name']}", f["score"]]
               for f in summary["top_false_positives"]]),
    ]  # fmt: skip
    return EvalReport("hicodet", summary, items, tables)


def _f(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


# ---------------------------------------------------------------- V-COCO


def evaluate_vcoco(
    gt: HOIGroundTruth,
    det: HOIDetections,
    convention: IoUConvention = "inclusive",
    threshold: float = IOU_THRESHOLD,
) -> EvalReport:
    """V-COCO role AP (mean over action-role classes), scenarios 1 and 2."""
    prep = _prepare(gt, det, count_empty=True)
    k = prep.keep
    d_img, d_cls, d_score = prep.det_img[k], det.hoi[k], det.score[k]
    C = gt.n_classes
    npos = np.bincount(gt.hoi, minlength=C).astype(float)
    res: dict[str, Any] = {}
    per: dict[str, np.ndarray] = {}
    for sc in ("scenario1", "scenario2"):
        tp, _ = match_detections(
            d_img * C + d_cls, d_score, det.box_h[k], det.box_o[k],
            gt.image * C + gt.hoi, gt.box_h, gt.box_o, threshold, convention, role=sc,
        )  # fmt: skip
        per[sc] = per_class_ap(d_cls, d_score, tp, npos)
        per[sc + "_voc11"] = per_class_ap(d_cls, d_score, tp, npos, "voc11")
        res[sc] = _nanmean(per[sc])
        res[sc + "_voc11"] = _nanmean(per[sc + "_voc11"])
    n_no_role = int(np.isnan(gt.box_o).any(1).sum())
    summary = {
        **res,
        "n_classes": C,
        "n_gt_pairs": len(gt.hoi),
        "n_gt_without_role_object": n_no_role,
        "n_detections": len(det),
        "unknown_images": prep.n_unknown_images,
        "iou_convention": convention,
        "iou_threshold": threshold,
        "note": "" if n_no_role else "the annotation file has no pair without a role object: scenarios 1 and 2 agree",
    }
    items = [
        {"class": c, "name": gt.classes[c], "n_gt": int(npos[c]),
         "ap_scenario1": _f(per["scenario1"][c]), "ap_scenario2": _f(per["scenario2"][c])}
        for c in range(C)
    ]  # fmt: skip
    tables = [
        Table("V-COCO role mAP", ["scenario", "AP", "AP (VOC 11-pt)"],
              [["1", res["scenario1"], res["scenario1_voc11"]], ["2", res["scenario2"], res["scenario2_voc11"]]]),
        Table("Per class", ["class", "name", "n_gt", "AP sc1", "AP sc2"],
              [[it["class"], it["name"], it["n_gt"], it["ap_scenario1"], it["ap_scenario2"]] for it in items]),
    ]  # fmt: skip
    return EvalReport("vcoco", summary, items, tables)


# ---------------------------------------------------------------- interactiveness


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
        empty=gt.empty, dataset=gt.dataset,
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
    prep = _prepare(pos, HOIDetections(det.image, det.box_h, det.box_o, np.zeros(len(det), np.int64), det.score),
                    count_empty)  # fmt: skip
    k = np.nonzero(prep.keep)[0]
    rows = np.concatenate([prep.det_img[k, None].astype(float), det.box_h[k], np.nan_to_num(det.box_o[k], nan=-1)], 1)
    order = np.argsort(-det.score[k], kind="stable")
    first = _first_unique_rows(rows[order])
    sel = k[order[np.sort(first)]]
    tp, _ = match_detections(
        prep.det_img[sel], det.score[sel], det.box_h[sel], det.box_o[sel],
        pos.image, pos.box_h, pos.box_o, threshold, convention,
    )  # fmt: skip
    npos = np.array([float(len(pos.image))])
    cls = np.zeros(len(sel), dtype=np.int64)
    ap = per_class_ap(cls, det.score[sel], tp, npos)[0]
    ap11 = per_class_ap(cls, det.score[sel], tp, npos, "voc11")[0]
    summary = {
        "ap": _f(ap),
        "ap_voc11": _f(ap11),
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


def load_hoi_ground_truth(hicodet: str | Path | None = None, vcoco: str | Path | None = None) -> HOIGroundTruth:
    if (hicodet is None) == (vcoco is None):
        raise InputError("give exactly one annotation file: --hicodet FILE or --vcoco FILE")
    return load_hicodet(hicodet) if hicodet is not None else load_vcoco(vcoco)  # type: ignore[arg-type]
