"""The default describer: cue rules on synthetic poses and on real images through the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from hhikit.describe import available_describers, get_describer
from hhikit.describe.cues import Body, pair_cues, pose_cues_one, text_cues
from hhikit.describe.default import DefaultDescriber, fallback_pairs
from hhikit.errors import ConfigError
from hhikit.types import DetectedObject, ImageResult, Person


def standing(i: int, cx: float, facing: int = 0, h: float = 200.0, top: float = 40.0) -> np.ndarray:
    """COCO-17 keypoints of a standing person (arms down) turned by ``facing`` (-1, 0, 1)."""
    k = h / 200.0
    kp = np.zeros((17, 3), np.float32)
    kp[:, 2] = 0.9
    pts = {0: (8 * facing, 20), 1: (-6 + 4 * facing, 15), 2: (6 + 4 * facing, 15), 3: (-10, 18), 4: (10, 18),
           5: (-20, 45), 6: (20, 45), 7: (-25, 80), 8: (25, 80), 9: (-25, 110), 10: (25, 110),
           11: (-15, 110), 12: (15, 110), 13: (-15, 160), 14: (15, 160), 15: (-15, 200), 16: (15, 200)}  # fmt: skip
    for j, (dx, dy) in pts.items():
        kp[j, :2] = (cx + dx * k, top + dy * k)
    if facing:  # a profile: the far ear is hidden
        kp[4 if facing > 0 else 3, 2] = 0.0
    return kp


def person(i, kp):
    x1, y1 = kp[:, 0].min() - 10, kp[:, 1].min() - 5
    x2, y2 = kp[:, 0].max() + 10, kp[:, 1].max() + 5
    return Person(i, [x1, y1, x2, y2], 0.9, keypoints=kp)


@pytest.fixture(scope="module")
def describer():
    return DefaultDescriber()


def test_registry():
    assert {"default", "encdec", "clipcap"} <= set(available_describers())
    with pytest.raises(ConfigError, match="unknown describer"):
        get_describer("nope")
    with pytest.raises(ConfigError, match="needs a model directory"):
        get_describer("encdec")


def test_handshake_pose_ranks_shaking_hands_first(describer):
    a, b = standing(0, 150, facing=1), standing(1, 230, facing=-1)
    a[10, :2] = (190, 135)  # right wrist of A and left wrist of B meet between them at waist height
    b[9, :2] = (192, 136)
    r = ImageResult("x", 400, 300, people=[person(0, a), person(1, b)])
    describer.describe(np.zeros((300, 400, 3), np.uint8), r)
    top = r.pairs[0].interactions
    assert len(top) == 8 and top[0].text == "_ shaking hands with _"
    assert any("hands meet" in c for c in top[0].cues) and any("turned towards" in c for c in top[0].cues)
    assert r.interactions[0].text == "_ shaking hands with _" and "salient pair #0-#1" in r.interactions[0].cues[0]


def test_salute_pose_and_same_cues_give_same_answer(describer):
    a = standing(0, 150)
    a[10, :2] = (158, 52)  # right hand at the brow, elbow out at shoulder height
    a[8, :2] = (190, 82)
    b = standing(1, 260)
    cues = pose_cues_one(Body(person(0, a)), "#0")
    assert any("salute" in c.name for c in cues)
    r = ImageResult("x", 400, 300, people=[person(0, a), person(1, b)])
    describer.describe(np.zeros((300, 400, 3), np.uint8), r)
    assert "saluting" in r.interactions[0].text
    # not a fixed answer: without the salute the ranking changes
    r2 = ImageResult("x", 400, 300, people=[person(0, standing(0, 150)), person(1, b)])
    describer.describe(np.zeros((300, 400, 3), np.uint8), r2)
    assert "saluting" not in r2.interactions[0].text


def test_objects_and_scene_text_shift_the_answer(describer):
    a, b = standing(0, 150), standing(1, 300)
    r = ImageResult("x", 400, 300, people=[person(0, a), person(1, b)],
                    objects=[DetectedObject("sports ball", [220, 240, 240, 260], 0.9)])  # fmt: skip
    describer.describe(np.zeros((300, 400, 3), np.uint8), r)
    texts = [i.text for i in r.interactions]
    assert "_ playing soccer with _" in texts[:2]
    assert any("sports ball" in c for c in r.interactions[texts.index("_ playing soccer with _")].cues)
    assert [c.name for c in text_cues(["AWARDS 2019", "Ceremony"])] == ['scene text "awards"']


def test_no_people_still_explains(describer):
    r = ImageResult("x", 100, 100)
    describer.describe(np.zeros((100, 100, 3), np.uint8), r)
    assert len(r.interactions) == 8 and "no interacting pair" in r.interactions[0].cues[0]


def test_fallback_pairs_suppress_far_small_people():
    big1, big2 = person(0, standing(0, 100)), person(1, standing(1, 170))
    tiny = person(2, standing(2, 900, h=40))
    pairs = {(p.a, p.b): p for p in fallback_pairs([big1, big2, tiny])}
    assert not pairs[(0, 1)].suppressed and pairs[(0, 1)].interactiveness > pairs[(0, 2)].interactiveness
    assert pairs[(0, 2)].suppressed


def test_pair_cues_apart_vs_close():
    a, b = person(0, standing(0, 100)), person(1, standing(1, 500))
    assert any("apart" in c.name for c in pair_cues(a, b))
    c = person(1, standing(1, 150))
    assert any("close" in c_.name for c_ in pair_cues(a, c))


@pytest.mark.slow
def test_pipeline_on_real_handshake(example_image):
    from hhikit.pipeline import Pipeline, PipelineConfig

    pipe = Pipeline(PipelineConfig(detector="fusion"))
    r = pipe.analyze(example_image)
    assert r.error is None and len(r.people) >= 2
    assert r.interactions and r.interactions[0].text == "_ shaking hands with _"
    assert all(len(p.interactions) == 8 for p in r.pairs if not p.suppressed)
    assert "describe" in r.timings
    bad = pipe.analyze(example_image.parent / "missing.jpg")
    assert bad.error is not None
