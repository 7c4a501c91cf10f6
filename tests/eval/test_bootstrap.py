from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from hhikit.eval.bootstrap import image_resamples, paired_ap_bootstrap
from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
from hhikit.pairs import get_interactiveness
from tests.conftest import shared_path


def _toy(n_images: int = 60, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    images = [f"img{i}" for i in range(n_images) for _ in range(rng.integers(1, 5))]
    labels = rng.integers(0, 2, len(images))
    return labels, images


def test_resamples_keep_the_pairs_of_an_image_together_and_are_deterministic() -> None:
    _, images = _toy()
    sizes = Counter(images)
    a, b = image_resamples(images, 20, seed=3), image_resamples(images, 20, seed=3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
        drawn = Counter(images[i] for i in x)
        # every image drawn k times contributes k times all of its pairs
        assert all(count % sizes[name] == 0 for name, count in drawn.items())
        assert sum(count // sizes[name] for name, count in drawn.items()) == len(sizes)
    assert not all(np.array_equal(x, y) for x, y in zip(a, image_resamples(images, 20, seed=4), strict=True))


def test_a_perfect_score_is_surely_better_than_noise() -> None:
    labels, images = _toy()
    rng = np.random.default_rng(1)
    scores = {"oracle": labels + 0.01 * rng.random(len(labels)), "noise": rng.random(len(labels))}
    r = paired_ap_bootstrap(scores, labels, images, "oracle", n=200)
    assert r["resamples"] == 200 and r["ap_ci"]["oracle"] == [1.0, 1.0]
    lo, hi = r["difference_ci"]["noise"]
    assert 0 < lo <= hi and r["p_reference_better"]["noise"] == 1.0


def test_identical_scores_differ_by_zero() -> None:
    labels, images = _toy()
    s = np.random.default_rng(2).random(len(labels))
    r = paired_ap_bootstrap({"a": s, "b": s.copy()}, labels, images, "a", n=100, method="step")
    assert r["difference_ci"]["b"] == [0.0, 0.0] and r["p_reference_better"]["b"] == 0.0
    lo, hi = r["ap_ci"]["a"]
    assert 0 < lo < hi < 1
    with pytest.raises(ValueError):
        paired_ap_bootstrap({"a": s}, labels, images, "c")


def test_eval_report_has_bootstrap_intervals_on_vcoco_test() -> None:
    rep = evaluate_interactiveness(
        get_interactiveness(), vcoco=shared_path("vcoco", "instances_vcoco_test.json"), bootstrap=30
    )
    b = rep["vcoco"]["bootstrap"]
    assert set(b) == {"continuous", "step"}
    c = b["continuous"]
    assert c["resamples"] == 30 and c["best_heuristic"] == rep["vcoco"]["best_heuristic"]
    lo, hi = c["model_ap_ci"]
    assert lo <= rep["vcoco"]["model_ap"] + 0.01 and hi >= rep["vcoco"]["model_ap"] - 0.01
    assert c["difference_ci"][0] <= c["difference_ci"][1]
    assert "image resamples" in format_report(rep)
