from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import ConfigError
from hhikit.eval.ap import average_precision
from hhikit.pairs.datasets import load_vcoco
from hhikit.pairs.interactiveness import GeometryInteractiveness
from hhikit.train.interactiveness import GeometryTrainConfig, choose_threshold, train_from_vcoco, train_geometry
from tests.conftest import shared_path


def test_choose_threshold_keeps_recall() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.05])
    labels = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])
    t = choose_threshold(scores, labels, 0.9)
    assert t == pytest.approx(0.2)
    assert (scores[labels == 1] >= t).mean() >= 0.9
    assert choose_threshold(scores, labels, 1.0) == pytest.approx(0.1)
    with pytest.raises(ConfigError):
        choose_threshold(scores, np.zeros_like(labels))


def test_geometry_training_is_deterministic_and_learns() -> None:
    d = load_vcoco(shared_path("vcoco", "instances_vcoco_train.json"))
    cfg = GeometryTrainConfig(steps=60)
    m1, m2 = train_geometry(d, cfg), train_geometry(d, cfg)
    for (w1, b1), (w2, b2) in zip(m1.layers, m2.layers, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    v = load_vcoco(shared_path("vcoco", "instances_vcoco_val.json"))
    ap = average_precision(m1.score(v.boxes_a, v.boxes_b), v.labels)
    assert ap > v.labels.mean() + 0.2


def _tiny_vcoco(path: Path, seed: int) -> Path:
    """A synthetic V-COCO file: each image has two people, each holding a cup."""
    rng = np.random.default_rng(seed)
    anns = []
    for i in range(40):
        x0 = rng.uniform(0, 50)
        gap = rng.uniform(60, 300)
        h1, h2 = [x0, 0, x0 + 50, 150], [x0 + gap, 0, x0 + gap + 50, 150]
        c1, c2 = [x0 + 40, 60, x0 + 60, 80], [x0 + gap + 40, 60, x0 + gap + 60, 80]
        anns.append(
            {"file_name": f"{i}.jpg", "boxes_h": [h1, h2], "boxes_o": [c1, c2], "actions": [0, 0], "objects": [2, 2]}
        )
    path.write_text(json.dumps({"objects": ["background", "person", "cup"], "annotations": anns}))
    return path


def test_train_from_vcoco_writes_weights_and_report(tmp_path: Path) -> None:
    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    out = tmp_path / "w.npz"
    rep = train_from_vcoco([a, b], out, steps=50)
    assert out.is_file() and rep["train_pairs"] == 320 and rep["heldout_pairs"] == 160
    assert rep["heldout_ap"] > 0.9
    assert rep["heldout_recall_at_threshold"] >= 0.95
    m = GeometryInteractiveness.load(out)
    assert m.threshold == pytest.approx(rep["nis_threshold"], abs=1e-4)
    assert m.meta["trained_on"] == "a.json,b.json"
    # no person objects in this data: the IoU prior weight is chosen on all held-out pairs
    assert rep["prior_selected_on"].startswith("all held-out pairs") and len(rep["prior_selection_ap"]) == 21
    assert rep["prior_selection_ap"][f"{rep['prior_weight']:g}"] == max(rep["prior_selection_ap"].values())
    assert m.prior_weight == pytest.approx(rep["prior_weight"]) and "IoU prior" in m.meta["prior_rule"]
    fixed = train_from_vcoco([a, b], tmp_path / "fixed.npz", steps=50, prior_weight=0.0)
    assert fixed["prior_weight"] == 0.0 and GeometryInteractiveness.load(tmp_path / "fixed.npz").prior_weight == 0.0
    one = train_from_vcoco([a], tmp_path / "one.npz", steps=20)
    assert "20%" in one["heldout"] and 0 < one["heldout_pairs"] < 160


def test_train_from_vcoco_tin_branch(tmp_path: Path) -> None:
    from hhikit.pairs import get_interactiveness

    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    out = tmp_path / "tin.pt"
    rep = train_from_vcoco([a, b], out, model="tin", epochs=2, width=4)
    assert rep["model"] == "tin" and out.is_file()
    m = get_interactiveness("tin", weights=out)
    assert m.threshold == pytest.approx(rep["nis_threshold"], abs=1e-4)
    with pytest.raises(ConfigError, match="unknown interactiveness model"):
        train_from_vcoco([a, b], tmp_path / "x", model="nope")
