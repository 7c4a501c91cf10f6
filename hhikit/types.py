"""Records that cross layers, and their one JSON form (schema ``hhikit/1``).

Every record has ``to_dict()`` / ``from_dict()``; ``dumps`` / ``loads`` / ``read_jsonl``
are the only JSON reader and writer. Coordinates are pixels of the original image.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hhikit.keypoints import KeypointLayout

SCHEMA = "hhikit/1"


def _f(x: float) -> float:
    """A JSON-safe float, rounded to keep records small and diffable."""
    x = float(x)
    if not math.isfinite(x):
        return 0.0
    return round(x, 4)


def _box(b: Any) -> list[float] | None:
    if b is None:
        return None
    return [_f(v) for v in np.asarray(b, dtype=float).reshape(4)]


@dataclass
class Person:
    """One person: box ``[x1, y1, x2, y2]``, detection score, optional keypoints
    ``(K, 3)`` as ``x, y, score`` (COCO-17 order unless ``keypoint_format`` says otherwise),
    optional face box, and which detectors voted for it."""

    id: int
    box: np.ndarray
    score: float
    keypoints: np.ndarray | None = None
    face: np.ndarray | None = None
    keypoint_format: KeypointLayout | None = None  # a str enum: "coco17", "blazepose33"
    hands: list[np.ndarray] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    pose33: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.box = np.asarray(self.box, dtype=np.float32).reshape(4)
        if self.keypoints is not None:
            self.keypoints = np.asarray(self.keypoints, dtype=np.float32).reshape(-1, 3)
        self.keypoint_format = KeypointLayout.parse(self.keypoint_format)
        if self.face is not None:
            self.face = np.asarray(self.face, dtype=np.float32).reshape(4)

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return float(max(0.0, x2 - x1) * max(0.0, y2 - y1))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": int(self.id),
            "box": _box(self.box),
            "score": _f(self.score),
            "keypoints": None if self.keypoints is None else [[_f(x), _f(y), _f(s)] for x, y, s in self.keypoints],
            "face": _box(self.face),
        }
        if self.keypoint_format:
            d["keypoint_format"] = str(self.keypoint_format)
        if self.hands:
            d["hands"] = [[[_f(x), _f(y), _f(s)] for x, y, s in np.asarray(h).reshape(-1, 3)] for h in self.hands]
        if self.sources:
            d["sources"] = list(self.sources)
        if self.pose33 is not None:
            d["pose33"] = [[_f(v) for v in row] for row in np.asarray(self.pose33).reshape(-1, 3)]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Person:
        return cls(
            id=int(d["id"]),
            box=np.asarray(d["box"], dtype=np.float32),
            score=float(d.get("score", 1.0)),
            keypoints=None if d.get("keypoints") is None else np.asarray(d["keypoints"], dtype=np.float32),
            face=None if d.get("face") is None else np.asarray(d["face"], dtype=np.float32),
            keypoint_format=d.get("keypoint_format"),
            hands=[np.asarray(h, dtype=np.float32) for h in d.get("hands", [])],
            sources=list(d.get("sources", [])),
            pose33=None if d.get("pose33") is None else np.asarray(d["pose33"], dtype=np.float32),
        )


@dataclass
class Interaction:
    """A free-text interaction such as ``_ shaking hands with _`` with a score and the
    cues that produced it (so every answer is explainable)."""

    text: str
    score: float
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "score": _f(self.score), "cues": list(self.cues)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Interaction:
        return cls(text=str(d["text"]), score=float(d.get("score", 0.0)), cues=list(d.get("cues", [])))


@dataclass
class Pair:
    """An unordered pair of people ``a < b`` (ids into ``ImageResult.people``)."""

    a: int
    b: int
    interactiveness: float = 0.0
    suppressed: bool = False
    interactions: list[Interaction] = field(default_factory=list)
    geometry: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "a": int(self.a),
            "b": int(self.b),
            "interactiveness": _f(self.interactiveness),
            "suppressed": bool(self.suppressed),
            "interactions": [i.to_dict() for i in self.interactions],
        }
        if self.geometry:
            d["geometry"] = {k: _f(v) for k, v in self.geometry.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pair:
        return cls(
            a=int(d["a"]),
            b=int(d["b"]),
            interactiveness=float(d.get("interactiveness", 0.0)),
            suppressed=bool(d.get("suppressed", False)),
            interactions=[Interaction.from_dict(i) for i in d.get("interactions", [])],
            geometry={k: float(v) for k, v in d.get("geometry", {}).items()},
        )


@dataclass
class DetectedObject:
    """A context object (COCO-80 label) found near the people."""

    label: str
    box: np.ndarray
    score: float

    def __post_init__(self) -> None:
        self.box = np.asarray(self.box, dtype=np.float32).reshape(4)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "box": _box(self.box), "score": _f(self.score)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DetectedObject:
        return cls(label=str(d["label"]), box=np.asarray(d["box"], dtype=np.float32), score=float(d["score"]))


# The keys of the records' schema; ``extra`` fields can never overwrite them: a colliding
# extra field is written under ``"extra"`` (itself reserved) and read back from there.
IMAGE_KEYS = frozenset(
    {
        "schema",
        "path",
        "width",
        "height",
        "people",
        "pairs",
        "interactions",
        "timings",
        "error",
        "objects",
        "hois",
        "extra",
    }
)
VIDEO_KEYS = frozenset(
    {"schema", "kind", "path", "duration", "fps", "shots", "clips", "transcript", "timings", "error", "extra"}
)


def _with_extra(d: dict[str, Any], extra: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    clash = {k: v for k, v in extra.items() if k in keys}
    d.update({k: v for k, v in extra.items() if k not in keys})
    if clash:
        d["extra"] = clash
    return d


def _extra_of(d: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    extra = {k: v for k, v in d.items() if k not in keys}
    nested = d.get("extra")
    if isinstance(nested, dict):
        extra.update(nested)
    return extra


@dataclass
class HOI:
    """A scored human-object interaction triplet (TIN): person ``person`` (an id into
    ``ImageResult.people``) does ``verb`` to object ``object`` (an index into
    ``ImageResult.objects``); ``hoi`` is the class index of the model's classes (``label``,
    e.g. V-COCO's ``kick obj``), ``score`` the final score after LIS and NIS,
    ``interactiveness`` the pair's discriminator score and ``suppressed`` its NIS state."""

    person: int
    object: int
    hoi: int
    label: str
    verb: str
    object_name: str
    score: float
    interactiveness: float = 0.0
    suppressed: bool = False
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"person": int(self.person), "object": int(self.object), "hoi": int(self.hoi), "label": self.label,
                "verb": self.verb, "object_name": self.object_name, "score": _f(self.score),
                "interactiveness": _f(self.interactiveness), "suppressed": bool(self.suppressed),
                "cues": list(self.cues)}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HOI:
        return cls(
            person=int(d["person"]), object=int(d["object"]), hoi=int(d.get("hoi", -1)), label=str(d.get("label", "")),
            verb=str(d.get("verb", "")), object_name=str(d.get("object_name", "")), score=float(d.get("score", 0.0)),
            interactiveness=float(d.get("interactiveness", 0.0)), suppressed=bool(d.get("suppressed", False)),
            cues=[str(c) for c in d.get("cues", [])],
        )  # fmt: skip


