from __future__ import annotations

import json

import numpy as np
import pytest

from hhikit.eval import hoi as hoi_eval
from hhikit.io.export import ExportOptions, export_records
from hhikit.types import DetectedObject, ImageResult, Person
from tests.conftest import shared_path
from tests.io.export.conftest import hoi_record, video_record


def test_rows_are_what_hhi_eval_hoi_reads(tmp_path):
    out = tmp_path / "det.jsonl"
    export_records([hoi_record()], "hoi", out)
    det = hoi_eval.read_hoi_predictions(out)
    assert det.image == ["HICO_test2015_00000001.jpg"] * 2  # suppressed triplet left out, file name as key
    assert det.hoi.tolist() == [86, 488] and det.score.tolist() == [0.42, 0.3]
    np.testing.assert_array_equal(det.box_h[0], [10, 20, 60, 150])
    np.testing.assert_array_equal(det.box_o[1], [5, 140, 70, 155])
    export_records([hoi_record()], "hoi", out, ExportOptions(include_suppressed=True))
    assert len(hoi_eval.read_hoi_predictions(out)) == 3


def test_video_has_no_hoi_form_and_a_missing_class_is_named(tmp_path):
    problems: list[str] = []
    r = hoi_record()
    r.extra["hois"][0].pop("hoi")
    s = export_records([video_record(), r], "hoi", tmp_path / "d.jsonl", on_problem=problems.append)
    assert s.written == 0 and len(problems) == 2
    assert "no video form" in problems[0] and "(hold cup) has no class id" in problems[1]


def _unique(boxes: list) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for b in boxes:
        out.setdefault(tuple(b), len(out))
    return out


def test_vcoco_ground_truth_as_records_exports_to_role_ap_one(tmp_path):
    """Records holding the V-COCO test pairs as HOI triplets export to detections that
    ``hhi eval hoi`` scores at AP 1 for every role class present: the file is right."""
    d = json.loads(shared_path("vcoco", "instances_vcoco_test.json").read_text())
    d["annotations"] = d["annotations"][:40]
    gt_file = tmp_path / "gt.json"
    gt_file.write_text(json.dumps(d))
    gt = hoi_eval.load_vcoco(gt_file)
    records = []
    for a in d["annotations"]:
        humans = _unique(a["boxes_h"])
        objs = _unique([b for b in a["boxes_o"] if b and any(b)])
        r = ImageResult(path=f"/coco/{a['file_name']}", width=640, height=480)
        r.people = [Person(k, list(b), 1.0) for b, k in humans.items()]
        r.objects = [DetectedObject("thing", list(b), 1.0) for b, k in objs.items()]
        r.extra["hois"] = [{"person": humans[tuple(bh)], "object": objs.get(tuple(bo)) if bo and any(bo) else None,
                            "hoi": int(act), "verb": d["classes"][act], "object_name": "thing", "score": 1.0}
                           for bh, bo, act in zip(a["boxes_h"], a["boxes_o"], a["actions"])]  # fmt: skip
        records.append(r)
    out = tmp_path / "det.jsonl"
    export_records(records, "hoi", out)
    report = hoi_eval.evaluate_vcoco(gt, hoi_eval.read_hoi_predictions(out))
    assert report.summary["unknown_images"] == 0 and report.summary["n_detections"] == len(gt.hoi)
    assert report.summary["scenario1"] == pytest.approx(1.0) and report.summary["scenario2"] == pytest.approx(1.0)
    assert all(it["ap_scenario1"] == pytest.approx(1.0) for it in report.items if it["n_gt"])
