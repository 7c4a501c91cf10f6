"""Human-object pairs with multi-label HOI targets, from V-COCO and HICO-DET annotation files.

One ``HOIPairs`` row per (human box, object box) of an image. ``enumerate`` decides which:

- ``"annotated"``: the annotated pairs only (merged per box pair, labels OR-ed);
- ``"all"``: every combination of an annotated human box and an annotated object box of the
  image (identical boxes merged): the annotated ones carry their classes, the others none.
  This is the training set of the interactiveness discriminator (TIN's negatives) and the
  pair list of the oracle-detection setting (ground-truth boxes, every combination scored).

Objects are COCO-80 indices (``COCO80``; V-COCO's ``objects`` list minus its background,
HICO-DET's ``objects`` with ``_`` read as a space). ``interactive`` is "has a class that is
not ``no_interaction``" (HICO-DET); V-COCO has no such class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hhikit.errors import InputError
from hhikit.io.hoi_annotations import AnnotatedImage, read_hicodet, read_vcoco
from hhikit.taxonomy import COCO80

COCO80_INDEX = {n: i for i, n in enumerate(COCO80)}

Enumerate = Literal["annotated", "all"]


@dataclass
class HOIPairs:
    """N (human, object) box pairs of a dataset with their HOI targets."""

    dataset: str  # "vcoco" | "hicodet"
    classes: list[str]  # HOI class names (V-COCO action-roles, HICO-DET "verb object")
    images: list[str]
    box_h: np.ndarray  # (N, 4)
    box_o: np.ndarray  # (N, 4)
    obj: np.ndarray  # (N,) COCO-80 index
    labels: np.ndarray  # (N, C) 0/1
    no_interaction: np.ndarray  # (C,) bool: HICO-DET's no_interaction classes
    class_object: np.ndarray | None = None  # (C,) COCO-80 object of each class (HICO-DET)
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def interactive(self) -> np.ndarray:
        """``(N,)`` 0/1: the pair has at least one class that is not ``no_interaction``."""
        return (self.labels[:, ~self.no_interaction].sum(1) > 0).astype(np.int64)

    def subset(self, idx: Any) -> HOIPairs:
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        return HOIPairs(
            self.dataset, self.classes, [self.images[i] for i in idx], self.box_h[idx], self.box_o[idx],
            self.obj[idx], self.labels[idx], self.no_interaction, self.class_object, list(self.sources),
        )  # fmt: skip


def _rows_to_pairs(
    ims: list[AnnotatedImage], to80: np.ndarray, n_classes: int, mode: Enumerate
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of ``ims`` (``hhikit.io.hoi_annotations`` records; only usable pairs, whose
    object ``to80`` maps to a COCO-80 index); ``to80`` maps the file's object indices."""
    images: list[str] = []
    bh: list[tuple[float, ...]] = []
    bo: list[tuple[float, ...]] = []
    obj: list[int] = []
    lab: list[np.ndarray] = []
    lut = np.append(to80, -1)
    for im in ims:
        inside = (im.objects >= 0) & (im.objects < len(to80))
        cs = lut[np.where(inside, im.objects, len(to80))]  # -1: not a COCO-80 object
        humans: dict[tuple[float, ...], None] = {}
        objects: dict[tuple[float, ...], int] = {}
        pos: dict[tuple[tuple[float, ...], tuple[float, ...]], np.ndarray] = {}
        ok = im.usable & (cs >= 0)
        for h, o, c, k in zip(
            im.boxes_h[ok].tolist(), im.boxes_o[ok].tolist(), cs[ok].tolist(), im.labels[ok].tolist()
        ):
            th, to = tuple(h), tuple(o)
            humans[th] = None
            objects.setdefault(to, c)
            y = pos.setdefault((th, to), np.zeros(n_classes, np.int8))
            if 0 <= k < n_classes:
                y[k] = 1
        keys = list(pos) if mode == "annotated" else [(h, o) for h in humans for o in objects if h != o]
        for h, o in keys:
            images.append(im.name)
            bh.append(h)
            bo.append(o)
            obj.append(objects[o])
            lab.append(pos.get((h, o), np.zeros(n_classes, np.int8)))
    return (
        images,
        np.asarray(bh, np.float64).reshape(-1, 4),
        np.asarray(bo, np.float64).reshape(-1, 4),
        np.asarray(obj, np.int64),
        np.asarray(lab, np.int8).reshape(-1, n_classes),
    )


