from __future__ import annotations

import json

import numpy as np
import pytest

from hhikit.io.export import ExportOptions, export, export_records
from hhikit.io.export.coco import COCO80, COCO80_IDS, read_coco
from tests.io.export.conftest import hoi_record, video_record, write_results

pycocotools = pytest.importorskip("pycocotools.coco")


def test_real_results_load_in_pycocotools_with_the_right_counts(ww_records, ww_results, tmp_path):
    gt_path, det_path = tmp_path / "coco.json", tmp_path / "det.json"
    export(ww_results, "coco", gt_path)
    export(ww_results, "coco-detections", det_path)
    coco = pycocotools.COCO(str(gt_path))
    assert len(coco.getImgIds()) == len(ww_records)
    people = coco.loadAnns(coco.getAnnIds(catIds=[1]))
    assert len(people) == sum(len(r.people) for r in ww_records)
    want_kp = sum(
        int((p.keypoints[:, 2] >= 0.3).sum()) for r in ww_records for p in r.people if p.keypoints is not None
    )
    assert sum(a["num_keypoints"] for a in people) == want_kp > 0
    assert coco.loadCats(1)[0]["keypoints"][5] == "left_shoulder"
    n_objects = sum(len(r.objects) for r in ww_records)
    assert len(coco.getAnnIds()) == len(people) + n_objects
    img = coco.loadImgs(1)[0]
    assert (img["width"], img["height"]) == (ww_records[0].width, ww_records[0].height)
    # the detections form loads against it, box for box
    res = coco.loadRes(str(det_path))
    assert len(res.getAnnIds()) == len(coco.getAnnIds())
    for a, b in zip(coco.loadAnns(coco.getAnnIds()), res.loadAnns(res.getAnnIds())):
        assert (a["image_id"], a["category_id"]) == (b["image_id"], b["category_id"])
        assert a["bbox"] == pytest.approx(b["bbox"])
    # the detections scored against the dataset they came from: COCO box AP 1
    from pycocotools.cocoeval import COCOeval

    ev = COCOeval(coco, res, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0) and ev.stats[1] == pytest.approx(1.0)
    # relations refer to person annotations of their own image
    d = json.loads(gt_path.read_text())
    pairs = [rel for rel in d["hhi_relations"] if rel["kind"] == "pair"]
    hois = [rel for rel in d["hhi_relations"] if rel["kind"] == "hoi"]
    assert len(pairs) == sum(len(r.pairs) for r in ww_records)
    assert len(hois) == sum(len(r.hois) for r in ww_records)  # HOI triplets (the hoi stage), person -> object
    for rel in d["hhi_relations"]:
        s, o = coco.anns[rel["subject_id"]], coco.anns[rel["object_id"]]
        assert s["image_id"] == o["image_id"] == rel["image_id"] and s["category_id"] == 1
        assert (o["category_id"] == 1) == (rel["kind"] == "pair")


def test_coco_round_trip_keeps_people_objects_pairs(ww_records, ww_results, tmp_path):
    export(ww_results, "coco", tmp_path / "coco.json")
    back = read_coco(tmp_path / "coco.json")
    assert [r.path for r in back] == [r.path for r in ww_records]
    for r, b in zip(ww_records, back):
        assert len(b.people) == len(r.people) and len(b.objects) == len(r.objects)
        for p, q in zip(r.people, b.people):
            assert p.id == q.id
            np.testing.assert_allclose(q.box, p.box, atol=2e-4)  # COCO xywh at 4 decimals
            if p.keypoints is not None:
                np.testing.assert_allclose(q.keypoints[:, 2], p.keypoints[:, 2], atol=1e-4)
        assert [(x.a, x.b, x.suppressed, [i.text for i in x.interactions]) for x in b.pairs] == [
            (x.a, x.b, x.suppressed, [i.text for i in x.interactions]) for x in r.pairs
        ]
        assert [o.label for o in b.objects] == [o.label for o in r.objects]


