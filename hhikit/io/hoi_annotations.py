"""The one reader of V-COCO and HICO-DET annotation files (fredzzhang ``vcoco`` / ``hicodet``
JSON layouts), shared by the interactiveness training pairs and the HOI evaluation.

Each file is read once and handed out as per-image records with the same box policy for
every user:

- A file that is missing, not JSON or not in the layout, an image entry without its lists
  or with lists of different lengths, a box that is not four numbers, and a NaN or infinite
  coordinate are errors: one ``InputError`` naming the file (and the image and pair). An
  evaluation must never silently lose ground truth, so nothing is skipped.
- V-COCO's role box ``null``, ``[]`` or all zeros is the declared "no role object" value and
  becomes a NaN row (``boxes_o``); HICO-DET has no such value.
- A finite box with ``x2 <= x1`` or ``y2 <= y1`` (zero area or inverted) is kept as it is:
  the official evaluators keep it (it can match no detection). ``AnnotatedImage.usable`` is
  False for such pairs and for pairs without a role object; the training pairs use only
  usable pairs, since such a box carries no geometry to learn from.

The shared files (V-COCO train/val/test, HICO-DET test2015) contain no bad box at all: all
26,219 V-COCO and 33,405 HICO-DET pairs have two finite boxes of positive area, and the
shared V-COCO exports leave out pairs without a role object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hhikit.errors import InputError

Dataset = Literal["vcoco", "hicodet"]
_NAN4 = (float("nan"),) * 4


@dataclass(frozen=True)
class AnnotatedImage:
    """One image entry: ``n`` annotated pairs as arrays. ``labels`` are HOI classes (HICO-DET)
    or action-role classes (V-COCO); ``objects`` object categories (-1 when not given)."""

    index: int
    name: str
    boxes_h: np.ndarray  # (n, 4)
    boxes_o: np.ndarray  # (n, 4), NaN rows: no role object (V-COCO)
    labels: np.ndarray  # (n,)
    objects: np.ndarray  # (n,)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def usable(self) -> np.ndarray:
        """Pairs whose two boxes exist and have positive area."""
        return _positive(self.boxes_h) & _positive(self.boxes_o)


@dataclass(frozen=True)
class HOIAnnotations:
    """A whole annotation file: its per-image records and its other top-level keys."""

    path: str
    dataset: Dataset
    images: list[AnnotatedImage]
    meta: dict[str, Any]

    def flat(self) -> dict[str, np.ndarray]:
        """Every pair of every image as flat arrays: ``image`` (entry index), ``box_h``,
        ``box_o``, ``labels``, ``objects`` and ``usable``."""
        ims = self.images
        cat = np.concatenate
        out = {
            "image": cat([np.full(len(im), im.index, dtype=np.int64) for im in ims] or [np.zeros(0, np.int64)]),
            "box_h": cat([im.boxes_h for im in ims] or [np.zeros((0, 4))]).reshape(-1, 4),
            "box_o": cat([im.boxes_o for im in ims] or [np.zeros((0, 4))]).reshape(-1, 4),
            "labels": cat([im.labels for im in ims] or [np.zeros(0, np.int64)]),
            "objects": cat([im.objects for im in ims] or [np.zeros(0, np.int64)]),
        }
        out["usable"] = _positive(out["box_h"]) & _positive(out["box_o"])
        return out


def _positive(b: np.ndarray) -> np.ndarray:
    return np.isfinite(b).all(1) & (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])  # NaN compares False


def box_ok(box: Any) -> bool:
    """One box is four finite numbers with positive width and height."""
    try:
        b = np.asarray(box, dtype=float)
    except (TypeError, ValueError):
        return False
    return b.shape == (4,) and bool(_positive(b.reshape(1, 4))[0])


def read_annotation_json(path: str | Path, keys: Sequence[str], dataset: str = "an annotation") -> dict[str, Any]:
    """The top-level object of an annotation file, which must hold ``keys``."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with open(p, encoding="utf-8") as fh:
            d = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a readable JSON file ({exc})") from None
    if not isinstance(d, dict) or any(k not in d for k in keys):
        raise InputError(f"{p}: not {dataset} file in the expected layout (needs keys {', '.join(keys)})")
    return d


