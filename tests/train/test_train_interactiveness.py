from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import ConfigError
from hhikit.eval.ap import average_precision
from hhikit.pairs.datasets import load_hicodet_pairs, load_vcoco
from hhikit.pairs.interactiveness import GeometryInteractiveness
from hhikit.train.interactiveness import GeometryTrainConfig, choose_threshold, train_geometry, train_interactiveness
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


def test_train_interactiveness_writes_weights_and_report(tmp_path: Path) -> None:
    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    out = tmp_path / "w.npz"
    rep = train_interactiveness([a, b], out, steps=50)
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
    fixed = train_interactiveness([a, b], tmp_path / "fixed.npz", steps=50, prior_weight=0.0)
    assert fixed["prior_weight"] == 0.0 and GeometryInteractiveness.load(tmp_path / "fixed.npz").prior_weight == 0.0
    one = train_interactiveness([a], tmp_path / "one.npz", steps=20)
    assert "20%" in one["heldout"] and 0 < one["heldout_pairs"] < 160


def test_train_interactiveness_tin_branch(tmp_path: Path) -> None:
    from hhikit.pairs import get_interactiveness

    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    out = tmp_path / "tin.pt"
    rep = train_interactiveness([a, b], out, model="tin", epochs=2, width=4)
    assert rep["model"] == "tin" and out.is_file()
    m = get_interactiveness("tin", weights=out)
    assert m.threshold == pytest.approx(rep["nis_threshold"], abs=1e-4)
    with pytest.raises(ConfigError, match="unknown interactiveness model"):
        train_interactiveness([a, b], tmp_path / "x", model="nope")


def _tiny_hicodet(path: Path, seed: int, n_images: int = 400) -> Path:
    """A synthetic HICO-DET training file in the instances layout: per image one human-human
    pair (interacting when the two people overlap a lot, ``no_interaction`` when they stand
    apart) and one human-cup pair (held, or lying on a far table)."""
    rng = np.random.default_rng(seed)
    verbs = ["hold", "hug", "no_interaction"]
    objects = ["person", "cup"]
    # correspondence rows: [hoi index, object index, verb index]
    corr = [[0, 0, 1], [1, 0, 2], [2, 1, 0], [3, 1, 2]]
    anns, names = [], []
    for i in range(n_images):
        x0, w = rng.uniform(0, 100), rng.uniform(40, 80)
        hug = bool(rng.random() < 0.5)
        shift = rng.uniform(0.2, 0.6) * w if hug else rng.uniform(1.5, 4.0) * w
        h1, h2 = [x0, 10, x0 + w, 10 + 3 * w], [x0 + shift, 12, x0 + shift + w, 12 + 3 * w]
        held = bool(rng.random() < 0.6)
        cx = x0 + 0.8 * w if held else x0 + rng.uniform(3, 6) * w
        cup = [cx, 60, cx + 15, 75]
        anns.append(
            {
                "boxes_h": [h1, h1],
                "boxes_o": [h2, cup],
                "hoi": [0 if hug else 1, 2 if held else 3],
                "verb": [1 if hug else 2, 0 if held else 2],
                "object": [0, 1],
            }
        )
        names.append(f"HICO_train2015_{seed}_{i:05d}.jpg")
    path.write_text(
        json.dumps({"annotation": anns, "filenames": names, "objects": objects, "verbs": verbs, "correspondence": corr})
    )
    return path


def test_train_interactiveness_on_hicodet_chooses_on_human_human_pairs(tmp_path: Path) -> None:
    h = _tiny_hicodet(tmp_path / "instances_train2015.json", 0)
    out = tmp_path / "w.npz"
    rep = train_interactiveness([], out, hicodet=[h], steps=60)
    assert rep["train_pairs"] == 800 and 0 < rep["heldout_pairs"] < 800
    assert rep["prior_selected_on"] == "held-out human-human pairs"
    assert rep["nis_threshold_on"] == "held-out human-human pairs"
    assert rep["heldout_human_human_ap"] is not None and rep["heldout_human_human_ap"] > 0.9
    assert rep["heldout_recall_at_threshold"] >= 0.95
    m = GeometryInteractiveness.load(out)
    assert "human-human" in m.meta["prior_rule"] and m.meta["trained_on"] == "instances_train2015.json"
    # the trained model ranks held-apart people below hugging ones on fresh synthetic pairs
    fresh = load_hicodet_pairs(_tiny_hicodet(tmp_path / "fresh_train.json", 5), "person")
    assert average_precision(m.score(fresh.boxes_a, fresh.boxes_b), fresh.labels) > 0.9


def test_train_interactiveness_hicodet_object_selection_and_mixing(tmp_path: Path) -> None:
    h = _tiny_hicodet(tmp_path / "hico_train.json", 1)
    a, b = _tiny_vcoco(tmp_path / "a.json", 0), _tiny_vcoco(tmp_path / "b.json", 1)
    only_objects = train_interactiveness([], tmp_path / "o.npz", hicodet=[h], hicodet_objects="non-person", steps=30)
    assert only_objects["train_pairs"] == 400 and only_objects["heldout_human_human_ap"] is None
    assert only_objects["prior_selected_on"].startswith("all held-out pairs")
    both = train_interactiveness([a, b], tmp_path / "b.npz", hicodet=[h], hicodet_objects="person", steps=30)
    assert both["train_pairs"] == 320 + 400
    assert both["prior_selected_on"] == "held-out human-human pairs"
    assert "last V-COCO file (b.json)" in both["heldout"] and "HICO-DET" in both["heldout"]


def test_train_interactiveness_refuses_a_test_split(tmp_path: Path) -> None:
    h = _tiny_hicodet(tmp_path / "instances_test2015.json", 0, n_images=10)
    with pytest.raises(ConfigError, match="test split"):
        train_interactiveness([], tmp_path / "w.npz", hicodet=[h])
    with pytest.raises(ConfigError, match="V-COCO and/or HICO-DET"):
        train_interactiveness([], tmp_path / "w.npz")
