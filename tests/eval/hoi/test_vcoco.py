"""V-COCO role AP (scenarios 1 and 2) and agent AP against an independent port of
``vsrl_eval.py``, on generated detections."""

from __future__ import annotations

import json
import warnings

import pytest

from hhikit.eval.hoi import HOIDetections, evaluate_vcoco, gt_as_predictions, load_vcoco
from tests.conftest import shared_path
from tests.eval.hoi.generate import detections, toy_vcoco, vcoco_pairs
from tests.eval.hoi.reference import vsrl_vcoco


def _evaluate(ann, rows, path):
    path.write_text(json.dumps(ann))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_vcoco(load_vcoco(path), HOIDetections.from_rows(rows))


def _close(r, ref, tol):
    for key in ("scenario1", "scenario2", "agent"):
        assert r.summary[key] == pytest.approx(ref[key], abs=tol, rel=0), key


@pytest.mark.parametrize("seed", range(6))
def test_role_and_agent_ap_equal_the_port(seed, tmp_path):
    ann = toy_vcoco(seed)
    rows = detections(vcoco_pairs(ann), [a["file_name"] for a in ann["annotations"]], 6, seed,
                      p_no_role=0.2, p_invent_role=0.5, p_wrong=0.3, decimals=1 + seed % 2, drop_classes=(seed % 6,))  # fmt: skip
    r = _evaluate(ann, rows, tmp_path / "v.json")
    ref = vsrl_vcoco(ann, rows)
    _close(r, ref, 1e-9)
    assert [it["ap_scenario1"] for it in r.items[:6]] == pytest.approx(ref["scenario1_aps"], abs=1e-9, nan_ok=True)
    assert [it["ap_agent"] for it in r.items[6:]] == pytest.approx(ref["agent_aps"], abs=1e-9, nan_ok=True)
    assert r.summary["n_missing_roles"] > 0 and r.summary["scenario1"] != r.summary["scenario2"]


def test_empty_class_warns_and_scores_0(tmp_path):
    ann = toy_vcoco(1)
    rows = [r for r in detections(vcoco_pairs(ann), [a["file_name"] for a in ann["annotations"]], 6, 1) if r["hoi"]]
    (tmp_path / "v.json").write_text(json.dumps(ann))
    with pytest.warns(UserWarning, match=r"class 0 \(hold obj\) has no detection: AP 0"):
        r = evaluate_vcoco(load_vcoco(tmp_path / "v.json"), HOIDetections.from_rows(rows))
    assert r.items[0]["ap_scenario1"] == 0.0 and any("no detection" in w for w in r.summary["warnings"])


def test_all_perfect(tmp_path):
    ann = toy_vcoco(2)
    (tmp_path / "v.json").write_text(json.dumps(ann))
    rows = list(gt_as_predictions(load_vcoco(tmp_path / "v.json")))
    r = _evaluate(ann, rows, tmp_path / "v.json")
    _close(r, vsrl_vcoco(ann, rows), 1e-12)
    assert r.summary["scenario1"] == pytest.approx(1.0) and r.summary["agent"] == pytest.approx(1.0)


@pytest.mark.slow
def test_whole_vcoco_test_set_equals_the_port():
    path = shared_path("vcoco", "instances_vcoco_test.json")
    ann = json.loads(path.read_text())
    rows = detections(vcoco_pairs(ann), [a["file_name"] for a in ann["annotations"]], 24, seed=5,
                      p_no_role=0.1, p_invent_role=0.5, fp_per_image=0.5, decimals=2)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = evaluate_vcoco(load_vcoco(path), HOIDetections.from_rows(rows))
    _close(r, vsrl_vcoco(ann, rows), 1e-6)
