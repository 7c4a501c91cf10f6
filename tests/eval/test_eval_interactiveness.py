from __future__ import annotations

import json
from pathlib import Path

from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
from hhikit.pairs import get_interactiveness
from tests.conftest import shared_path


def test_hicodet_report_and_per_item(tmp_path: Path) -> None:
    per = tmp_path / "per.jsonl"
    rep = evaluate_interactiveness(
        get_interactiveness(), hicodet=shared_path("hicodet", "instances_test2015.json"), per_item=per
    )
    r = rep["hicodet_person_pairs"]
    assert r["pairs"] == 516 and r["images"] == 215
    assert abs(r["chance_ap"] - 0.620) < 0.001
    assert 0.9 < r["heuristics_ap"]["iou"] < 1.0
    assert r["best_heuristic_ap"] == max(r["heuristics_ap"].values())
    assert r["model_ap"] > r["chance_ap"]
    # the step AP (scikit-learn's) of box IoU is the "0.938 on those 516 pairs"
    assert abs(r["heuristics_ap_step"]["iou"] - 0.938) < 0.003
    assert r["best_heuristic_ap_step"] == max(r["heuristics_ap_step"].values())
    assert r["model_beats_best_heuristic"] == (
        r["model_ap"] > r["best_heuristic_ap"] and r["model_ap_step"] > r["best_heuristic_ap_step"]
    )
    assert 0 < r["nis"]["recall"] <= 1 and 0 <= r["nis"]["suppressed"] < 1
    rows = [json.loads(line) for line in per.read_text().splitlines()]
    assert len(rows) == 516
    assert set(rows[0]) == {"image", "box_a", "box_b", "label", "score"}
    assert sum(r["label"] for r in rows) == 320
    text = format_report(rep)
    assert "best heuristic" in text and "hicodet_person_pairs" in text
