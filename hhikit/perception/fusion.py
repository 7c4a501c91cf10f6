"""``fusion``: the default people finder, a vote over several detectors.

Voters: MoveNet persons (boxes + COCO-17 keypoints), CenterNet persons, and, when the
``faces`` detector is registered, full-range faces. Detections of the same person are
matched one-to-one across detectors (greedy by IoU for bodies; a face joins the body whose
upper part holds it). A group becomes a person when one detector is confident, or two
weak ones agree; an unmatched confident face becomes a person whose body box is
extrapolated from the face. Each detector's raw score is mapped to a calibrated
probability (piecewise linear, see ``CALIBRATION``) and a person's score is the noisy-OR
of its voters. Survivors are de-duplicated with NMS. CenterNet's other COCO classes are
exposed as context objects through ``detect_objects``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hhikit.boxes import iou_matrix
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.perception.base import get_detector, register_detector, sort_and_number
from hhikit.perception.imageops import check_image, clip_box, nms
from hhikit.perception.tfjs.centernet import CenterNetDetector
from hhikit.perception.tfjs.movenet import MoveNetDetector
from hhikit.types import DetectedObject, Person

# Score -> calibrated probability knots per detector. Measured as the rate at which a
# detection in each raw-score bin is confirmed by a confident detection of the other body
# detector (IoU >= 0.3; for faces: a confident body whose upper half holds the face) on
# the 150 Waldo and Wenda dev images: a lower bound on precision (docs/perception.md).
CALIBRATION: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "movenet": ((0.0, 0.075, 0.125, 0.175, 0.225, 0.275, 0.35, 0.45, 0.6, 1.0),
                (0.3, 0.5, 0.62, 0.68, 0.71, 0.81, 0.87, 0.88, 0.95, 1.0)),
    "centernet": ((0.0, 0.1, 0.2, 0.275, 0.35, 0.45, 0.6, 0.85, 1.0),
                  (0.02, 0.07, 0.1, 0.21, 0.32, 0.61, 0.91, 0.97, 1.0)),
    "faces": ((0.0, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 1.0),
              (0.3, 0.67, 0.81, 0.81, 0.87, 0.92, 0.95, 0.99)),
}  # fmt: skip


def calibrate(detector: str, score: float) -> float:
    xs, ys = CALIBRATION[detector]
    return float(np.interp(score, xs, ys))


@dataclass
class FusionRules:
    """Thresholds of the vote (how they were chosen: docs/perception.md)."""

    confident: dict[str, float] = field(default_factory=lambda: {"movenet": 0.2, "centernet": 0.45, "faces": 0.8})
    weak: dict[str, float] = field(default_factory=lambda: {"movenet": 0.1, "centernet": 0.25, "faces": 0.5})
    match_iou: float = 0.3  # two body boxes of one person
    nms_iou: float = 0.55  # final de-duplication
    face_to_body: float = 0.8  # share of the face box inside the body's upper half


@dataclass
class Vote:
    """One candidate person: its detections by detector name."""

    boxes: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    keypoints: np.ndarray | None = None
    face: np.ndarray | None = None

    def accepted(self, rules: FusionRules) -> bool:
        if any(s >= rules.confident[d] for d, s in self.scores.items()):
            return True
        return sum(s >= rules.weak[d] for d, s in self.scores.items()) >= 2

    def probability(self) -> float:
        miss = 1.0
        for d, s in self.scores.items():
            miss *= 1.0 - calibrate(d, s)
        return 1.0 - miss

    def box(self, width: int, height: int) -> np.ndarray:
        """Body box: score-weighted mean of the body detectors' boxes, else from the face."""
        bodies = [(self.boxes[d], self.scores[d]) for d in ("movenet", "centernet") if d in self.boxes]
        if bodies:
            w = np.array([max(s, 1e-3) for _, s in bodies])
            return (np.stack([b for b, _ in bodies]) * w[:, None]).sum(0) / w.sum()
        assert self.face is not None
        return body_from_face(self.face, width, height)


def body_from_face(face: np.ndarray, width: int, height: int) -> np.ndarray:
    """A plausible body box for a face: 3 face-widths wide, from just above the head to
    about 6 face-heights below it (upper body when the frame cuts it), clipped."""
    x1, y1, x2, y2 = (float(v) for v in face)
    fw, fh = x2 - x1, y2 - y1
    cx = (x1 + x2) / 2
    return clip_box(np.array([cx - 1.5 * fw, y1 - 0.3 * fh, cx + 1.5 * fw, y2 + 6.0 * fh]), width, height)


