"""Label Studio native JSON: one task per image with ``predictions`` (``rectanglelabels``
for people and objects, optional ``keypointlabels`` tied to their person by ``parentID``,
``relation`` items between the two people of each non-suppressed pair labelled with the
interaction text, and on request person -> object relations for HOI triplets), one task per video with its clip labels as ``timelinelabels`` segments,
and the matching labelling config (XML with ``<Relations>``). Only the native JSON keeps
relations (Label Studio's JSON-MIN and CSV exports drop them), so that is what is read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from hhikit.io.export.base import (
    COCO17_NAMES,
    AtomicFile,
    ExportOptions,
    ImageRefs,
    NotSupported,
    record_hois,
    register_writer,
)
from hhikit.types import ImageResult, Record, VideoResult

IMAGE_TAGS = {"from_box": "label", "from_keypoint": "keypoint", "image": "image"}
VIDEO_TAGS = {"from_clip": "clips", "video": "video"}
MODEL_VERSION = "hhikit"


def config_path(out: Path) -> Path:
    """Where the labelling config goes by default: ``OUT`` with ``.config.xml``."""
    return out.with_name(out.stem + ".config.xml")


def _pct(v: float, size: int) -> float:
    return float(v) / size * 100.0


def image_task(r: ImageResult, refs: ImageRefs, options: ExportOptions) -> dict[str, Any]:
    """The Label Studio task of one image record."""
    w, h = int(r.width), int(r.height)
    if w <= 0 or h <= 0:
        raise NotSupported(f"{r.path}: the record has no image size; Label Studio regions are in percent of it")
    common = {"to_name": IMAGE_TAGS["image"], "original_width": w, "original_height": h, "image_rotation": 0}
    result: list[dict[str, Any]] = []

    def rect(rid: str, box: Any, label: str, score: float) -> dict[str, Any]:
        # Label Studio refuses regions outside the image: clip (detector boxes rarely need it)
        x1, y1, x2, y2 = (float(v) for v in box)
        x1, x2 = min(max(x1, 0.0), w), min(max(x2, 0.0), w)
        y1, y2 = min(max(y1, 0.0), h), min(max(y2, 0.0), h)
        value = {"x": _pct(x1, w), "y": _pct(y1, h), "width": _pct(x2 - x1, w), "height": _pct(y2 - y1, h),
                 "rotation": 0, "rectanglelabels": [label]}  # fmt: skip
        return {"id": rid, "type": "rectanglelabels", "from_name": IMAGE_TAGS["from_box"], **common,
                "value": value, "score": round(float(score), 4)}  # fmt: skip

    for p in r.people:
        result.append(rect(f"p{p.id}", p.box, "person", p.score))
        kp = p.keypoints
        if options.keypoints and kp is not None and kp.shape == (17, 3) and p.keypoint_format in (None, "coco17"):
            for k, (x, y, s) in enumerate(kp):
                if s >= options.keypoint_threshold and 0 <= x <= w and 0 <= y <= h:  # outside: no place for it
                    value = {"x": _pct(x, w), "y": _pct(y, h), "width": 0.5, "keypointlabels": [COCO17_NAMES[k]]}
                    result.append({"id": f"p{p.id}k{k}", "type": "keypointlabels", "parentID": f"p{p.id}",
                                   "from_name": IMAGE_TAGS["from_keypoint"], **common, "value": value,
                                   "score": round(float(s), 4)})  # fmt: skip
    for i, o in enumerate(r.objects):
        result.append(rect(f"o{i}", o.box, o.label, o.score))
    live = [q for q in r.pairs if options.include_suppressed or not q.suppressed]
    ids = {p.id for p in r.people}
    for q in live:
        if q.a not in ids or q.b not in ids:
            raise NotSupported(f"{r.path}: pair ({q.a}, {q.b}) names a person the record does not have")
        labels = [q.interactions[0].text] if q.interactions else []
        result.append({"type": "relation", "from_id": f"p{q.a}", "to_id": f"p{q.b}", "direction": "right",
                       "labels": labels})  # fmt: skip
    if options.hoi_relations:
        for t in record_hois(r):
            if (t.suppressed and not options.include_suppressed) or t.object is None:
                continue
            if t.person not in ids or t.object >= len(r.objects):
                raise NotSupported(f"{r.path}: an HOI triplet names a person or object the record does not have")
            label = t.label or f"{t.verb} {t.object_name}".strip()
            result.append({"type": "relation", "from_id": f"p{t.person}", "to_id": f"o{t.object}",
                           "direction": "right", "labels": [label]})  # fmt: skip
    score = max((q.interactiveness for q in live), default=0.0)
    return {"data": {"image": refs.url(r.path), "hhi_path": r.path},
            "predictions": [{"model_version": MODEL_VERSION, "score": round(float(score), 4), "result": result}]}  # fmt: skip


def video_task(v: VideoResult, refs: ImageRefs) -> dict[str, Any]:
    """The Label Studio task of one video record: each clip label a timeline segment
    (frames are 1-based in Label Studio's video player)."""
    fps = float(v.fps) or 25.0
    result = []
    for k, c in enumerate(v.clips):
        start = int(c.start * fps) + 1
        end = max(start, int(round(c.end * fps)))
        for j, lab in enumerate(c.labels):
            result.append({"id": f"c{k}l{j}", "type": "timelinelabels", "from_name": VIDEO_TAGS["from_clip"],
                           "to_name": VIDEO_TAGS["video"], "score": round(float(lab.score), 4),
                           "value": {"ranges": [{"start": start, "end": end}], "timelinelabels": [lab.label]}})  # fmt: skip
    return {"data": {"video": refs.url(v.path), "fps": fps, "hhi_path": v.path},
            "predictions": [{"model_version": MODEL_VERSION, "result": result}]}  # fmt: skip


def labelling_config(kind: str, box_labels: list[str], relation_labels: list[str], keypoints: bool) -> str:
    """The labelling config (XML) that matches the tasks: the object tag, the labels seen
    and every relation label."""

    def labels(values: list[str]) -> str:
        return "".join(f"\n    <Label value={quoteattr(v)}/>" for v in values)

    if kind == "video":
        return (f'<View>\n  <Video name="{VIDEO_TAGS["video"]}" value="$video" frameRate="$fps" timelineHeight="120"/>\n'
                f'  <TimelineLabels name="{VIDEO_TAGS["from_clip"]}" toName="{VIDEO_TAGS["video"]}">'
                f"{labels(box_labels)}\n  </TimelineLabels>\n</View>\n")  # fmt: skip
    image = IMAGE_TAGS["image"]
    xml = (f'<View>\n  <Image name="{image}" value="$image" zoom="true"/>\n'
           f'  <RectangleLabels name="{IMAGE_TAGS["from_box"]}" toName="{image}">{labels(box_labels)}\n'
           "  </RectangleLabels>\n")  # fmt: skip
    if keypoints:
        xml += (f'  <KeyPointLabels name="{IMAGE_TAGS["from_keypoint"]}" toName="{image}">'
                f"{labels(list(COCO17_NAMES))}\n  </KeyPointLabels>\n")  # fmt: skip
    rel = "".join(f"\n    <Relation value={quoteattr(v)}/>" for v in relation_labels)
    return xml + f"  <Relations>{rel}\n  </Relations>\n</View>\n"


@register_writer("labelstudio")
class LabelStudioWriter:
    """Label Studio native JSON tasks with predictions and relations, + labelling config.

    Streams tasks into a JSON array; the labelling config is written at ``close`` (the
    labels are known only then)."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        self.out, self.options = Path(out), options
        self.refs = ImageRefs(options)
        self.file = AtomicFile(self.out)
        self.file.write("[")
        self.n = 0
        self.kind: str | None = None
        self.box_labels: dict[str, None] = {"person": None}
        self.relation_labels: dict[str, None] = {}

    def write(self, record: Record) -> None:
        kind = "video" if isinstance(record, VideoResult) else "image"
        if self.kind is None:
            self.kind = kind
            if kind == "video":
                self.box_labels = {}
        elif kind != self.kind:
            raise NotSupported(f"{record.path}: a {kind} among {self.kind} tasks; a Label Studio project holds one "
                               "kind: export images and videos to separate files")  # fmt: skip
        if isinstance(record, VideoResult):
            task = video_task(record, self.refs)
            for item in task["predictions"][0]["result"]:
                self.box_labels.setdefault(item["value"]["timelinelabels"][0])
        else:
            task = image_task(record, self.refs, self.options)
            for item in task["predictions"][0]["result"]:
                if item["type"] == "rectanglelabels":
                    self.box_labels.setdefault(item["value"]["rectanglelabels"][0])
                elif item["type"] == "relation":
                    for lab in item["labels"]:
                        self.relation_labels.setdefault(lab)
        self.file.write(("," if self.n else "") + "\n" + json.dumps(task, ensure_ascii=False, separators=(",", ":")))
        self.n += 1

    def close(self) -> list[Path]:
        self.file.write("\n]\n")
        if self.options.all_interactions and self.kind != "video":
            from hhikit.describe.vocabulary import default_vocabulary

            for e in default_vocabulary().entries:
                self.relation_labels.setdefault(e.text)
        xml = labelling_config(self.kind or "image", list(self.box_labels), list(self.relation_labels),
                               self.options.keypoints)  # fmt: skip
        cfg = AtomicFile(self.options.config or config_path(self.out))
        cfg.write(xml)
        try:
            paths = [self.file.commit(), cfg.commit()]
        except BaseException:
            cfg.abort()
            raise
        return paths

    def abort(self) -> None:
        self.file.abort()
