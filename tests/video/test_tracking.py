from __future__ import annotations

import numpy as np

from hhikit.types import Person
from hhikit.video.tracking import IoUTracker, Observation, frame_vector, iou_matrix, pair_features


def person(x, y=100, h=200, wrist=None):
    kp = np.zeros((17, 3), np.float32)
    if wrist is not None:
        kp[9] = [*wrist, 0.9]
    return Person(0, [x, y, x + h / 2, y + h], 0.9, keypoints=kp)


def test_iou_and_tracker_keeps_identities():
    assert iou_matrix(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 15, 10]]))[0, 0] == np.float32(1 / 3)
    tr = IoUTracker()
    ids = [tr.update([person(100 + 10 * t), person(400 - 10 * t)]) for t in range(6)]
    assert all(i == ids[0] for i in ids) and len(set(ids[0])) == 2
    # order of detections does not matter
    assert tr.update([person(340), person(160)]) == ids[0][::-1]
    tr.reset()
    assert set(tr.update([person(100)])).isdisjoint(ids[0])


def track(tid, xs, wrist_dx=None):
    out = []
    for i, x in enumerate(xs):
        p = person(x, wrist=None if wrist_dx is None else (x + wrist_dx, 200))
        out.append(Observation(tid, i * 0.5, i * 12, p.box, p.keypoints))
    return out


def test_pair_features_walking_side_by_side_and_hands():
    a = track(0, [100 + 60 * i for i in range(6)])
    b = track(1, [220 + 60 * i for i in range(6)])
    f = pair_features(a, b)
    assert f.samples == 6 and f.side_by_side == 1.0
    assert f.speed_a > 0.5 and f.motion_alignment > 0.99 and abs(f.distance_trend) < 0.01
    # one stands still, the other walks away: no alignment, distance grows
    g = pair_features(track(0, [100] * 6), track(1, [220 + 60 * i for i in range(6)]))
    assert g.distance_trend > 0.3 and g.speed_a == 0
    # a wrist inside the other's box
    h = pair_features(track(0, [100] * 4, wrist_dx=140), track(1, [220] * 4, wrist_dx=-20))
    assert h.hands_near == 1.0 and h.hands_meet == 1.0
    assert frame_vector([a[0], b[0]])[0] > 0 and frame_vector([]) == [0.0] * 8
