"""COCO export: people as ``person`` annotations with boxes and the 17 COCO keypoints,
context objects with their COCO categories, images with sizes, and pairs / HOI triplets in
an ``hhi_relations`` list that refers to annotation ids. ``coco-detections`` writes the
results form that ``pycocotools.COCO.loadRes`` reads. Both stream: images, annotations and
relations go to scratch files beside the output and are joined at ``close``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.io.export.base import (
    COCO17_NAMES,
    AtomicFile,
    ExportOptions,
    ImageRefs,
    Scratch,
    record_hois,
    register_writer,
)
from hhikit.taxonomy import COCO80, COCO80_IDS, COCO80_SUPERCATEGORIES
from hhikit.types import SCHEMA, DetectedObject, ImageResult, Interaction, Pair, Person, Record, VideoResult

# COCO's person skeleton (1-based keypoint indices), as in person_keypoints_*.json.
COCO_SKELETON: list[list[int]] = [
    [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11],
    [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
]  # fmt: skip


COCO_MAX_BYTES = 4 << 30  # a COCO file is read whole (its parts refer to each other); ~4M annotations


def _supercategory(i: int) -> str:
    return next(name for start, name in reversed(COCO80_SUPERCATEGORIES) if i >= start)


def _r(x: float) -> float:
    return round(float(x), 4)


def coco_keypoints(person: Person, threshold: float) -> tuple[list[float], int, list[float]] | None:
    """COCO ``keypoints`` (x, y, v) * 17, ``num_keypoints`` and the scores; ``v = 2`` when the
    score is at least ``threshold``, else ``0`` with x = y = 0 (COCO's "not labelled").
    ``None`` when the person has no COCO-17 keypoints."""
    kp = person.keypoints
    if kp is None or kp.shape != (17, 3) or person.keypoint_format not in (None, "coco17"):
        return None
    k = np.round(kp.astype(np.float64), 4)
    flat: list[float] = []
    n = 0
    for x, y, s in k.tolist():
        if s >= threshold:
            flat += [x, y, 2]
            n += 1
        else:
            flat += [0, 0, 0]
    return flat, n, k[:, 2].tolist()


class _Categories:
    """COCO-80 with the official ids, then any other label with ids from 91 on."""

    def __init__(self) -> None:
        self.ids = dict(zip(COCO80, COCO80_IDS))
        self.extra: list[str] = []

    def id(self, label: str) -> int:
        if label not in self.ids:
            self.ids[label] = 91 + len(self.extra)
            self.extra.append(label)
        return self.ids[label]

    def to_list(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, (name, cid) in enumerate(zip(COCO80, COCO80_IDS)):
            c: dict[str, Any] = {"id": cid, "name": name, "supercategory": _supercategory(i)}
            if name == "person":
                c["keypoints"] = list(COCO17_NAMES)
                c["skeleton"] = COCO_SKELETON
            out.append(c)
        out += [{"id": self.ids[n], "name": n, "supercategory": "other"} for n in self.extra]
        return out


def _xywh(box: np.ndarray) -> list[float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return [_r(x1), _r(y1), _r(max(0.0, x2 - x1)), _r(max(0.0, y2 - y1))]


class _CocoBase:
    """Numbering shared by the dataset and the detections forms, so both agree on ids."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        self.out, self.options = Path(out), options
        self.refs = ImageRefs(options)
        self.categories = _Categories()
        self.image_id = 0
        self.ann_id = 0
        self.skipped = 0

    def _annotations(self, r: ImageResult, image_id: int) -> tuple[list[dict[str, Any]], dict[int, int], list[int]]:
        anns: list[dict[str, Any]] = []
        person_ann: dict[int, int] = {}
        for p in r.people:
            self.ann_id += 1
            bbox = _xywh(p.box)
            a: dict[str, Any] = {"id": self.ann_id, "image_id": image_id, "category_id": 1, "bbox": bbox,
                                 "area": _r(bbox[2] * bbox[3]), "iscrowd": 0, "segmentation": [],
                                 "score": _r(p.score), "hhi_person_id": int(p.id)}  # fmt: skip
            kp = coco_keypoints(p, self.options.keypoint_threshold)
            a["keypoints"], a["num_keypoints"] = (kp[0], kp[1]) if kp else ([0] * 51, 0)
            if kp:
                a["keypoint_scores"] = kp[2]
            person_ann[int(p.id)] = self.ann_id
            anns.append(a)
        object_ann: list[int] = []
        for i, o in enumerate(r.objects):
            self.ann_id += 1
            bbox = _xywh(o.box)
            anns.append({"id": self.ann_id, "image_id": image_id, "category_id": self.categories.id(o.label),
                         "bbox": bbox, "area": _r(bbox[2] * bbox[3]), "iscrowd": 0, "segmentation": [],
                         "score": _r(o.score), "hhi_object_index": i})  # fmt: skip
            object_ann.append(self.ann_id)
        return anns, person_ann, object_ann


@register_writer("coco")
class CocoWriter(_CocoBase):
    """COCO dataset JSON: images, person boxes + 17 keypoints, objects, hhi_relations."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        super().__init__(out, options)
        self.images, self.anns, self.rels, self.videos = (Scratch(self.out) for _ in range(4))
        self.rel_id = 0

    def write(self, record: Record) -> None:
        if not record.ok:
            self.skipped += 1
            return
        if isinstance(record, VideoResult):
            self._video(record)
            return
        self.image_id += 1
        img: dict[str, Any] = {"id": self.image_id, "file_name": self.refs.local(record.path),
                               "width": int(record.width), "height": int(record.height), "hhi_path": record.path}  # fmt: skip
        if record.interactions:
            img["hhi_interactions"] = [i.to_dict() for i in record.interactions]
        self.images.add(json.dumps(img, ensure_ascii=False))
        anns, person_ann, object_ann = self._annotations(record, self.image_id)
        for a in anns:
            self.anns.add(json.dumps(a, separators=(",", ":")))
        for pair in record.pairs:
            if pair.a not in person_ann or pair.b not in person_ann:
                raise InputError(f"{record.path}: pair ({pair.a}, {pair.b}) names a person the record does not have")
            self.rel_id += 1
            rel = {"id": self.rel_id, "image_id": self.image_id, "kind": "pair", "subject_id": person_ann[pair.a],
                   "object_id": person_ann[pair.b], "interactiveness": _r(pair.interactiveness),
                   "suppressed": pair.suppressed, "interactions": [i.to_dict() for i in pair.interactions]}  # fmt: skip
            self.rels.add(json.dumps(rel, ensure_ascii=False, separators=(",", ":")))
        for h in record_hois(record):
            if h.person not in person_ann or (h.object is not None and h.object >= len(object_ann)):
                raise InputError(f"{record.path}: HOI triplet names a person or object the record does not have")
            self.rel_id += 1
            rel = {"id": self.rel_id, "image_id": self.image_id, "kind": "hoi", "subject_id": person_ann[h.person],
                   "object_id": None if h.object is None else object_ann[h.object], "hoi": h.hoi, "label": h.label, "verb": h.verb,
                   "object_name": h.object_name, "score": _r(h.score),
                   "interactiveness": None if h.interactiveness is None else _r(h.interactiveness),
                   "suppressed": h.suppressed, "cues": h.cues}  # fmt: skip
            self.rels.add(json.dumps(rel, ensure_ascii=False, separators=(",", ":")))

    def _video(self, v: VideoResult) -> None:
        """One COCO image per clip keyframe (the clip's middle), its labels on the image."""
        vid = self.videos.count + 1
        self.videos.add(json.dumps({"id": vid, "file_name": self.refs.local(v.path), "fps": _r(v.fps),
                                    "duration": _r(v.duration), "hhi_path": v.path}, ensure_ascii=False))  # fmt: skip
        for k, c in enumerate(v.clips):
            self.image_id += 1
            mid = (c.start + c.end) / 2
            img = {"id": self.image_id, "file_name": self.refs.local(v.path), "video_id": vid,
                   "frame_index": int(mid * v.fps) if v.fps else 0, "time": _r(mid),
                   "width": int(v.extra.get("width", 0)), "height": int(v.extra.get("height", 0)),
                   "hhi_clip": k, "hhi_clip_start": _r(c.start), "hhi_clip_end": _r(c.end),
                   "hhi_clip_labels": [lab.to_dict() for lab in c.labels]}  # fmt: skip
            self.images.add(json.dumps(img, ensure_ascii=False))

    def close(self) -> list[Path]:
        out = AtomicFile(self.out)
        try:
            info = {"description": "hhikit export", "schema": SCHEMA}
            out.write('{"info":' + json.dumps(info) + ',"licenses":[],')
            if self.videos.count:
                out.write('"videos":[')
                self.videos.copy_to(out)
                out.write("],")
            for name, part in (("images", self.images), ("annotations", self.anns)):
                out.write(f'"{name}":[')
                part.copy_to(out)
                out.write("],\n")
            out.write('"categories":' + json.dumps(self.categories.to_list()) + ',\n"hhi_relations":[')
            self.rels.copy_to(out)
            out.write("]}\n")
            path = out.commit()
        except BaseException:
            out.abort()
            raise
        finally:
            self.abort()
        return [path]

    def abort(self) -> None:
        for s in (self.images, self.anns, self.rels, self.videos):
            s.close()


@register_writer("coco-detections")
class CocoDetectionsWriter(_CocoBase):
    """COCO results list (image_id, category_id, bbox, score, keypoints) for loadRes.

    The results form of pycocotools (``COCO.loadRes``): ids agree with ``coco`` run on
    the same results file."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        super().__init__(out, options)
        self.file = AtomicFile(self.out)
        self.file.write("[")
        self.n = 0

    def write(self, record: Record) -> None:
        if not record.ok:
            self.skipped += 1
            return
        if isinstance(record, VideoResult):
            self.image_id += len(record.clips)  # keyframes carry no boxes: nothing detected to list
            return
        self.image_id += 1
        anns, _, _ = self._annotations(record, self.image_id)
        for a in anns:
            det = {k: a[k] for k in ("image_id", "category_id", "bbox", "score")}
            if a["category_id"] == 1 and a["num_keypoints"]:
                det["keypoints"] = a["keypoints"]
            self.file.write(("," if self.n else "") + "\n" + json.dumps(det, separators=(",", ":")))
            self.n += 1

    def close(self) -> list[Path]:
        self.file.write("\n]\n")
        return [self.file.commit()]

    def abort(self) -> None:
        self.file.abort()


# ---------------------------------------------------------------- import


def read_coco(path: str | Path, options: ExportOptions | None = None) -> list[ImageResult]:
    """Image records from a COCO dataset file (as written by ``coco``, or any COCO file):
    people from ``person`` annotations (keypoint scores from ``keypoint_scores`` when present,
    else 1 for a labelled keypoint), other annotations as objects, ``hhi_relations`` as pairs
    and HOI triplets. Video keyframes (images with a ``video_id``) and crowd regions
    (``iscrowd``) are left out."""
    from hhikit.io.safeopen import read_regular

    options = options or ExportOptions()
    path = Path(path)
    data = read_regular(path, COCO_MAX_BYTES, "COCO file")  # one JSON object: read whole, within a cap
    try:
        d = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a COCO JSON file ({exc})") from None
    if not isinstance(d, dict) or not {"images", "annotations", "categories"} <= set(d):
        raise InputError(f"{path}: not a COCO file (needs 'images', 'annotations' and 'categories')")
    try:
        return _from_coco(d, options)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"{path}: malformed COCO file ({type(exc).__name__}: {exc})") from None


def _from_coco(d: dict[str, Any], options: ExportOptions) -> list[ImageResult]:
    names = {int(c["id"]): str(c["name"]) for c in d["categories"]}
    person_cat = next((cid for cid, n in names.items() if n == "person"), 1)
    records: dict[int, ImageResult] = {}
    for img in d["images"]:
        if img.get("video_id") is not None:
            continue
        p = img.get("hhi_path") or str(img["file_name"])
        if not img.get("hhi_path") and options.document_root is not None and not Path(p).is_absolute():
            p = (Path(options.document_root) / p).as_posix()  # file_name is relative to the image folder
        r = ImageResult(path=str(p), width=int(img.get("width", 0)), height=int(img.get("height", 0)))
        r.interactions = [Interaction.from_dict(i) for i in img.get("hhi_interactions", [])]
        records[int(img["id"])] = r
    person_of: dict[int, tuple[int, int]] = {}
    object_of: dict[int, tuple[int, int]] = {}
    for a in d["annotations"]:
        r = records.get(int(a["image_id"]))
        if r is None:
            continue
        x, y, w, h = (float(v) for v in a["bbox"])
        box = np.array([x, y, x + w, y + h], dtype=np.float32)
        score = float(a.get("score", 1.0))
        if a.get("iscrowd"):
            continue  # a crowd region is neither a person nor an object
        if int(a["category_id"]) == person_cat:
            pid = int(a.get("hhi_person_id", len(r.people)))
            r.people.append(
                Person(id=pid, box=box, score=score, keypoints=_keypoints_back(a), keypoint_format="coco17")
            )
            person_of[int(a["id"])] = (int(a["image_id"]), pid)
        else:
            object_of[int(a["id"])] = (int(a["image_id"]), len(r.objects))
            r.objects.append(DetectedObject(names.get(int(a["category_id"]), str(a["category_id"])), box, score))
    for rel in d.get("hhi_relations", []):
        r = records.get(int(rel["image_id"]))
        if r is None or int(rel["subject_id"]) not in person_of:
            continue
        subj = person_of[int(rel["subject_id"])][1]
        if rel.get("kind", "pair") == "pair":
            obj = person_of[int(rel["object_id"])][1]
            a, b = sorted((subj, obj))
            r.pairs.append(Pair(a=a, b=b, interactiveness=float(rel.get("interactiveness", 0.0)),
                                suppressed=bool(rel.get("suppressed", False)),
                                interactions=[Interaction.from_dict(i) for i in rel.get("interactions", [])]))  # fmt: skip
        else:
            oid = rel.get("object_id")
            r.extra.setdefault("hois", []).append({
                # -1 for "none" (no role object, no class), as the record's HOI triplets spell it
                "person": subj, "object": -1 if oid is None else object_of[int(oid)][1],
                "hoi": -1 if rel.get("hoi") is None else int(rel["hoi"]), "label": rel.get("label", ""),
                "verb": rel.get("verb", ""), "object_name": rel.get("object_name", ""),
                "score": float(rel.get("score", 0.0)), "interactiveness": float(rel.get("interactiveness") or 0.0),
                "suppressed": bool(rel.get("suppressed", False)), "cues": list(rel.get("cues", [])),
            })  # fmt: skip
    for r in records.values():
        r.people.sort(key=lambda p: p.id)
    return list(records.values())


def _keypoints_back(a: dict[str, Any]) -> np.ndarray | None:
    kp, scores = a.get("keypoints"), a.get("keypoint_scores")
    if not kp or (scores is None and not a.get("num_keypoints", 1)):
        return None
    arr = np.asarray(kp, dtype=np.float32).reshape(-1, 3)
    if scores is not None and len(scores) == len(arr):
        s = np.asarray(scores, dtype=np.float32)
        labelled = arr[:, 2] > 0
        # an unlabelled keypoint keeps its score but lost its position (COCO writes 0, 0)
        return np.stack([np.where(labelled, arr[:, 0], 0), np.where(labelled, arr[:, 1], 0), s], axis=1)
    return np.stack([arr[:, 0], arr[:, 1], (arr[:, 2] > 0).astype(np.float32)], axis=1)
