"""Reading Label Studio back: a native JSON export (``annotations`` or ``predictions``) into
``hhikit/1`` records, streamed task by task; and a check of a labelling config and its tasks
against Label Studio's documented schema (tags, names, labels, relation ends)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from hhikit.errors import InputError
from hhikit.io.export.base import COCO17_NAMES, ExportOptions, image_root_to_path
from hhikit.types import Clip, ClipLabel, DetectedObject, ImageResult, Interaction, Pair, Person, Record, VideoResult

CHUNK = 1 << 16
TASK_MAX = 64 << 20  # characters of one task (keypoints of many people still fit in a few MB)


def iter_json_array(path: str | Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSON array file, one at a time (a file holding one object yields it)."""
    import io

    from hhikit.io.safeopen import open_regular

    path = Path(path)
    with open_regular(path, what="Label Studio export") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        try:
            yield from _array_items(fh, path)
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text (not a Label Studio JSON export)") from None


def _array_items(fh: IO[str], path: Path) -> Iterator[dict[str, Any]]:
    dec = json.JSONDecoder()
    buf, pos, n = fh.read(CHUNK), 0, 0

    def skip(chars: str = " \t\r\n") -> None:
        nonlocal buf, pos
        while True:
            while pos < len(buf) and buf[pos] in chars:
                pos += 1
            if pos < len(buf):
                return
            more = fh.read(CHUNK)
            if not more:
                return
            buf, pos = more, 0

    skip()
    if buf[pos : pos + 1] == "{":
        try:
            item = json.loads(buf[pos:] + fh.read())
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not a Label Studio JSON export ({exc.msg} at line {exc.lineno})") from None
        yield item
        return
    if buf[pos : pos + 1] != "[":
        raise InputError(f"{path}: not a Label Studio JSON export (expected a JSON array of tasks)")
    pos += 1
    while True:
        skip(" \t\r\n,")
        if pos >= len(buf):
            raise InputError(f"{path}: truncated after task {n} (the array is not closed)")
        if buf[pos] == "]":
            return
        while True:
            try:
                item, end = dec.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if len(buf) - pos > TASK_MAX:  # garbage or a runaway task: never the whole file in memory
                    raise InputError(
                        f"{path}: task {n + 1} is not JSON within {TASK_MAX:,} characters ({exc.msg})"
                    ) from None
                more = fh.read(max(CHUNK, len(buf) - pos))  # doubling: a big task costs linear time
                if not more:
                    raise InputError(f"{path}: task {n + 1} is not JSON ({exc.msg}; truncated file?)") from None
                buf, pos = buf[pos:] + more, 0
        n += 1
        if not isinstance(item, dict):
            raise InputError(f"{path}: task {n} is a JSON {type(item).__name__}, not a task object")
        yield item
        pos = end
        if pos > CHUNK:
            buf, pos = buf[pos:], 0


_OWN_ID = re.compile(r"^p(\d+)$")


def read_labelstudio(path: str | Path, source: str = "auto", options: ExportOptions | None = None,
                     on_problem: Callable[[str], None] | None = None) -> Iterator[Record]:  # fmt: skip
    """Records from a Label Studio native JSON export. ``source``: ``annotations`` (the latest
    one not cancelled), ``predictions`` (the last), or ``auto`` (annotations when a task has
    one, else predictions). A bad task is passed to ``on_problem`` (or raised) and skipped."""
    if source not in ("auto", "annotations", "predictions"):
        raise InputError(f"source must be auto, annotations or predictions, got {source!r}")
    options = options or ExportOptions()
    for n, task in enumerate(iter_json_array(path), 1):
        try:
            yield _task_record(task, source, options)
        except (InputError, KeyError, TypeError, ValueError, IndexError) as exc:
            msg = f"{path}: task {n}: {exc if isinstance(exc, InputError) else f'malformed ({type(exc).__name__}: {exc})'}"
            if on_problem is None:
                raise InputError(msg) from None
            on_problem(msg)


def _pick_result(task: dict[str, Any], source: str) -> list[dict[str, Any]]:
    anns = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    preds = task.get("predictions") or []
    if source in ("annotations", "auto") and anns:
        return list(anns[-1].get("result") or [])
    if source == "annotations":
        return []
    return list(preds[-1].get("result") or []) if preds else []


