from __future__ import annotations

import numpy as np
import pytest

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.eval.ap import average_precision
from hhikit.models.store import resolve
from hhikit.pairs import available_interactiveness, get_interactiveness
from hhikit.pairs.datasets import load_hicodet_person_pairs, load_vcoco
from hhikit.pairs.features import heuristic_scores
from hhikit.pairs.interactiveness import GeometryInteractiveness, InteractivenessModel, ref_rank, reference_values
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def model() -> GeometryInteractiveness:
    return get_interactiveness()  # the shipped default


def test_registry_and_protocol(model: GeometryInteractiveness) -> None:
    assert {"geometry", "tin"} <= set(available_interactiveness())
    assert isinstance(model, InteractivenessModel)
    assert 0.0 < model.threshold < 1.0
    with pytest.raises(ConfigError, match="unknown interactiveness"):
        get_interactiveness("nope")
    with pytest.raises(ModelUnavailable, match="train it"):
        get_interactiveness("tin")


def test_shipped_weights_are_small_and_resolvable() -> None:
    r = resolve("interactiveness-geometry")
    f = r.path()
    assert f.is_file() and f.stat().st_size < 1_000_000


def test_scores_are_symmetric_and_sensible(model: GeometryInteractiveness) -> None:
    a = np.array([[0, 0, 100, 200], [0, 0, 100, 200], [0, 0, 100, 200]], float)
    b = np.array([[70, 10, 170, 210], [300, 0, 400, 200], [2000, 0, 2100, 200]], float)
    s = model.score(a, b)
    np.testing.assert_allclose(s, model.score(b, a), rtol=1e-5)
    assert s[0] > s[1] > s[2]
    assert s[0] > model.threshold > s[2]
    assert model.score(np.zeros((0, 4)), np.zeros((0, 4))).shape == (0,)


def test_beats_best_heuristic_on_vcoco_test(model: GeometryInteractiveness) -> None:
    d = load_vcoco(shared_path("vcoco", "instances_vcoco_test.json"))
    ap = average_precision(model.score(d.boxes_a, d.boxes_b), d.labels)
    best = max(average_precision(v, d.labels) for v in heuristic_scores(d.boxes_a, d.boxes_b).values())
    assert ap > best + 0.005


def test_scores_hicodet_person_pairs_above_chance(model: GeometryInteractiveness) -> None:
    d = load_hicodet_person_pairs(shared_path("hicodet", "instances_test2015.json"))
    ap = average_precision(model.score(d.boxes_a, d.boxes_b), d.labels)
    assert ap > d.labels.mean() + 0.2


@pytest.mark.xfail(
    strict=True,
    reason="done criterion not met: trained on V-COCO human-object pairs only, the geometry model "
    "ranks HICO-DET person pairs below box IoU (AP 0.917 vs 0.956; step AP 0.901 vs 0.936), also with "
    "the IoU rank prior chosen on V-COCO val person-object pairs; blocked on human-human training "
    "labels (HICO-DET training annotations), see docs/pairs.md",
)
def test_done_criterion_beats_iou_on_hicodet_person_pairs(model: GeometryInteractiveness) -> None:
    d = load_hicodet_person_pairs(shared_path("hicodet", "instances_test2015.json"))
    ap = average_precision(model.score(d.boxes_a, d.boxes_b), d.labels)
    iou_ap = average_precision(heuristic_scores(d.boxes_a, d.boxes_b)["iou"], d.labels)
    assert ap > iou_ap


def test_ref_rank_is_a_mid_rank_cdf() -> None:
    ref = np.array([0.0, 0.0, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(ref_rank(ref, [-1.0, 0.0, 0.25, 0.5, 2.0]), [0.0, 0.3, 0.6, 0.7, 1.0])
    r = reference_values(np.arange(10_001.0)[::-1], 11)
    np.testing.assert_array_equal(r, np.arange(0, 10_001, 1000))
    assert reference_values([3.0, 1.0], 11).tolist() == [1.0, 3.0]


def test_shipped_model_mixes_the_iou_prior(model: GeometryInteractiveness, tmp_path) -> None:
    assert 0.0 < model.prior_weight < 1.0 and model.score_ref.size > 100 and model.iou_ref.size > 100
    a = np.array([[0, 0, 100, 200], [0, 0, 100, 200]], float)
    b = np.array([[50, 0, 150, 200], [20, 0, 120, 200]], float)
    s = model.score(a, b)
    mlp = model.mix_prior(1 / (1 + np.exp(-model.logits_from_inputs(model_inputs(model, a, b)))), np.zeros(2), 0.0)
    w = model.prior_weight
    np.testing.assert_allclose(
        s, (1 - w) * ref_rank(model.score_ref, mlp) + w * ref_rank(model.iou_ref, [1 / 3, 2 / 3]), atol=1e-5
    )
    model.save(tmp_path / "m.npz")
    again = GeometryInteractiveness.load(tmp_path / "m.npz")
    assert again.prior_weight == pytest.approx(w)
    np.testing.assert_allclose(again.score(a, b), s, atol=1e-6)
    with pytest.raises(ConfigError, match="needs score_ref"):
        GeometryInteractiveness(model.layers, model.mean, model.std, prior_weight=0.5, features=model.features)


def model_inputs(model: GeometryInteractiveness, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from hhikit.pairs.interactiveness import geometry_inputs

    return geometry_inputs(a, b, model.map_cells, model.features)
