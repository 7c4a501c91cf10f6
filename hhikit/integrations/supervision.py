"""supervision adapters: an image record's people as ``sv.Detections`` (with
``data["person_id"]``), their keypoints as ``sv.KeyPoints``, objects as ``sv.Detections``
(``data["class_name"]``), pairs as an edge list, and ``PairAnnotator`` drawing the pair
edges with their interaction on top of supervision's own annotators.

supervision is optional: it is imported here only, and a missing install says how to get
it. Scenes are BGR ``uint8`` arrays, as everywhere in supervision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.types import ImageResult, Person

if TYPE_CHECKING:
    import supervision as sv


def _sv() -> Any:
    try:
        import supervision
    except ImportError:
        raise ConfigError(
            "the supervision adapters need the 'supervision' package: pip install --no-deps supervision==0.31.2 "
            "pydeprecate==0.13.0 defusedxml==0.7.1 (pinned in requirements/lock.txt; --no-deps keeps the "
            "headless OpenCV)"
        ) from None
    return supervision


def to_detections(record: ImageResult) -> sv.Detections:
    """The people of ``record`` as ``sv.Detections``: ``xyxy`` the boxes, ``confidence`` the
    scores, ``class_id`` 0 (COCO person) and ``data["person_id"]`` the record's ids."""
    sv = _sv()
    n = len(record.people)
    return sv.Detections(
        xyxy=np.array([p.box for p in record.people], dtype=np.float32).reshape(n, 4),
        confidence=np.array([p.score for p in record.people], dtype=np.float32),
        class_id=np.zeros(n, dtype=int),
        data={"person_id": np.array([p.id for p in record.people], dtype=int)},
    )


def objects_to_detections(record: ImageResult) -> sv.Detections:
    """The context objects of ``record``: ``class_id`` the COCO-80 index (-1 for another
    label) and ``data["class_name"]`` the label."""
    from hhikit.taxonomy import COCO80

    sv = _sv()
    n = len(record.objects)
    index = {name: i for i, name in enumerate(COCO80)}
    return sv.Detections(
        xyxy=np.array([o.box for o in record.objects], dtype=np.float32).reshape(n, 4),
        confidence=np.array([o.score for o in record.objects], dtype=np.float32),
        class_id=np.array([index.get(o.label, -1) for o in record.objects], dtype=int),
        data={"class_name": np.array([o.label for o in record.objects], dtype=str)},
    )


def to_keypoints(record: ImageResult) -> sv.KeyPoints:
    """The COCO-17 keypoints of the people as ``sv.KeyPoints`` (one row per person, in the
    order of ``to_detections``; a person without keypoints has zero confidence)."""
    sv = _sv()
    n = len(record.people)
    xy = np.zeros((n, 17, 2), dtype=np.float32)
    conf = np.zeros((n, 17), dtype=np.float32)
    for i, p in enumerate(record.people):
        kp = p.keypoints
        if kp is not None and kp.shape == (17, 3) and p.keypoint_format in (None, "coco17"):
            xy[i], conf[i] = kp[:, :2], kp[:, 2]
    return sv.KeyPoints(xy=xy, keypoint_confidence=conf, class_id=np.zeros(n, dtype=int),
                        detection_confidence=np.array([p.score for p in record.people], dtype=np.float32),
                        data={"person_id": np.array([p.id for p in record.people], dtype=int)})  # fmt: skip


@dataclass
class PairEdge:
    """A pair as indices into ``to_detections(record)`` with its top interaction."""

    i: int
    j: int
    label: str
    score: float
    interactiveness: float
    suppressed: bool


def pair_edges(record: ImageResult, include_suppressed: bool = False) -> list[PairEdge]:
    """The pairs of ``record`` as edges between detection indices (suppressed pairs only
    when asked)."""
    index = {p.id: k for k, p in enumerate(record.people)}
    edges = []
    for q in record.pairs:
        if (q.suppressed and not include_suppressed) or q.a not in index or q.b not in index:
            continue
        top = q.interactions[0] if q.interactions else None
        edges.append(PairEdge(index[q.a], index[q.b], top.text if top else "", top.score if top else 0.0,
                              q.interactiveness, q.suppressed))  # fmt: skip
    return edges


def people_from_detections(detections: sv.Detections) -> list[Person]:
    """``Person`` records back from ``sv.Detections`` (ids from ``data["person_id"]`` when
    present, else 0..N-1), e.g. after supervision's trackers or filters."""
    ids = detections.data.get("person_id", np.arange(len(detections)))
    conf = detections.confidence if detections.confidence is not None else np.ones(len(detections))
    return [Person(id=int(i), box=b, score=float(s)) for i, b, s in zip(ids, detections.xyxy, conf)]


class PairAnnotator:
    """Draws each pair as a line between the two people's box centres, labelled with its
    top interaction at the middle; use after ``sv.BoxAnnotator`` / ``sv.LabelAnnotator``."""

    def __init__(self, color: Any = None, thickness: int = 2, text_scale: float = 0.4,
                 text_color: Any = None, show_score: bool = True) -> None:  # fmt: skip
        sv = _sv()
        self.color = color if color is not None else sv.Color.from_hex("#ffcc00")
        self.text_color = text_color if text_color is not None else sv.Color.BLACK
        self.thickness, self.text_scale, self.show_score = thickness, text_scale, show_score

    def annotate(self, scene: np.ndarray, detections: sv.Detections, edges: list[PairEdge]) -> np.ndarray:
        import cv2

        sv = _sv()
        centres = (detections.xyxy[:, :2] + detections.xyxy[:, 2:]) / 2
        for e in edges:
            a, b = centres[e.i], centres[e.j]
            pa, pb = (int(a[0]), int(a[1])), (int(b[0]), int(b[1]))
            cv2.line(scene, pa, pb, self.color.as_bgr(), self.thickness, cv2.LINE_AA)
            text = e.label.replace("_ ", "").replace(" _", "") or "interacting"
            if self.show_score:
                text += f" {e.interactiveness:.2f}"
            mid = sv.Point(x=(pa[0] + pb[0]) // 2, y=(pa[1] + pb[1]) // 2)
            sv.draw_text(scene, text, mid, text_color=self.text_color, text_scale=self.text_scale,
                         text_padding=3, background_color=self.color)  # fmt: skip
        return scene


def annotate(scene: np.ndarray, record: ImageResult, include_suppressed: bool = False) -> np.ndarray:
    """People boxes and ids, skeletons and pair edges drawn with supervision's annotators
    (a copy of ``scene`` is returned)."""
    sv = _sv()
    scene = scene.copy()
    det = to_detections(record)
    if len(det):
        scene = sv.BoxAnnotator(thickness=2).annotate(scene, det)
        labels = [f"#{i}" for i in det.data["person_id"]]
        scene = sv.LabelAnnotator(text_scale=0.4, text_padding=3).annotate(scene, det, labels=labels)
        kps = to_keypoints(record)
        if (kps.keypoint_confidence > 0).any():
            scene = sv.EdgeAnnotator(thickness=1).annotate(scene, kps)
    return PairAnnotator().annotate(scene, det, pair_edges(record, include_suppressed))