def _task_record(task: dict[str, Any], source: str, options: ExportOptions) -> Record:
    data = task.get("data")
    if not isinstance(data, dict):
        raise InputError("no 'data' object (not a Label Studio task)")
    result = _pick_result(task, source)
    if "video" in data and "image" not in data:
        return _video_record(data, result, options)
    if "image" not in data:
        raise InputError("the task's data has neither 'image' nor 'video'")
    path = data.get("hhi_path") or image_root_to_path(str(data["image"]), options)
    w = h = 0
    for item in result:
        w, h = int(item.get("original_width", w) or w), int(item.get("original_height", h) or h)
    r = ImageResult(path=str(path), width=w, height=h)
    people: dict[str, Person] = {}
    objects: dict[str, int] = {}
    used = {int(m.group(1)) for item in result if (m := _OWN_ID.match(str(item.get("id", ""))))}
    next_id = 0
    keypoints: list[dict[str, Any]] = []
    for item in result:
        kind = item.get("type")
        if kind == "keypointlabels":
            keypoints.append(item)
        if kind != "rectanglelabels":
            continue
        v = item["value"]
        if w <= 0 or h <= 0:
            raise InputError("a region without original_width / original_height")
        box = np.array([v["x"] * w / 100, v["y"] * h / 100, (v["x"] + v["width"]) * w / 100,
                        (v["y"] + v["height"]) * h / 100], dtype=np.float64)  # fmt: skip
        label = (v.get("rectanglelabels") or ["object"])[0]
        score = float(item.get("score", 1.0))
        if label == "person":
            m = _OWN_ID.match(str(item.get("id", "")))
            if m:
                pid = int(m.group(1))
            else:
                while next_id in used:
                    next_id += 1
                pid, next_id = next_id, next_id + 1
                used.add(pid)
            people[str(item.get("id"))] = Person(id=pid, box=box, score=score)
        else:
            objects[str(item.get("id"))] = len(r.objects)
            r.objects.append(DetectedObject(label, box, score))
    for item in keypoints:
        label = (item["value"].get("keypointlabels") or [""])[0]
        x, y = item["value"]["x"] * w / 100, item["value"]["y"] * h / 100
        person = people.get(str(item.get("parentID"))) or _smallest_box_around(people.values(), x, y)
        if person is None or label not in COCO17_NAMES:
            continue
        if person.keypoints is None:
            person.keypoints, person.keypoint_format = np.zeros((17, 3), dtype=np.float32), "coco17"
        person.keypoints[COCO17_NAMES.index(label)] = (x, y, item.get("score", 1.0))
    r.people = sorted(people.values(), key=lambda p: p.id)
    pairs: dict[tuple[int, int], Pair] = {}
    for item in result:
        if item.get("type") != "relation":
            continue
        a, b = people.get(str(item.get("from_id"))), people.get(str(item.get("to_id")))
        obj = objects.get(str(item.get("to_id")))
        if a is not None and obj is not None:  # person -> object: an HOI triplet (its class id is unknown)
            for lab in item.get("labels") or []:
                r.extra.setdefault("hois", []).append({
                    "person": a.id, "object": obj, "hoi": -1, "label": str(lab), "verb": str(lab).split(" ")[0],
                    "object_name": r.objects[obj].label, "score": 1.0, "interactiveness": 1.0, "suppressed": False,
                    "cues": ["label studio"]})  # fmt: skip
            continue
        if a is None or b is None or a.id == b.id:
            continue
        key = (min(a.id, b.id), max(a.id, b.id))
        pair = pairs.setdefault(key, Pair(a=key[0], b=key[1], interactiveness=1.0))
        for lab in item.get("labels") or []:
            if all(i.text != lab for i in pair.interactions):
                pair.interactions.append(Interaction(str(lab), 1.0, ["label studio"]))
    r.pairs = [pairs[k] for k in sorted(pairs)]
    return r


def _smallest_box_around(people: Any, x: float, y: float) -> Person | None:
    """A keypoint drawn in Label Studio has no ``parentID``: it belongs to the smallest person
    box that holds it (none when no box does)."""
    inside = [p for p in people if p.box[0] <= x <= p.box[2] and p.box[1] <= y <= p.box[3]]
    return min(inside, key=lambda p: p.area, default=None)


def _video_record(data: dict[str, Any], result: list[dict[str, Any]], options: ExportOptions) -> VideoResult:
    fps = float(data.get("fps") or 25.0)
    path = data.get("hhi_path") or image_root_to_path(str(data["video"]), options)
    clips: dict[tuple[int, int], Clip] = {}
    for item in result:
        if item.get("type") not in ("timelinelabels", "timeserieslabels"):
            continue
        for rng in item["value"].get("ranges", []):
            key = (int(rng["start"]), int(rng["end"]))
            clip = clips.setdefault(key, Clip(shots=[], start=(key[0] - 1) / fps, end=key[1] / fps))
            for lab in item["value"].get("timelinelabels") or []:
                clip.labels.append(ClipLabel(str(lab), float(item.get("score", 1.0))))
    return VideoResult(path=str(path), fps=fps, clips=[clips[k] for k in sorted(clips)])


# ---------------------------------------------------------------- config check

