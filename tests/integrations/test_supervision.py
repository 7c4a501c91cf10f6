from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from hhikit.errors import ConfigError
from tests.io.export.conftest import hoi_record

sv = pytest.importorskip("supervision")
from hhikit.integrations import supervision as hsv  # noqa: E402


def test_real_records_give_the_same_boxes_ids_and_keypoints(ww_records):
    for r in ww_records:
        det = hsv.to_detections(r)
        assert len(det) == len(r.people)
        np.testing.assert_array_equal(det.xyxy, np.array([p.box for p in r.people]).reshape(-1, 4))
        assert det.data["person_id"].tolist() == [p.id for p in r.people]
        assert det.confidence.tolist() == pytest.approx([p.score for p in r.people])
        kps = hsv.to_keypoints(r)
        for i, p in enumerate(r.people):
            if p.keypoints is not None:
                np.testing.assert_array_equal(kps.xy[i], p.keypoints[:, :2])
                np.testing.assert_array_equal(kps.keypoint_confidence[i], p.keypoints[:, 2])
        back = hsv.people_from_detections(det)
        assert [(q.id, q.box.tolist()) for q in back] == [(p.id, p.box.tolist()) for p in r.people]
        objs = hsv.objects_to_detections(r)
        assert objs.data["class_name"].tolist() == [o.label for o in r.objects]


def test_edges_objects_and_the_pair_annotator():
    r = hoi_record()
    edges = hsv.pair_edges(r)
    assert [(e.i, e.j, e.label) for e in edges] == [(0, 1, "_ shaking hands with _")]
    assert len(hsv.pair_edges(r, include_suppressed=True)) == 2
    objs = hsv.objects_to_detections(r)
    assert objs.class_id.tolist() == [41, 36]  # COCO-80 indices of cup, skateboard
    # empty record: empty detections of the right shapes
    empty = hsv.to_detections(type(r)(path="/x.jpg"))
    assert empty.xyxy.shape == (0, 4) and len(hsv.to_keypoints(type(r)(path="/x.jpg")).xy) == 0
    scene = np.zeros((160, 200, 3), np.uint8)
    out = hsv.PairAnnotator(show_score=False).annotate(scene.copy(), hsv.to_detections(r), edges)
    c0, c1 = (35, 85), (95, 92)  # box centres of people 0 and 1
    colour = np.array(hsv.PairAnnotator().color.as_bgr())
    for t in (0.1, 0.2, 0.8, 0.9):  # the line between the centres, away from the label
        y, x = int(c0[1] + t * (c1[1] - c0[1])), int(c0[0] + t * (c1[0] - c0[0]))
        assert (out[y - 1 : y + 2, x - 1 : x + 2] == colour).all(-1).any()
    assert not (out[:10, :] != 0).any()  # nothing drawn far from the pair
    full = hsv.annotate(scene, r)
    assert (full != 0).any() and not (scene != 0).any()  # a copy, the input untouched
    assert (full[20:150, 10:12] != 0).any()  # person 0's box edge from sv.BoxAnnotator
    cv2.imencode(".png", full)


def test_missing_supervision_is_one_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "supervision", None)
    with pytest.raises(ConfigError, match="need the 'supervision' package: pip install --no-deps supervision=="):
        hsv.to_detections(hoi_record())
