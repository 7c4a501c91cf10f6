from __future__ import annotations

import json

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.eval.multilabel import evaluate_multilabel, load_multilabel, prf_at

Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]], bool)
S = np.array([[0.9, 0.6, 0.2], [0.1, 0.8, 0.3], [0.4, 0.7, 0.0], [0.0, 0.0, 0.9]])


def test_hand_computed_at_threshold():
    r = prf_at(Y, S, 0.5)
    pc = r["per_class"]
    # class 0: pred {0}; tp 1 fn 1 -> P 1, R .5, F1 2/3
    # class 1: pred {0,1,2}; tp 2 fp 1 -> P 2/3, R 1, F1 .8
    # class 2: pred {3}; fp 1, fn 1 -> P 0, R 0, F1 0 (zero division -> 0)
    assert pc["precision"] == pytest.approx([1, 2 / 3, 0])
    assert pc["recall"] == pytest.approx([0.5, 1, 0])
    assert pc["f1"] == pytest.approx([2 / 3, 0.8, 0])
    assert r["macro"]["f1"] == pytest.approx((2 / 3 + 0.8) / 3)
    # micro: tp 3, fp 2, fn 2 -> P .6 R .6 F1 .6
    assert r["micro"] == pytest.approx({"precision": 0.6, "recall": 0.6, "f1": 0.6})


def test_sweep_and_items():
    rep = evaluate_multilabel(Y, S, ["hug", "kiss", "fight"], threshold=0.5, sweep=(0.1, 0.5, 0.95))
    s = rep.to_dict()
    assert [r["threshold"] for r in s["sweep"]] == [0.1, 0.5, 0.95]
    assert s["sweep"][2]["micro"]["f1"] == 0.0  # nothing predicted
    assert s["best_micro_f1"]["threshold"] in (0.1, 0.5)
    assert rep.items[3] == {"id": "3", "true": [], "predicted": ["fight"], "false_positives": ["fight"],
                            "false_negatives": []}  # fmt: skip
    assert "| macro |" in rep.to_markdown()
    with pytest.raises(InputError):
        prf_at(Y, S[:, :2])


def test_load_files(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text('{"id": "a", "labels": ["hug"]}\n{"id": "b", "labels": ["kiss", "hug"]}\n{"id": "c", "labels": []}\n')
    p = tmp_path / "p.jsonl"
    p.write_text('{"id": "a", "scores": {"hug": 0.8, "kiss": 0.1}}\n{"id": "b", "labels": ["kiss"]}\n'
                 '{"id": "zzz", "labels": ["hug"]}\n')  # fmt: skip
    yt, ys, classes, ids, missing = load_multilabel(t, p)
    assert classes == ["hug", "kiss"] and ids == ["a", "b", "c"] and missing == 1
    assert yt.tolist() == [[True, False], [True, True], [False, False]]
    assert ys.tolist() == [[0.8, 0.1], [0.0, 1.0], [0.0, 0.0]]
    video = tmp_path / "v.jsonl"
    video.write_text(json.dumps({"path": "/x/scene.mp4", "clips": [{"labels": [{"label": "hug", "score": 0.7}]}]}))
    t2 = tmp_path / "t2.jsonl"
    t2.write_text('{"id": "scene#0", "labels": ["hug"]}\n')
    yt, ys, classes, _, _ = load_multilabel(t2, video)
    assert ys.tolist() == [[0.7]]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')
    with pytest.raises(InputError, match="neither"):
        load_multilabel(t, bad)
