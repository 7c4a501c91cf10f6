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


def _first_object(a: dict, objs: dict[tuple, int]) -> list[int]:
    """The object category of each distinct object box (of its first pair)."""
    cat: dict[tuple, int] = {}
    for b, o in zip(a["boxes_o"], a["object"]):
        cat.setdefault(tuple(b), int(o))
    return [cat[b] for b in objs]


def test_hicodet_ground_truth_as_records_exports_to_ap_one(tmp_path):
    """Records holding HICO-DET test pairs as HOI triplets export to detections that
    ``hhi eval hoi``'s evaluator scores at AP 1 for every class present: the file is right
    end to end."""
    d = json.loads(shared_path("hicodet", "instances_test2015.json").read_text())
    d["annotation"], d["filenames"] = d["annotation"][:60], d["filenames"][:60]
    d["empty"] = [i for i in d.get("empty", []) if i < 60]
    gt_file = tmp_path / "gt.json"
    gt_file.write_text(json.dumps(d))
    gt = hoi_eval.load_hicodet(gt_file)
    records = []
    for name, a in zip(d["filenames"], d["annotation"]):
        humans, objs = _unique(a["boxes_h"]), _unique(a["boxes_o"])
        r = ImageResult(path=f"/hico/images/test2015/{name}", width=640, height=480)
        r.people = [Person(k, list(b), 1.0) for b, k in humans.items()]
        r.objects = [DetectedObject(d["objects"][o], list(b), 1.0) for b, o in zip(objs, _first_object(a, objs))]
        r.extra["hois"] = [{"person": humans[tuple(bh)], "object": objs[tuple(bo)], "hoi": int(h), "score": 1.0,
                            "verb": "", "object_name": d["objects"][o]}
                           for bh, bo, h, o in zip(a["boxes_h"], a["boxes_o"], a["hoi"], a["object"])]  # fmt: skip
        records.append(r)
    out = tmp_path / "det.jsonl"
    export_records(records, "hoi", out)
    with pytest.warns(UserWarning, match="classes have no ground truth"):
        report = hoi_eval.evaluate_hicodet(gt, hoi_eval.read_hoi_predictions(out))
    assert report.summary["n_detections"] == len(gt.hoi) > 50
    present = [it for it in report.items if it["n_gt"]]  # a 60-image subset: the other classes have no pair
    assert len(present) > 20 and all(it["n_true_positives"] == it["n_gt"] == it["n_detections"] for it in present)
    assert all(it["ap"] == pytest.approx(1.0) and it["ap_known_object"] == pytest.approx(1.0) for it in present)