@dataclass
class ImageResult:
    """Everything hhikit found in one image."""

    path: str
    width: int = 0
    height: int = 0
    people: list[Person] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: dict[str, str] | None = None
    objects: list[DetectedObject] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    hois: list[HOI] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "path": self.path,
            "width": int(self.width),
            "height": int(self.height),
            "people": [p.to_dict() for p in self.people],
            "pairs": [p.to_dict() for p in self.pairs],
            "interactions": [i.to_dict() for i in self.interactions[:8]],
            "timings": {k: _f(v) for k, v in self.timings.items()},
            "error": self.error,
        }
        if self.objects:
            d["objects"] = [o.to_dict() for o in self.objects]
        if self.hois:
            d["hois"] = [h.to_dict() for h in self.hois]
        return _with_extra(d, self.extra, IMAGE_KEYS)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageResult:
        _check_schema(d)
        known = IMAGE_KEYS
        return cls(
            path=str(d["path"]),
            width=int(d.get("width", 0)),
            height=int(d.get("height", 0)),
            people=[Person.from_dict(p) for p in d.get("people", [])],
            pairs=[Pair.from_dict(p) for p in d.get("pairs", [])],
            interactions=[Interaction.from_dict(i) for i in d.get("interactions", [])],
            timings={k: float(v) for k, v in d.get("timings", {}).items()},
            error=d.get("error"),
            objects=[DetectedObject.from_dict(o) for o in d.get("objects", [])],
            hois=[HOI.from_dict(h) for h in d.get("hois", [])],
            extra=_extra_of(d, known),
        )


@dataclass
class Shot:
    """A shot: times in seconds, frames inclusive-exclusive ``[start_frame, end_frame)``."""

    start: float
    end: float
    start_frame: int
    end_frame: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _f(self.start),
            "end": _f(self.end),
            "start_frame": int(self.start_frame),
            "end_frame": int(self.end_frame),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Shot:
        return cls(float(d["start"]), float(d["end"]), int(d["start_frame"]), int(d["end_frame"]))


