"""Box pairs with interactiveness labels from V-COCO and HICO-DET annotation files.

Both files use the simple JSON layout of the ``vcoco`` / ``hicodet`` packages (one entry per
image with parallel lists ``boxes_h``, ``boxes_o``, ...; boxes ``[x1, y1, x2, y2]``).

- V-COCO (``instances_vcoco_*.json``): an annotated human-object pair is positive; every
  other combination of a human box and an object box of the same image (both taken from
  that image's annotations, identical boxes merged) is negative. Images without
  annotations add nothing.
- HICO-DET (``instances_{train,test}2015.json``): annotated pairs; a pair is negative when
  its HOI class is ``no_interaction``, positive otherwise (explicit negatives, unlike
  V-COCO's). Each annotated (human box, object box) pair is one item; pairs whose object is
  a person are the human-human pairs.

The files are read by ``hhikit.io.hoi_annotations`` (one reader and one box policy for
training and evaluation): a malformed file or box is an ``InputError``; pairs without a role
object or with a zero-area box are not ``usable`` and are left out here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hhikit.errors import InputError
from hhikit.io.hoi_annotations import box_ok, read_annotation_json, read_hicodet, read_vcoco


@dataclass
class PairSet:
    """N labelled box pairs: ``a`` is the human (or first person), ``b`` the object (or other)."""

    images: list[str]
    boxes_a: np.ndarray  # (N, 4)
    boxes_b: np.ndarray  # (N, 4)
    labels: np.ndarray  # (N,) 0/1
    b_is_person: np.ndarray  # (N,) bool
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, mask: np.ndarray) -> PairSet:
        idx = np.flatnonzero(mask)
        return PairSet(
            [self.images[i] for i in idx], self.boxes_a[idx], self.boxes_b[idx], self.labels[idx], self.b_is_person[idx],
            list(self.sources),
        )  # fmt: skip

    @staticmethod
    def concat(sets: Sequence[PairSet]) -> PairSet:
        return PairSet(
            [i for s in sets for i in s.images],
            np.concatenate([s.boxes_a for s in sets]).reshape(-1, 4),
            np.concatenate([s.boxes_b for s in sets]).reshape(-1, 4),
            np.concatenate([s.labels for s in sets]),
            np.concatenate([s.b_is_person for s in sets]),
            [src for s in sets for src in s.sources],
        )


def _load_json(path: str | Path, keys: Sequence[str]) -> dict[str, Any]:
    """The top-level object of an annotation file (kept for older imports)."""
    return read_annotation_json(path, keys)


_valid = box_ok  # kept for older imports


def load_vcoco(path: str | Path, humans_as_objects: bool = False) -> PairSet:
    """Labelled human-object pairs of one V-COCO file (see the module docstring).

    ``humans_as_objects`` also pairs every annotated human with every other annotated human
    of the image (people are COCO objects too; such a pair is positive only when annotated)."""
    ann = read_vcoco(path, require=("objects",))
    objects_names = ann.meta["objects"]
    person = objects_names.index("person") if "person" in objects_names else -1
    images: list[str] = []
    ba: list[Any] = []
    bb: list[Any] = []
    lab: list[int] = []
    isp: list[bool] = []
    for im in ann.images:
        humans: dict[tuple[float, ...], None] = {}
        objects: dict[tuple[float, ...], int] = {}
        positive: set[tuple[tuple[float, ...], tuple[float, ...]]] = set()
        for h, o, c, ok in zip(im.boxes_h.tolist(), im.boxes_o.tolist(), im.objects.tolist(), im.usable):
            if not ok:
                continue
            th, to = tuple(h), tuple(o)
            humans[th] = None
            objects[to] = c
            positive.add((th, to))
        if humans_as_objects:
            for h in humans:
                objects.setdefault(h, person)
        for h in humans:
            for o, c in objects.items():
                if h == o:
                    continue
                images.append(im.name)
                ba.append(h)
                bb.append(o)
                lab.append(int((h, o) in positive))
                isp.append(c == person)
    return PairSet(
        images, np.asarray(ba, dtype=np.float64).reshape(-1, 4), np.asarray(bb, dtype=np.float64).reshape(-1, 4),
        np.asarray(lab, dtype=np.int64), np.asarray(isp, dtype=bool), [str(path)],
    )  # fmt: skip


def load_vcoco_files(paths: Sequence[str | Path], humans_as_objects: bool = False) -> PairSet:
    if not paths:
        raise InputError("no V-COCO files given")
    return PairSet.concat([load_vcoco(p, humans_as_objects) for p in paths])


HicoObjects = Literal["person", "non-person", "all"]


def load_hicodet_pairs(path: str | Path, objects: HicoObjects = "person") -> PairSet:
    """Annotated HICO-DET pairs of one instances file (any split): ``no_interaction`` classes
    are negatives, every other class positive; each annotated (human box, object box) pair is
    one item. ``objects`` keeps pairs whose object is a person (the human-human pairs), is
    not a person (TIN's human-object transfer source) or anything."""
    if objects not in ("person", "non-person", "all"):
        raise InputError(f"{path}: unknown object selection {objects!r} (person, non-person or all)")
    ann = read_hicodet(path, require=("objects", "verbs", "correspondence"))
    d = ann.meta
    if "person" not in d["objects"] or "no_interaction" not in d["verbs"]:
        raise InputError(f"{path}: no 'person' object or 'no_interaction' verb in this file")
    person = d["objects"].index("person")
    no_int = d["verbs"].index("no_interaction")
    negative_hoi = np.asarray(sorted({i for i, c in enumerate(d["correspondence"]) if c[2] == no_int}), dtype=np.int64)
    f = ann.flat()
    is_person = f["objects"] == person
    keep = f["usable"] & {"person": is_person, "non-person": ~is_person, "all": True}[objects]
    names = [im.name for im in ann.images]
    return PairSet(
        [names[i] for i in f["image"][keep]], f["box_h"][keep], f["box_o"][keep],
        (~np.isin(f["labels"][keep], negative_hoi)).astype(np.int64), is_person[keep], [str(path)],
    )  # fmt: skip


def load_hicodet_person_pairs(path: str | Path) -> PairSet:
    """HICO-DET pairs whose object is a person; ``no_interaction`` classes are negatives."""
    return load_hicodet_pairs(path, "person")
