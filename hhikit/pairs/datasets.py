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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hhikit.errors import InputError


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
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with open(p, encoding="utf-8") as fh:
            d = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: not a readable JSON file ({exc})") from None
    if not isinstance(d, dict) or any(k not in d for k in keys):
        raise InputError(f"{p}: not in the expected layout (needs keys {', '.join(keys)})")
    return d


def _valid(box: Any) -> bool:
    b = np.asarray(box, dtype=float)
    return b.shape == (4,) and bool(np.isfinite(b).all()) and b[2] > b[0] and b[3] > b[1]


def load_vcoco(path: str | Path, humans_as_objects: bool = False) -> PairSet:
    """Labelled human-object pairs of one V-COCO file (see the module docstring).

    ``humans_as_objects`` also pairs every annotated human with every other annotated human
    of the image (people are COCO objects too; such a pair is positive only when annotated)."""
    d = _load_json(path, ("annotations", "objects"))
    person = d["objects"].index("person") if "person" in d["objects"] else -1
    images: list[str] = []
    ba: list[Any] = []
    bb: list[Any] = []
    lab: list[int] = []
    isp: list[bool] = []
    for k, ann in enumerate(d["annotations"]):
        try:
            hs, os_, objs = ann["boxes_h"], ann["boxes_o"], ann["objects"]
        except (KeyError, TypeError):
            raise InputError(f"{path}: annotation {k} lacks boxes_h/boxes_o/objects") from None
        name = str(ann.get("file_name", k))
        humans: dict[tuple[float, ...], None] = {}
        objects: dict[tuple[float, ...], int] = {}
        positive: set[tuple[tuple[float, ...], tuple[float, ...]]] = set()
        for h, o, c in zip(hs, os_, objs):
            if not (_valid(h) and _valid(o)):
                continue
            th, to = tuple(map(float, h)), tuple(map(float, o))
            humans[th] = None
            objects[to] = int(c)
            positive.add((th, to))
        if humans_as_objects:
            for h in humans:
                objects.setdefault(h, person)
        for h in humans:
            for o, c in objects.items():
                if h == o:
                    continue
                images.append(name)
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
    d = _load_json(path, ("annotation", "filenames", "objects", "verbs", "correspondence"))
    if "person" not in d["objects"] or "no_interaction" not in d["verbs"]:
        raise InputError(f"{path}: no 'person' object or 'no_interaction' verb in this file")
    person = d["objects"].index("person")
    no_int = d["verbs"].index("no_interaction")
    negative_hoi = {i for i, c in enumerate(d["correspondence"]) if c[2] == no_int}
    images: list[str] = []
    ba: list[Any] = []
    bb: list[Any] = []
    lab: list[int] = []
    isp: list[bool] = []
    for k, (ann, name) in enumerate(zip(d["annotation"], d["filenames"])):
        try:
            rows = zip(ann["boxes_h"], ann["boxes_o"], ann["hoi"], ann["object"])
        except (KeyError, TypeError):
            raise InputError(f"{path}: annotation {k} lacks boxes_h/boxes_o/hoi/object") from None
        for h, o, hoi, obj in rows:
            is_person = obj == person
            if (objects == "person" and not is_person) or (objects == "non-person" and is_person):
                continue
            if not (_valid(h) and _valid(o)):
                continue
            images.append(str(name))
            ba.append(h)
            bb.append(o)
            lab.append(int(hoi not in negative_hoi))
            isp.append(is_person)
    return PairSet(
        images, np.asarray(ba, dtype=np.float64).reshape(-1, 4), np.asarray(bb, dtype=np.float64).reshape(-1, 4),
        np.asarray(lab, dtype=np.int64), np.asarray(isp, dtype=bool), [str(path)],
    )  # fmt: skip


def load_hicodet_person_pairs(path: str | Path) -> PairSet:
    """HICO-DET pairs whose object is a person; ``no_interaction`` classes are negatives."""
    return load_hicodet_pairs(path, "person")
