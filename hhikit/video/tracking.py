"""Identities across sampled frames: an IoU tracker with Hungarian matching (scipy), and
pair features over time computed from the tracks (distance trend, relative motion, hands
near the other person, facing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hhikit.boxes import iou_matrix
from hhikit.types import ClipPair, Person

# COCO-17 indices
NOSE, L_EAR, R_EAR, L_SHO, R_SHO, L_WRI, R_WRI = 0, 3, 4, 5, 6, 9, 10
KP_MIN = 0.2


@dataclass
class Observation:
    """One tracked person in one sampled frame."""

    track: int
    time: float
    frame: int
    box: np.ndarray
    keypoints: np.ndarray | None = None
    score: float = 1.0


class IoUTracker:
    """Greedy-free IoU tracker: boxes of a new frame are matched to live tracks by the
    Hungarian algorithm on ``1 - IoU`` (with a centre-distance fallback for fast motion at
    low sampling rates); unmatched boxes start tracks; tracks unseen for ``max_age``
    samples end. ``reset()`` at shot cuts."""

    def __init__(self, min_iou: float = 0.2, max_age: int = 2, max_centre_shift: float = 0.6) -> None:
        self.min_iou = min_iou
        self.max_age = max_age
        self.max_centre_shift = max_centre_shift
        self.next_id = 0
        self.reset()

    def reset(self) -> None:
        self._boxes: dict[int, np.ndarray] = {}
        self._age: dict[int, int] = {}

    def update(self, people: list[Person]) -> list[int]:
        """Track ids for ``people`` (same order)."""
        from scipy.optimize import linear_sum_assignment

        ids = list(self._boxes)
        prev = np.array([self._boxes[i] for i in ids], dtype=np.float32).reshape(-1, 4)
        cur = np.array([p.box for p in people], dtype=np.float32).reshape(-1, 4)
        out = [-1] * len(people)
        if len(ids) and len(people):
            iou = iou_matrix(prev, cur)
            ch = np.maximum(prev[:, 3] - prev[:, 1], 1.0)
            cp = (prev[:, :2] + prev[:, 2:]) / 2
            cc = (cur[:, :2] + cur[:, 2:]) / 2
            shift = np.linalg.norm(cp[:, None] - cc[None], axis=2) / ch[:, None]
            cost = 1.0 - iou + 0.5 * np.clip(shift, 0, 2)
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=False):
                if iou[r, c] >= self.min_iou or shift[r, c] <= self.max_centre_shift:
                    out[c] = ids[r]
        seen = set()
        for j, tid in enumerate(out):
            if tid < 0:
                tid = self.next_id
                self.next_id += 1
                out[j] = tid
            self._boxes[tid] = cur[j]
            self._age[tid] = 0
            seen.add(tid)
        for tid in list(self._boxes):
            if tid not in seen:
                self._age[tid] += 1
                if self._age[tid] > self.max_age:
                    del self._boxes[tid], self._age[tid]
        return out


def _kp(o: Observation, i: int) -> np.ndarray | None:
    k = o.keypoints
    if k is None or len(k) <= i or k[i, 2] < KP_MIN:
        return None
    return k[i, :2]


def _centre(b: np.ndarray) -> np.ndarray:
    return np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], dtype=np.float32)


def _height(b: np.ndarray) -> float:
    return float(max(b[3] - b[1], 1.0))


def facing_x(o: Observation) -> float:
    """Horizontal facing in [-1, 1] (negative: towards smaller x) from nose vs ears/shoulders;
    0 when unknown."""
    nose = _kp(o, NOSE)
    mids = [p for p in (_kp(o, L_EAR), _kp(o, R_EAR)) if p is not None] or [
        p for p in (_kp(o, L_SHO), _kp(o, R_SHO)) if p is not None
    ]
    if nose is None or not mids:
        return 0.0
    mid = np.mean(mids, axis=0)
    return float(np.clip((nose[0] - mid[0]) / (0.08 * _height(o.box)), -1, 1))


def _wrists(o: Observation) -> list[np.ndarray]:
    return [p for p in (_kp(o, L_WRI), _kp(o, R_WRI)) if p is not None]


def _in_box(p: np.ndarray, b: np.ndarray, pad: float = 0.1) -> bool:
    w, h = b[2] - b[0], b[3] - b[1]
    return bool(b[0] - pad * w <= p[0] <= b[2] + pad * w and b[1] - pad * h <= p[1] <= b[3] + pad * h)


PairFeatures = ClipPair  # the record lives in hhikit.types (Clip.pairs)


def pair_features(obs_a: list[Observation], obs_b: list[Observation]) -> PairFeatures | None:
    """Features of a pair from its two tracks (each sorted by time); ``None`` if they share
    fewer than one sampled frame."""
    tb = {o.frame: o for o in obs_b}
    common = [(o, tb[o.frame]) for o in obs_a if o.frame in tb]
    if not common:
        return None
    t = np.array([a.time for a, _ in common])
    ca = np.array([_centre(a.box) for a, _ in common])
    cb = np.array([_centre(b.box) for _, b in common])
    h = np.array([(_height(a.box) + _height(b.box)) / 2 for a, b in common])
    d = np.linalg.norm(ca - cb, axis=1) / h
    trend = float(np.polyfit(t, d, 1)[0]) if len(t) >= 2 and np.ptp(t) > 0 else 0.0
    if len(t) >= 2 and np.ptp(t) > 0:
        dt = max(float(np.ptp(t)), 1e-3)
        va = (ca[-1] - ca[0]) / dt / h.mean()
        vb = (cb[-1] - cb[0]) / dt / h.mean()
        sa, sb = float(np.linalg.norm(va)), float(np.linalg.norm(vb))
        align = float(va @ vb / (sa * sb)) if sa > 1e-6 and sb > 1e-6 else 0.0
    else:
        sa = sb = align = 0.0
    hr = np.array([_height(a.box) / _height(b.box) for a, b in common])
    dy = np.abs(ca[:, 1] - cb[:, 1]) / h
    side = float(np.mean((hr > 0.7) & (hr < 1.4) & (d < 2.0) & (dy < 0.3)))
    near = meet = fa = fb = 0
    for a, b in common:
        if any(_in_box(w, b.box) for w in _wrists(a)) or any(_in_box(w, a.box) for w in _wrists(b)):
            near += 1
        wa, wb = _wrists(a), _wrists(b)
        hh = (_height(a.box) + _height(b.box)) / 2
        if wa and wb and min(float(np.linalg.norm(p - q)) for p in wa for q in wb) < 0.25 * hh:
            meet += 1
        dx = _centre(b.box)[0] - _centre(a.box)[0]
        fa += facing_x(a) * np.sign(dx) > 0.3
        fb += facing_x(b) * -np.sign(dx) > 0.3
    n = len(common)
    return PairFeatures(
        a=obs_a[0].track, b=obs_b[0].track, samples=n, distance=float(d.mean()), distance_trend=trend,
        speed_a=sa, speed_b=sb, motion_alignment=align, side_by_side=side, hands_near=near / n,
        hands_meet=meet / n, a_faces_b=fa / n, b_faces_a=fb / n,
    )  # fmt: skip


VISUAL_DIM = 8


def frame_vector(people: list[Observation]) -> list[float]:
    """Per-sampled-frame visual features (the visual BiLSTM's input): people count, closest
    pair distance, hands near another, facing each other, mean box size, spread."""
    n = len(people)
    if n == 0:
        return [0.0] * VISUAL_DIM
    boxes = np.array([o.box for o in people])
    hs = boxes[:, 3] - boxes[:, 1]
    closest, near, facing = 4.0, 0.0, 0.0
    for i in range(n):
        for j in range(i + 1, n):
            a, b = people[i], people[j]
            h = (_height(a.box) + _height(b.box)) / 2
            dd = float(np.linalg.norm(_centre(a.box) - _centre(b.box))) / h
            closest = min(closest, dd)
            if any(_in_box(w, b.box) for w in _wrists(a)) or any(_in_box(w, a.box) for w in _wrists(b)):
                near = 1.0
            dx = _centre(b.box)[0] - _centre(a.box)[0]
            if facing_x(a) * np.sign(dx) > 0.3 and facing_x(b) * -np.sign(dx) > 0.3:
                facing = 1.0
    return [min(n, 6) / 6.0, min(closest, 4.0) / 4.0, near, facing, float(np.mean(hs)) / 1000.0,
            float(np.std(boxes[:, 0])) / 1000.0, float(np.mean([o.score for o in people])), float(n >= 2)]  # fmt: skip
