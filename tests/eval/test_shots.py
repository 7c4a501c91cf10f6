from __future__ import annotations

import json

import pytest

from hhikit.errors import InputError
from hhikit.eval.shots import boundary_prf, evaluate_shots, load_boundaries, match_boundaries


def test_one_to_one_matching_with_tolerance():
    # two predictions near one truth: only one may match
    assert match_boundaries([100], [99, 101], tolerance=2) == [(100, 99)]
    # the sweep finds the largest matching: 10->9 and 12->13 rather than 10->12 alone
    assert match_boundaries([10, 12], [9, 13], tolerance=2) == [(10, 9), (12, 13)]
    assert match_boundaries([10], [13], tolerance=2) == []


def test_hand_computed_prf():
    r = boundary_prf([10, 50, 90], [11, 49, 48, 200], tolerance=2)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 2, 1)
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(2 / 3)
    assert r["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert boundary_prf([], [], 2)["f1"] == 0.0


def test_evaluate_and_files(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text(json.dumps({"video": "a", "boundaries": [10, 50]}) + "\n"
                 + json.dumps({"video": "b", "shots": [{"start_frame": 0}, {"start_frame": 30}]}) + "\n")  # fmt: skip
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps({"path": "/v/a.mp4", "shots": [{"start_frame": 0}, {"start_frame": 11}]}) + "\n")
    truth, pred = load_boundaries(t), load_boundaries(p)
    assert truth == {"a": [10, 50], "b": [30]} and pred == {"a": [11]}
    rep = evaluate_shots(truth, pred, tolerance=1).to_dict()
    assert (rep["tp"], rep["fp"], rep["fn"]) == (1, 0, 2) and rep["missing_videos"] == 1
    assert rep["precision"] == 1.0 and rep["recall"] == pytest.approx(1 / 3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"video": "a"}\n')
    with pytest.raises(InputError, match="line 1"):
        load_boundaries(bad)