def _boxes(path: str | Path, i: int, key: str, rows: Any, absent_ok: bool) -> np.ndarray:
    if absent_ok:
        rows = [_NAN4 if r is None or (isinstance(r, list) and not r) else r for r in rows]
    try:
        b = np.asarray(rows, dtype=np.float64).reshape(len(rows), 4) if len(rows) else np.zeros((0, 4))
    except (TypeError, ValueError):
        raise InputError(f"{path}: annotation {i}: {key} is not a list of [x1, y1, x2, y2] boxes") from None
    bad = ~np.isfinite(b).all(1)
    if absent_ok:
        absent = np.isnan(b).all(1) | (b == 0).all(1)
        b[absent] = np.nan
        bad &= ~absent
    if bad.any():
        raise InputError(f"{path}: annotation {i}, pair {int(np.argmax(bad))}: {key} is not finite")
    return b


def _ints(path: str | Path, i: int, key: str, values: Any) -> np.ndarray:
    try:
        return np.asarray([-1 if v is None else int(v) for v in values], dtype=np.int64)
    except (TypeError, ValueError):
        raise InputError(f"{path}: annotation {i}: {key} is not a list of integers") from None


def _entry(path: str | Path, i: int, a: Any, keys: tuple[str, ...]) -> list[Any]:
    if not isinstance(a, dict) or any(not isinstance(a.get(k), list) for k in keys):
        raise InputError(f"{path}: annotation {i} lacks the lists {'/'.join(keys)}")
    lists = [a[k] for k in keys]
    if len({len(x) for x in lists}) > 1:
        raise InputError(f"{path}: annotation {i} has lists of different lengths")
    return lists


def read_vcoco(path: str | Path, require: Sequence[str] = ()) -> HOIAnnotations:
    """A V-COCO file (``instances_vcoco_*.json``): ``annotations``, one entry per image with
    ``boxes_h``, ``boxes_o``, ``actions``, optional ``objects`` and ``file_name``; ``require``
    names further top-level keys the caller needs (``classes``, ``objects``)."""
    d = read_annotation_json(path, ("annotations", *require), "a V-COCO annotation")
    if not isinstance(d["annotations"], list):
        raise InputError(f"{path}: 'annotations' is not a list")
    images = []
    for i, a in enumerate(d["annotations"]):
        hs, os_, act = _entry(path, i, a, ("boxes_h", "boxes_o", "actions"))
        objs = a.get("objects")
        objs = [-1] * len(act) if objs is None else objs
        if not isinstance(objs, list) or len(objs) != len(act):
            raise InputError(f"{path}: annotation {i} has lists of different lengths")
        images.append(AnnotatedImage(
            i, str(a.get("file_name", i)), _boxes(path, i, "boxes_h", hs, False), _boxes(path, i, "boxes_o", os_, True),
            _ints(path, i, "actions", act), _ints(path, i, "objects", objs),
        ))  # fmt: skip
    return HOIAnnotations(str(path), "vcoco", images, {k: v for k, v in d.items() if k != "annotations"})


def read_hicodet(path: str | Path, require: Sequence[str] = ()) -> HOIAnnotations:
    """A HICO-DET file (``instances_{train,test}2015.json``): ``annotation`` (per image
    ``boxes_h``, ``boxes_o``, ``hoi``, ``object``) beside ``filenames``; ``require`` names
    further top-level keys the caller needs (``correspondence``, ``objects``, ``verbs``)."""
    d = read_annotation_json(path, ("annotation", "filenames", *require), "a HICO-DET annotation")
    anns, names = d["annotation"], d["filenames"]
    if not isinstance(anns, list) or not isinstance(names, list) or len(anns) != len(names):
        raise InputError(f"{path}: 'annotation' and 'filenames' are not lists of the same length")
    images = []
    for i, (a, name) in enumerate(zip(anns, names)):
        hs, os_, hoi, obj = _entry(path, i, a, ("boxes_h", "boxes_o", "hoi", "object"))
        images.append(AnnotatedImage(
            i, str(name), _boxes(path, i, "boxes_h", hs, False), _boxes(path, i, "boxes_o", os_, False),
            _ints(path, i, "hoi", hoi), _ints(path, i, "object", obj),
        ))  # fmt: skip
    return HOIAnnotations(str(path), "hicodet", images, {k: v for k, v in d.items() if k != "annotation"})
