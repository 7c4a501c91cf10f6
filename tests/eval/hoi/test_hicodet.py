"""HICO-DET headline figures against an independent port of the official Matlab code (and
UPT's evaluation against a port of UPT + pocket), on generated detections."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch

from hhikit.errors import InputError
from hhikit.eval.ap import VOC11_THRESHOLDS, ap_from_pr
from hhikit.eval.hoi import HOIDetections, evaluate_hicodet, gt_as_predictions, load_hicodet, load_hoi_ground_truth
from tests.conftest import shared_path
from tests.eval.hoi.generate import detections, hicodet_pairs, toy_hicodet
from tests.eval.hoi.reference import MATLAB_THRESHOLDS, matlab_hicodet, upt_hicodet


def _evaluate(ann, rows, tmp_path, **kw):
    p = tmp_path / "hico.json"
    p.write_text(json.dumps(ann))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_hicodet(load_hicodet(p), HOIDetections.from_rows(rows), **kw)


def _close(ours, ref, tol):
    for key in ("full", "rare", "non_rare"):
        assert ours[key] == pytest.approx(ref[key], abs=tol, rel=0), key


def test_thresholds_are_matlabs_0_to_1_by_0_1():
    assert VOC11_THRESHOLDS.tolist() == MATLAB_THRESHOLDS == torch.linspace(0, 1, 11, dtype=torch.float64).tolist()
    assert VOC11_THRESHOLDS[3] == 0.30000000000000004 and VOC11_THRESHOLDS[7] == 0.7
    # a recall of exactly 3/10 does not reach Matlab's 4th threshold; 7/10 reaches the 8th
    assert ap_from_pr(np.array([0.3]), np.array([1.0]), "voc11") == pytest.approx(3 / 11, abs=1e-15)
    assert ap_from_pr(np.array([0.7]), np.array([1.0]), "voc11") == pytest.approx(8 / 11, abs=1e-15)


@pytest.mark.parametrize("seed", range(6))
def test_official_and_upt_equal_the_ports(seed, tmp_path):
    ann = toy_hicodet(seed)
    rows = detections(hicodet_pairs(ann), ann["filenames"], len(ann["correspondence"]), seed,
                      decimals=1 + seed % 2, drop_classes=(seed % 7,))  # fmt: skip
    for e in ann["empty"]:  # false positives on the 'empty' images, at a tied score
        rows.insert(seed, {"image": ann["filenames"][e], "box_h": [1, 1, 50, 90], "box_o": [5, 5, 40, 40],
                           "hoi": 2, "score": 0.9})  # fmt: skip
    r = _evaluate(ann, rows, tmp_path)
    ref = matlab_hicodet(ann, rows)
    _close(r.summary, ref["default"], 1e-9)
    _close(r.summary["known_object"], ref["ko"], 1e-9)
    assert [it["ap"] for it in r.items] == pytest.approx(ref["default_aps"], abs=1e-9)
    assert [it["ap_known_object"] for it in r.items] == pytest.approx(ref["ko_aps"], abs=1e-9)
    _close(r.summary["upt"], upt_hicodet(ann, rows)["default"], 1e-9)
    _close(r.summary["continuous"], ref["continuous_default"], 1e-9)
    _close(r.summary["continuous"]["known_object"], ref["continuous_ko"], 1e-9)
    assert r.summary["detections_on_empty_images"] > 0 and r.summary["full"] < 1


def test_all_perfect_and_no_detections(tmp_path):
    ann = toy_hicodet(11)
    p = tmp_path / "hico.json"
    p.write_text(json.dumps(ann))
    rows = list(gt_as_predictions(load_hicodet(p)))
    for r, ref in ((_evaluate(ann, rows, tmp_path).summary, matlab_hicodet(ann, rows)["default"]),
                   (_evaluate(ann, [], tmp_path).summary, matlab_hicodet(ann, [])["default"])):  # fmt: skip
        _close(r, ref, 1e-12)
    # the class without ground truth has AP 0 and counts in the mean, as in the Matlab code
    assert _evaluate(ann, rows, tmp_path).summary["full"] == pytest.approx(7 / 8, abs=1e-12)


@pytest.mark.slow
def test_whole_hicodet_test_set_equals_the_port():
    path = shared_path("hicodet", "instances_test2015.json")
    ann = json.loads(path.read_text())
    rows = detections(hicodet_pairs(ann), ann["filenames"], 600, seed=3, fp_per_image=0.5, decimals=2,
                      drop_classes=(7,))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = evaluate_hicodet(load_hicodet(path), HOIDetections.from_rows(rows)).summary
    ref = matlab_hicodet(ann, rows)
    _close(r, ref["default"], 1e-6)
    _close(r["known_object"], ref["ko"], 1e-6)
    _close(r["continuous"], ref["continuous_default"], 1e-6)
    assert r["detections_on_empty_images"] > 0 and 0.2 < r["full"] < 0.9


def test_rare_split_from_a_training_file(tmp_path):
    ann = toy_hicodet(4)
    train = {"annotation": [{"hoi": [0] * 10 + [1] * 9 + [2] * 12}, {"hoi": [3] * 5}, {"hoi": [3] * 5 + [5] * 10}]}
    (tmp_path / "train.json").write_text(json.dumps(train))
    (tmp_path / "test.json").write_text(json.dumps({k: v for k, v in ann.items() if k not in ("rare", "non_rare")}))
    gt = load_hoi_ground_truth(hicodet=tmp_path / "test.json", train=tmp_path / "train.json")
    assert gt.rare == [1, 4, 6, 7] and gt.non_rare == [0, 2, 3, 5]
    with pytest.raises(InputError, match="HICO-DET only"):
        load_hoi_ground_truth(vcoco=tmp_path / "test.json", train=tmp_path / "train.json")