_CONTROLS = {"RectangleLabels": "rectanglelabels", "KeyPointLabels": "keypointlabels", "TimelineLabels": "timelinelabels",
             "Labels": "labels", "Choices": "choices", "PolygonLabels": "polygonlabels"}  # fmt: skip
_OBJECTS = {"Image", "Video", "Audio", "Text", "HyperText", "TimeSeries"}


def check_config(xml: str, tasks: list[dict[str, Any]] | None = None) -> list[str]:
    """Problems of a labelling config (and of tasks' predictions against it), as messages;
    empty when Label Studio would accept them. Follows the documented schema: a ``<View>``
    root; object tags with a unique ``name`` and a ``$`` value; control tags with ``name``
    and a ``toName`` naming an object tag and unique ``<Label value>`` children;
    ``<Relations>`` with unique ``<Relation value>``; each result item's ``from_name`` /
    ``to_name`` / ``type`` / labels declared, its ``x`` / ``y`` / ``width`` / ``height`` in
    percent (0..100, a rectangle inside the image); each relation's ends regions of its
    result."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"config is not XML ({exc})"]
    problems: list[str] = []
    if root.tag != "View":
        problems.append(f"the root tag is <{root.tag}>, not <View>")
    objects: dict[str, str] = {}
    controls: dict[str, tuple[str, str, set[str]]] = {}
    relations: set[str] | None = None
    for el in root.iter():
        if el.tag in _OBJECTS:
            name, value = el.get("name"), el.get("value", "")
            if not name or name in objects:
                problems.append(f"<{el.tag}> needs a unique name (got {name!r})")
            if not value.startswith("$"):
                problems.append(f"<{el.tag} name={name!r}> value must name a task field ($...)")
            objects[str(name)] = el.tag
        elif el.tag in _CONTROLS:
            values = [lab.get("value") for lab in el.findall("Label")]
            if len(set(values)) != len(values) or None in values or not values:
                problems.append(f"<{el.tag} name={el.get('name')!r}> needs unique, non-empty <Label value> children")
            controls[str(el.get("name"))] = (_CONTROLS[el.tag], str(el.get("toName")), {str(v) for v in values})
        elif el.tag == "Relations":
            values = [r.get("value") for r in el.findall("Relation")]
            if len(set(values)) != len(values) or None in values:
                problems.append("<Relations> needs unique <Relation value> children")
            relations = {str(v) for v in values}
    for name, (_, to, _) in controls.items():
        if to not in objects:
            problems.append(f"control {name!r} has toName={to!r}, which is no object tag")
    for t, task in enumerate(tasks or [], 1):
        for p in task.get("predictions", []) + task.get("annotations", []):
            result = p.get("result", [])
            ids = {item.get("id") for item in result if item.get("type") != "relation"}
            for item in result:
                problems += _check_item(t, item, controls, objects, relations, ids, task.get("data", {}))
    return problems


def _check_item(t: int, item: dict[str, Any], controls: dict[str, tuple[str, str, set[str]]], objects: dict[str, str],
                relations: set[str] | None, ids: set[Any], data: dict[str, Any]) -> list[str]:  # fmt: skip
    if item.get("type") == "relation":
        out = []
        if relations is None:
            out.append(f"task {t}: a relation but the config has no <Relations>")
        elif any(lab not in relations for lab in item.get("labels", [])):
            out.append(f"task {t}: relation label {item.get('labels')} not declared in <Relations>")
        if item.get("from_id") not in ids or item.get("to_id") not in ids:
            out.append(f"task {t}: relation {item.get('from_id')} -> {item.get('to_id')} names no region")
        return out
    name = item.get("from_name")
    if name not in controls:
        return [f"task {t}: from_name {name!r} is no control tag"]
    kind, to, labels = controls[name]
    out = []
    if item.get("type") != kind or item.get("to_name") != to:
        out.append(f"task {t}: item {item.get('id')} has type/to_name {item.get('type')}/{item.get('to_name')}, "
                   f"the config says {kind}/{to}")  # fmt: skip
    value = item.get("value", {})
    if any(lab not in labels for lab in value.get(kind, [])):
        out.append(f"task {t}: label {value.get(kind)} of {name!r} not declared in the config")
    for key in ("x", "y", "width", "height"):
        if key in value and not 0 <= float(value[key]) <= 100:
            out.append(
                f"task {t}: item {item.get('id')} has {key} = {value[key]}, outside 0..100 (percent of the image)"
            )
    if (
        "x" in value
        and "width" in value
        and kind != "keypointlabels"
        and float(value["x"]) + float(value["width"]) > 100 + 1e-6
    ):
        out.append(f"task {t}: item {item.get('id')} reaches past the right edge of the image")
    if "y" in value and "height" in value and float(value["y"]) + float(value["height"]) > 100 + 1e-6:
        out.append(f"task {t}: item {item.get('id')} reaches past the bottom edge of the image")
    return out