@dataclass
class TranscriptSegment:
    start: float
    end: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": _f(self.start), "end": _f(self.end), "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TranscriptSegment:
        return cls(float(d["start"]), float(d["end"]), str(d["text"]))


@dataclass
class ClipLabel:
    label: str
    score: float
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": _f(self.score), "cues": list(self.cues)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClipLabel:
        return cls(str(d["label"]), float(d.get("score", 0.0)), list(d.get("cues", [])))


@dataclass
class ClipPair:
    """Interaction features of two tracked people over a clip (``a``, ``b`` are track ids)."""

    a: int
    b: int
    samples: int
    distance: float  # mean centre distance / mean person height
    distance_trend: float  # change of that per second (negative: approaching)
    speed_a: float  # heights per second
    speed_b: float
    motion_alignment: float  # cosine of the two velocity directions
    side_by_side: float  # share of samples with similar height and close horizontal spacing
    hands_near: float  # share of samples with a wrist of one inside the other's box
    hands_meet: float  # share of samples with wrists of both within 0.25 heights
    a_faces_b: float  # share of samples where a's face points towards b
    b_faces_a: float
    extra: dict[str, Any] = field(default_factory=dict)  # not written

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        return {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClipPair:
        names = [f for f in cls.__dataclass_fields__ if f != "extra"]
        return cls(**{k: (int(d[k]) if k in ("a", "b", "samples") else float(d.get(k, 0.0))) for k in names})


@dataclass
class Clip:
    """N consecutive shots (indices into ``VideoResult.shots``) with what was found in them."""

    shots: list[int]
    start: float
    end: float
    transcript: str = ""
    labels: list[ClipLabel] = field(default_factory=list)
    pairs: list[ClipPair] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "shots": [int(s) for s in self.shots],
            "start": _f(self.start),
            "end": _f(self.end),
            "transcript": self.transcript,
            "labels": [lab.to_dict() for lab in self.labels],
            "pairs": [p.to_dict() for p in self.pairs],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Clip:
        return cls(
            shots=[int(s) for s in d.get("shots", [])],
            start=float(d["start"]),
            end=float(d["end"]),
            transcript=str(d.get("transcript", "")),
            labels=[ClipLabel.from_dict(x) for x in d.get("labels", [])],
            pairs=[ClipPair.from_dict(p) for p in d.get("pairs", [])],
        )


@dataclass
class VideoResult:
    """Everything hhikit found in one video."""

    path: str
    duration: float = 0.0
    fps: float = 0.0
    shots: list[Shot] = field(default_factory=list)
    clips: list[Clip] = field(default_factory=list)
    transcript: list[TranscriptSegment] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "kind": "video",
            "path": self.path,
            "duration": _f(self.duration),
            "fps": _f(self.fps),
            "shots": [s.to_dict() for s in self.shots],
            "clips": [c.to_dict() for c in self.clips],
            "transcript": [t.to_dict() for t in self.transcript],
            "timings": {k: _f(v) for k, v in self.timings.items()},
            "error": self.error,
        }
        return _with_extra(d, self.extra, VIDEO_KEYS)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VideoResult:
        _check_schema(d)
        known = VIDEO_KEYS
        return cls(
            path=str(d["path"]),
            duration=float(d.get("duration", 0.0)),
            fps=float(d.get("fps", 0.0)),
            shots=[Shot.from_dict(s) for s in d.get("shots", [])],
            clips=[Clip.from_dict(c) for c in d.get("clips", [])],
            transcript=[TranscriptSegment.from_dict(t) for t in d.get("transcript", [])],
            timings={k: float(v) for k, v in d.get("timings", {}).items()},
            error=d.get("error"),
            extra=_extra_of(d, known),
        )


Record = ImageResult | VideoResult


def _check_schema(d: dict[str, Any]) -> None:
    s = d.get("schema")
    if s != SCHEMA:
        raise ValueError(f"unsupported record schema {s!r}; expected {SCHEMA!r}")


def to_dict(record: Record) -> dict[str, Any]:
    return record.to_dict()


def from_dict(d: dict[str, Any]) -> Record:
    """Read an image or video record from its JSON dict."""
    if d.get("kind") == "video" or "shots" in d or "clips" in d:
        return VideoResult.from_dict(d)
    return ImageResult.from_dict(d)


def dumps(record: Record) -> str:
    """One record as one line of JSON."""
    return json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":"))


def loads(line: str) -> Record:
    return from_dict(json.loads(line))


def __getattr__(name: str) -> Any:
    """``read_jsonl`` and ``write_jsonl`` live in ``hhikit.io.jsonl``; kept importable here."""
    if name in ("read_jsonl", "write_jsonl"):
        from hhikit.io import jsonl

        return getattr(jsonl, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
