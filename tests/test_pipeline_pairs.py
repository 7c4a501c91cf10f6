from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hhikit.cli import main
from hhikit.io.draw import PairAnnotator, annotate, score_colour
from hhikit.io.images import read_image
from hhikit.perception.base import register_detector
from hhikit.pipeline import Pipeline, PipelineConfig
from hhikit.types import ImageResult, Pair, Person, read_jsonl


class _Fixed:
    """A detector returning fixed boxes (scaled to the image): two people side by side and
    one far away, so the test exercises the pairs stage, not a detector."""

    name = "fixed-test"

    def detect(self, image: np.ndarray) -> list[Person]:
        h, w = image.shape[:2]
        boxes = [[0.05, 0.1, 0.45, 0.98], [0.38, 0.12, 0.75, 0.98], [0.88, 0.5, 0.97, 0.7]]
        return [Person(i, np.array(b) * [w, h, w, h], 0.9 - 0.1 * i) for i, b in enumerate(boxes)]


register_detector("fixed-test")(lambda: _Fixed())


def test_pipeline_fills_pairs(example_image: Path) -> None:
    pipe = Pipeline(PipelineConfig(detector="fixed-test"))
    r = pipe.analyze(example_image)
    assert r.ok and [(p.a, p.b) for p in r.pairs] == [(0, 1), (0, 2), (1, 2)]
    assert "pairs" in r.timings
    close, far = r.pairs[0], r.pairs[1]
    assert close.interactiveness > far.interactiveness
    assert not close.suppressed and far.suppressed
    assert close.geometry["iou"] > 0
    none = Pipeline(PipelineConfig(detector="fixed-test", nis_threshold=0.0)).analyze(example_image)
    assert not any(p.suppressed for p in none.pairs)
    off = Pipeline(PipelineConfig(detector="fixed-test", interactiveness="")).analyze(example_image)
    assert all(p.interactiveness == 0 for p in off.pairs) and len(off.pairs) == 3


def test_analyze_cli_writes_pairs_and_png(example_image: Path, tmp_path: Path, capsys) -> None:
    rc = main(
        ["analyze", str(example_image), "--detector", "fixed-test", "--nis-threshold", "0.5", "--out", str(tmp_path)]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "pair #0-#1" in out and "suppressed" in out
    rec = next(read_jsonl(tmp_path / f"{example_image.stem}.json"))
    assert len(rec.pairs) == 3 and any(p.suppressed for p in rec.pairs)
    png = read_image(tmp_path / f"{example_image.stem}.png")
    assert png.shape[:2] == read_image(example_image).shape[:2]


def test_pair_annotator_draws_edges() -> None:
    img = np.full((200, 300, 3), 255, np.uint8)
    people = [Person(0, [10, 20, 90, 190], 0.9), Person(1, [200, 20, 280, 190], 0.8)]
    solid = ImageResult("x", 300, 200, people=people, pairs=[Pair(0, 1, interactiveness=0.9)])
    dashed = ImageResult("x", 300, 200, people=people, pairs=[Pair(0, 1, interactiveness=0.1, suppressed=True)])
    a = PairAnnotator().annotate(img, solid)
    b = PairAnnotator().annotate(img, dashed)
    row = 20 + int(0.25 * 170)  # the edge joins the upper parts of the boxes
    seg_a = (a[row, 60:240] != 255).any(axis=1)
    seg_b = (b[row, 60:240] != 255).any(axis=1)
    assert seg_a.mean() > 0.9  # solid
    assert 0.2 < seg_b.mean() < 0.9  # dashed (label box covers the middle)
    assert score_colour(0.9)[1] > score_colour(0.9)[0] and score_colour(0.1)[0] > score_colour(0.1)[1]
    assert (annotate(img, solid) != 255).any()
    hidden = PairAnnotator(show_suppressed=False).annotate(img, dashed)
    assert (hidden == 255).all()


@pytest.mark.parametrize("bad", [-1, 5])
def test_pairs_with_unknown_people_are_skipped(bad: int) -> None:
    img = np.zeros((50, 50, 3), np.uint8)
    r = ImageResult("x", 50, 50, people=[Person(0, [0, 0, 10, 10], 1.0)], pairs=[Pair(0, bad, 0.5)])
    assert (PairAnnotator().annotate(img, r) == img).all()


@pytest.fixture(scope="module")
def real_pipeline() -> Pipeline:
    """The default pipeline (real person detector, shipped interactiveness model)."""
    from hhikit.errors import ModelUnavailable

    try:
        return Pipeline(PipelineConfig())
    except ModelUnavailable as exc:
        pytest.skip(f"default person detector unavailable: {exc}")


def test_pairs_stage_on_real_handshake_photo(real_pipeline: Pipeline) -> None:
    """Two men shaking hands (bundled example): one pair, kept by NIS, the two facing each
    other with hands touching, and the pair's geometry consistent with its people."""
    from tests.conftest import EXAMPLES

    r = real_pipeline.analyze(EXAMPLES / "handshake.jpg")
    assert r.ok and len(r.people) == 2 and [(p.a, p.b) for p in r.pairs] == [(0, 1)]
    pair = r.pairs[0]
    assert not pair.suppressed and pair.interactiveness > real_pipeline.interactiveness.threshold
    g = pair.geometry
    assert g["mutual_facing"] == 1.0 and g["hand_contacts"] >= 1 and g["min_hand_dist"] < 0.25
    a, b = r.people
    assert g["iou"] == pytest.approx(_iou(a.box, b.box), rel=1e-6)
    assert g["dx"] * (b.box[0] + b.box[2] - a.box[0] - a.box[2]) >= 0  # sign follows b minus a


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