def load_vcoco_pairs(path: str | Path, mode: Enumerate = "all") -> HOIPairs:
    """V-COCO (``instances_vcoco_*.json``): 24 action-role classes; objects index ``objects``."""
    ann = read_vcoco(path, require=("classes", "objects"))
    to80 = np.asarray([COCO80_INDEX.get(str(n), -1) for n in ann.meta["objects"]], dtype=np.int64)
    classes = [str(c) for c in ann.meta["classes"]]
    images, bh, bo, obj, lab = _rows_to_pairs(ann.images, to80, len(classes), mode)
    return HOIPairs("vcoco", classes, images, bh, bo, obj, lab, np.zeros(len(classes), bool), None, [str(path)])


def load_hicodet_hoi_pairs(path: str | Path, mode: Enumerate = "all") -> HOIPairs:
    """HICO-DET (``instances_{train,test}2015.json`` layout): 600 classes incl. ``no_interaction``."""
    ann = read_hicodet(path, require=("objects", "verbs", "correspondence"))
    d = ann.meta
    to80 = [COCO80_INDEX.get(str(n).replace("_", " "), -1) for n in d["objects"]]
    if min(to80, default=-1) < 0:
        bad = [n for n, i in zip(d["objects"], to80, strict=True) if i < 0]
        raise InputError(f"{path}: objects that are not COCO-80 categories: {bad[:5]}")
    corr = np.asarray(d["correspondence"], dtype=np.int64).reshape(-1, 3)
    n = int(corr[:, 0].max()) + 1
    verbs, objects = d["verbs"], d["objects"]
    classes = [f"{verbs[v]} {objects[o]}" for _, o, v in sorted(corr.tolist())]
    no_int = np.zeros(n, bool)
    class_object = np.zeros(n, np.int64)
    for h, o, v in corr.tolist():
        no_int[h] = verbs[v] == "no_interaction"
        class_object[h] = to80[o]
    for im in ann.images:
        if len(im) and (im.objects.min() < 0 or im.objects.max() >= len(to80)):
            raise InputError(f"{path}: annotation {im.index}: object index out of 0..{len(to80) - 1}")
    images, bh, bo, obj, lab = _rows_to_pairs(ann.images, np.asarray(to80, np.int64), n, mode)
    return HOIPairs("hicodet", classes, images, bh, bo, obj, lab, no_int, class_object, [str(path)])


def load_hoi_pairs(
    vcoco: str | Path | None = None, hicodet: str | Path | None = None, mode: Enumerate = "all"
) -> HOIPairs:
    """One of the two loaders, by keyword."""
    if (vcoco is None) == (hicodet is None):
        raise InputError("give exactly one of a V-COCO or a HICO-DET annotation file")
    return load_vcoco_pairs(vcoco, mode) if vcoco is not None else load_hicodet_hoi_pairs(hicodet, mode)  # type: ignore[arg-type]


def concat_pairs(sets: list[HOIPairs]) -> HOIPairs:
    """Rows of several files of the same dataset and classes."""
    if not sets:
        raise InputError("no annotation files given")
    first = sets[0]
    for s in sets[1:]:
        if s.classes != first.classes:
            raise InputError(f"{s.sources[0]}: its classes differ from those of {first.sources[0]}")
    return HOIPairs(
        first.dataset, first.classes, [i for s in sets for i in s.images],
        np.concatenate([s.box_h for s in sets]), np.concatenate([s.box_o for s in sets]),
        np.concatenate([s.obj for s in sets]), np.concatenate([s.labels for s in sets]),
        first.no_interaction, first.class_object, [x for s in sets for x in s.sources],
    )  # fmt: skip
