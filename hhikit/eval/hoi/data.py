"""HOI detection files and annotation files: predictions (JSON Lines), HICO-DET and V-COCO
ground truth in the fredzzhang/hicodet and fredzzhang/vcoco JSON layouts, and the checks that
name a bad detection before any figure is computed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.io.hoi_annotations import HOIAnnotations, read_annotation_json, read_hicodet, read_vcoco

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
    from hhikit.io.safeopen import RECORD_LINE_MAX, iter_lines, open_regular

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: predictions file not found")
    lines = []
    # open_regular: a FIFO or device is refused, never read; a line is capped, so memory stays bounded
    with open_regular(path, what="HOI predictions") as fh:
        for n, raw in iter_lines(fh, RECORD_LINE_MAX):
            if raw is None:
                raise InputError(f"{path}: detection line {n} is over {RECORD_LINE_MAX:,} bytes")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{path}: detection line {n} is not UTF-8 text") from None
            if line.strip():
                lines.append(line)
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
    """The top-level object of an annotation file (kept for older imports)."""
    return read_annotation_json(path, ())


def _flat(ann: HOIAnnotations) -> dict[str, np.ndarray]:
    """Every pair of every image (nothing is dropped; see ``hoi_annotations``)."""
    f = ann.flat()
    return {"image": f["image"], "box_h": f["box_h"], "box_o": f["box_o"], "hoi": f["labels"], "obj": f["objects"]}


def load_hicodet(path: str | Path) -> HOIGroundTruth:
    """HICO-DET annotations in the ``instances_test2015.json`` layout: ``annotation`` (per image
    ``boxes_h``, ``boxes_o``, ``hoi``, ``object``, ``verb``), ``filenames``, ``empty``,
    ``correspondence`` (``[hoi, object, verb]``), ``rare``, ``non_rare``, ``objects``, ``verbs``."""
    ann = read_hicodet(path, require=("correspondence",))
    d = ann.meta
    corr = np.asarray(d["correspondence"], dtype=np.int64).reshape(-1, 3)
    n_classes = int(corr[:, 0].max()) + 1
    class_object = np.zeros(n_classes, dtype=np.int64)
    class_object[corr[:, 0]] = corr[:, 1]
    verbs, objects = d.get("verbs", []), d.get("objects", [])
    names = [
        f"{verbs[v]} {objects[o]}" if v < len(verbs) and o < len(objects) else f"hoi {h}" for h, o, v in corr.tolist()
    ]
    return HOIGroundTruth(
        filenames=[im.name for im in ann.images],
        **_flat(ann),
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
    ann = read_vcoco(path, require=("classes",))
    return HOIGroundTruth(
        filenames=[im.name for im in ann.images], **_flat(ann), classes=list(ann.meta["classes"]), dataset="vcoco"
    )


@dataclass
class Prepared:
    det_img: np.ndarray
    keep: np.ndarray
    n_unknown_images: int
    n_on_empty: int
    unknown_examples: list[str]


def prepare_detections(gt: HOIGroundTruth, det: HOIDetections, count_empty: bool) -> Prepared:
    """Image index of each detection (-1 when unknown), which to evaluate, and the checks that
    name the first bad detection (class out of range, box or score not finite)."""
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
    return Prepared(det_img, keep, int((~known).sum()), int(on_empty.sum()), unknown[:5])


def rare_split(train: str | Path, n_classes: int) -> tuple[list[int], list[int]]:
    """Rare / non-rare classes from a HICO-DET *training* annotation file of the same layout:
    fewer than 10 training instances is rare (ho-rcnn ``eval_one.m``: ``num_inst < 10``)."""
    d = read_annotation_json(train, ("annotation",), "a HICO-DET annotation")
    counts = np.zeros(n_classes, dtype=np.int64)
    for a in d["annotation"]:
        h = np.asarray(a.get("hoi", []), dtype=np.int64)
        if h.size and (h.min() < 0 or h.max() >= n_classes):
            raise InputError(f"{train}: class index out of 0..{n_classes - 1}")
        counts += np.bincount(h, minlength=n_classes)
    return np.flatnonzero(counts < 10).tolist(), np.flatnonzero(counts >= 10).tolist()


def load_hoi_ground_truth(
    hicodet: str | Path | None = None, vcoco: str | Path | None = None, train: str | Path | None = None
) -> HOIGroundTruth:
    """The annotation file given; ``train`` (HICO-DET) recomputes the rare split from a
    training file, for annotation files without ``rare`` / ``non_rare`` lists."""
    if (hicodet is None) == (vcoco is None):
        raise InputError("give exactly one annotation file: --hicodet FILE or --vcoco FILE")
    if hicodet is None:
        if train is not None:
            raise InputError("--train (the rare split) applies to HICO-DET only")
        return load_vcoco(vcoco)  # type: ignore[arg-type]
    gt = load_hicodet(hicodet)
    if train is not None:
        gt.rare, gt.non_rare = rare_split(train, gt.n_classes)
    return gt


def __getattr__(name: str) -> Any:
    # gt_as_predictions moved to hhikit.eval.hoi.truth (it needs the V-COCO rows of vcoco.py,
    # which imports this module); kept importable here for one release.
    if name == "gt_as_predictions":
        from hhikit.eval.hoi import truth

        return truth.gt_as_predictions
    raise AttributeError(name)