def test_categories_ids_visibility_and_hoi_relations(tmp_path):
    r = hoi_record()
    export_records([r], "coco", tmp_path / "c.json", ExportOptions(keypoint_threshold=0.5))
    d = json.loads((tmp_path / "c.json").read_text())
    cats = {c["name"]: c["id"] for c in d["categories"]}
    assert cats["toothbrush"] == 90 and cats["cup"] == 47 and len(COCO80) == len(COCO80_IDS) == 80
    person = d["annotations"][0]
    v = person["keypoints"][2::3]
    assert v == [2 if k % 3 else 0 for k in range(17)] and person["num_keypoints"] == sum(1 for k in range(17) if k % 3)
    assert person["keypoints"][:3] == [0, 0, 0]  # not visible: COCO's "not labelled"
    assert person["bbox"] == [10.0, 20.0, 50.0, 130.0] and person["area"] == 6500.0
    hois = [x for x in d["hhi_relations"] if x["kind"] == "hoi"]
    cup = next(a for a in d["annotations"] if a["category_id"] == 47)
    assert hois[0]["subject_id"] == person["id"] and hois[0]["object_id"] == cup["id"] and hois[0]["hoi"] == 86
    back = read_coco(tmp_path / "c.json")[0]
    assert [h["hoi"] for h in back.extra["hois"]] == [86, 488, 490] and back.extra["hois"][2]["suppressed"]
    assert [p.suppressed for p in back.pairs] == [False, True]


def test_video_records_become_keyframe_images(tmp_path):
    v = video_record()
    export_records([hoi_record(), v], "coco", tmp_path / "c.json")
    coco = pycocotools.COCO(str(tmp_path / "c.json"))
    frames = [i for i in coco.dataset["images"] if i.get("video_id")]
    assert len(frames) == 3 and coco.dataset["videos"][0]["fps"] == 25.0
    assert frames[0]["frame_index"] == 50 and [x["label"] for x in frames[0]["hhi_clip_labels"]] == ["hug", "talk"]
    assert len(read_coco(tmp_path / "c.json")) == 1  # keyframes are not read back as images
    export_records([v, hoi_record()], "coco", tmp_path / "c.json")
    export_records([v, hoi_record()], "coco-detections", tmp_path / "d.json")
    coco = pycocotools.COCO(str(tmp_path / "c.json"))
    res = coco.loadRes(str(tmp_path / "d.json"))  # ids agree although keyframes come first
    assert (
        {a["image_id"] for a in res.dataset["annotations"]}
        == {4}
        == {a["image_id"] for a in coco.dataset["annotations"]}
    )


def test_import_of_a_plain_coco_file(tmp_path):
    """A COCO file made elsewhere: no hhi fields, a crowd region, keypoints with v = 1."""
    d = {"images": [{"id": 7, "file_name": "a.jpg", "width": 100, "height": 80}],
         "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
         "annotations": [
             {"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 10, 20, 40], "iscrowd": 0,
              "keypoints": [15, 12, 1] + [0, 0, 0] * 15 + [20, 45, 2], "num_keypoints": 2},
             {"id": 2, "image_id": 7, "category_id": 1, "bbox": [0, 0, 100, 80], "iscrowd": 1},
             {"id": 3, "image_id": 7, "category_id": 18, "bbox": [50, 50, 10, 10], "iscrowd": 0}]}  # fmt: skip
    (tmp_path / "plain.json").write_text(json.dumps(d))
    (r,) = read_coco(tmp_path / "plain.json", ExportOptions(document_root=tmp_path))
    assert r.path == (tmp_path / "a.jpg").as_posix() and (r.width, r.height) == (100, 80)
    assert len(r.people) == 1 and r.people[0].box.tolist() == [10, 10, 30, 50]
    assert r.people[0].keypoints[[0, 1, 16], 2].tolist() == [1, 0, 1]
    assert [(o.label, o.score) for o in r.objects] == [("dog", 1.0)]


def test_error_records_are_skipped_and_counted(tmp_path):
    bad = hoi_record("/data/broken.jpg")
    bad.error = {"type": "InputError", "message": "truncated"}
    s = export(write_results([hoi_record(), bad], tmp_path / "r.jsonl"), "coco", tmp_path / "c.json")
    assert (s.read, s.written, s.skipped) == (2, 1, 1)
    assert len(json.loads((tmp_path / "c.json").read_text())["images"]) == 1


def test_import_refuses_what_is_no_coco_file(tmp_path, monkeypatch):
    import hhikit.io.export.coco as coco_mod
    from hhikit.errors import InputError

    with pytest.raises(InputError, match="is a directory, not a COCO file"):
        read_coco(tmp_path)
    (tmp_path / "x.json").write_text(json.dumps({"images": []}))
    with pytest.raises(InputError, match="not a COCO file \\(needs 'images', 'annotations' and 'categories'\\)"):
        read_coco(tmp_path / "x.json")
    monkeypatch.setattr(coco_mod, "COCO_MAX_BYTES", 10)
    with pytest.raises(InputError, match="over the 10 bytes limit for a COCO file"):
        read_coco(tmp_path / "x.json")