def match_greedy(iou: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i, j)`` with ``iou[i, j] >= threshold``, best first."""
    pairs: list[tuple[int, int]] = []
    if iou.size == 0:
        return pairs
    used_i: set[int] = set()
    used_j: set[int] = set()
    for flat in np.argsort(-iou, axis=None, kind="stable"):
        i, j = np.unravel_index(flat, iou.shape)
        if iou[i, j] < threshold:
            break
        if i in used_i or j in used_j:
            continue
        used_i.add(int(i))
        used_j.add(int(j))
        pairs.append((int(i), int(j)))
    return pairs


def face_in_body(face: np.ndarray, body: np.ndarray) -> float:
    """Share of the face box that lies inside the upper half of the body box."""
    upper = np.array([body[0], body[1], body[2], body[1] + 0.5 * (body[3] - body[1])])
    x1, y1 = max(face[0], upper[0]), max(face[1], upper[1])
    x2, y2 = min(face[2], upper[2]), min(face[3], upper[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = max(1e-6, (face[2] - face[0]) * (face[3] - face[1]))
    if (face[2] - face[0]) > 0.9 * (body[2] - body[0]):  # a face as wide as the body is another person
        return 0.0
    return float(inter / area)


def head_in_face(keypoints: np.ndarray | None, face: np.ndarray, min_score: float = 0.3) -> float:
    """Share of the confident COCO-17 head keypoints (nose, eyes, ears) inside the face box
    grown by 30% (0 without keypoints)."""
    if keypoints is None or len(keypoints) != 17:
        return 0.0
    head = keypoints[:5][keypoints[:5, 2] >= min_score, :2]
    if not len(head):
        return 0.0
    gx, gy = 0.3 * (face[2] - face[0]), 0.3 * (face[3] - face[1])
    inside = (
        (head[:, 0] >= face[0] - gx)
        & (head[:, 0] <= face[2] + gx)
        & (head[:, 1] >= face[1] - gy)
        & (head[:, 1] <= face[3] + gy)
    )
    return float(inside.mean())


def fuse(
    movenet: list[Person], centernet: list[Person], faces: list[tuple[np.ndarray, float]], width: int, height: int,
    rules: FusionRules | None = None,
) -> list[Person]:  # fmt: skip
    """The vote itself, on detections already in image pixels (pure: unit-testable)."""
    rules = rules or FusionRules()
    m_boxes = np.array([p.box for p in movenet], np.float32).reshape(-1, 4)
    c_boxes = np.array([p.box for p in centernet], np.float32).reshape(-1, 4)
    votes: list[Vote] = []
    matched_c: set[int] = set()
    pairs = dict(match_greedy(iou_matrix(m_boxes, c_boxes), rules.match_iou))
    for i, p in enumerate(movenet):
        v = Vote({"movenet": p.box}, {"movenet": p.score}, keypoints=p.keypoints)
        if i in pairs:
            j = pairs[i]
            matched_c.add(j)
            v.boxes["centernet"], v.scores["centernet"] = centernet[j].box, centernet[j].score
        votes.append(v)
    for j, p in enumerate(centernet):
        if j not in matched_c:
            votes.append(Vote({"centernet": p.box}, {"centernet": p.score}))
    # faces join the body whose upper half holds them, preferring a body whose own head
    # keypoints lie in the face; ties go to the likelier body
    order = sorted(range(len(votes)), key=lambda k: -votes[k].probability())
    for fbox, fscore in sorted(faces, key=lambda f: -f[1]):
        best, best_share = None, rules.face_to_body
        for k in order:
            v = votes[k]
            if v.face is not None:
                continue
            share = max(face_in_body(fbox, b) for b in v.boxes.values())
            if share >= rules.face_to_body:
                share += head_in_face(v.keypoints, fbox)  # its own head keypoints: prefer it
            if share >= best_share:
                best, best_share = k, share
        if best is None:
            votes.append(Vote({}, {"faces": fscore}, face=np.asarray(fbox, np.float32)))
        else:
            votes[best].face = np.asarray(fbox, np.float32)
            votes[best].scores["faces"] = fscore
    people: list[Person] = []
    for v in votes:
        if not v.accepted(rules):
            continue
        box = clip_box(v.box(width, height), width, height)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            continue
        people.append(
            Person(
                0,
                box,
                v.probability(),
                v.keypoints,
                face=v.face,
                keypoint_format="coco17" if v.keypoints is not None else None,
                sources=sorted(v.scores),
            )
        )
    if people:
        keep = nms(np.stack([p.box for p in people]), np.array([p.score for p in people]), rules.nms_iou)
        people = [people[k] for k in keep]
    return sort_and_number(people)


def _face_boxes(found: list[Any]) -> list[tuple[np.ndarray, float]]:
    out = []
    for f in found:
        box = getattr(f, "face", None)
        if box is None:
            box = getattr(f, "box", None)
        if box is not None:
            out.append((np.asarray(box, np.float32).reshape(4), float(getattr(f, "score", 1.0))))
    return out


class FusionDetector:
    """MoveNet + CenterNet (+ faces, + BlazePose 33 points when available) vote.

    ``parallel=True`` runs MoveNet in a second thread while CenterNet and the face
    detector run in the calling one (onnxruntime releases the GIL): about 1.8x faster per
    image on two idle cores, but it takes both, so it is off by default (the batch runner
    already spreads images over cores)."""

    name = "fusion"

    def __init__(
        self, rules: FusionRules | None = None, faces: bool = True, pose33: bool = False,
        object_threshold: float = 0.3, threads: int | None = None, centernet_size: int = 512,
        parallel: bool = False, precision: str = "fp32",
    ) -> None:  # fmt: skip
        self.rules = rules or FusionRules()
        self._pool: ThreadPoolExecutor | None = (
            ThreadPoolExecutor(1, thread_name_prefix="movenet") if parallel else None
        )
        self.movenet = MoveNetDetector(
            score_threshold=min(self.rules.weak["movenet"], 0.05), threads=threads, precision=precision
        )
        self.centernet = CenterNetDetector(
            score_threshold=min(self.rules.weak["centernet"], self.rules.confident["centernet"]),
            object_threshold=object_threshold, threads=threads, size=centernet_size, precision=precision,
        )  # fmt: skip
        self.faces = _optional("faces") if faces else None
        self.blazepose = _optional("blazepose") if pose33 else None

    @property
    def voters(self) -> list[str]:
        return ["movenet", "centernet"] + (["faces"] if self.faces is not None else [])

    def detect(self, image: np.ndarray) -> list[Person]:
        image = check_image(image)
        h, w = image.shape[:2]
        pending = self._pool.submit(self.movenet.raw, image) if self._pool is not None else None
        c = self.centernet.detect(image)
        f = self._faces(image)
        raw = pending.result() if pending is not None else self.movenet.raw(image)
        m = [p for p in raw if p.score >= self.rules.weak["movenet"]]
        people = fuse(m, c, f, w, h, self.rules)
        if self.blazepose is not None and people:
            _attach_pose33(people, self.blazepose.detect(image))
        return people

    def _faces(self, image: np.ndarray) -> list[tuple[np.ndarray, float]]:
        if self.faces is None:
            return []
        if callable(getattr(self.faces, "detect_faces", None)):
            return [(np.asarray(b, np.float32).reshape(4), float(s)) for b, s in self.faces.detect_faces(image)]
        return _face_boxes(self.faces.detect(image))

    def detect_objects(self, image: np.ndarray, threshold: float | None = None) -> list[DetectedObject]:
        return self.centernet.detect_objects(check_image(image), threshold)


def _optional(name: str) -> Any | None:
    """A registered detector by name, or None when it is not available here."""
    try:
        return get_detector(name)
    except (ConfigError, ModelUnavailable):
        return None


def _attach_pose33(people: list[Person], posed: list[Person]) -> None:
    """Give each person the 33 BlazePose landmarks of the best-overlapping pose (IoU >= 0.3)."""
    cand = [
        p
        for p in posed
        if getattr(p, "pose33", None) is not None or (p.keypoints is not None and len(p.keypoints) == 33)
    ]
    if not cand:
        return
    iou = iou_matrix(np.stack([p.box for p in people]), np.stack([p.box for p in cand]))
    for i, j in match_greedy(iou, 0.3):
        q = cand[j]
        people[i].pose33 = q.pose33 if q.pose33 is not None else q.keypoints
        if "blazepose" not in people[i].sources:
            people[i].sources.append("blazepose")


@register_detector("fusion")
def fusion(
    faces: bool = True, pose33: bool = False, object_threshold: float = 0.3, threads: int | None = None,
    centernet_size: int = 512, parallel: bool = False, precision: str = "fp32",
) -> FusionDetector:  # fmt: skip
    """``centernet_size``: CenterNet's square input, 512 (default; the vote was tuned at
    it) or 384 (a quarter faster, same recall of people, a quarter fewer context objects,
    and the default describer falls to a constant answer's level on the dev images).
    ``parallel``: MoveNet in a second thread (uses a second core). ``precision``: ``fp32``
    or ``int8`` (the int8 copies of MoveNet and CenterNet made at set-up)."""
    return FusionDetector(
        faces=faces, pose33=pose33, object_threshold=object_threshold, threads=threads,
        centernet_size=centernet_size, parallel=parallel, precision=precision,
    )  # fmt: skip
