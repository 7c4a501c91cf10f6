"""The fusion vote: rules on synthetic boxes, and recall on the 150 dev images."""

from __future__ import annotations

import time

import numpy as np
import pytest

from hhikit.errors import ModelUnavailable
from hhikit.io.images import read_image
from hhikit.perception.base import get_detector
from hhikit.perception.fusion import CALIBRATION, FusionRules, body_from_face, calibrate, fuse, match_greedy
from hhikit.perception.tfjs_backend import iou_matrix
from hhikit.types import Person

W, H = 400, 300


def mn(box, score, kp=True):
    k = np.tile([[(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 0.9]], (17, 1)) if kp else None
    return Person(0, np.array(box, np.float32), score, k, keypoint_format="coco17", sources=["movenet"])


def cn(box, score):
    return Person(0, np.array(box, np.float32), score, sources=["centernet"])


def test_same_person_from_two_detectors_is_one_person():
    out = fuse([mn([10, 10, 100, 280], 0.5)], [cn([12, 8, 104, 285], 0.6)], [], W, H)
    assert len(out) == 1
    p = out[0]
    assert p.sources == ["centernet", "movenet"] and p.keypoints is not None
    # the fused score is higher than either detector's calibrated score alone
    assert p.score > max(calibrate("movenet", 0.5), calibrate("centernet", 0.6))
    assert iou_matrix(p.box, [10, 10, 100, 280])[0, 0] > 0.9


def test_two_people_side_by_side_stay_two():
    out = fuse([mn([10, 10, 100, 280], 0.4), mn([200, 10, 300, 280], 0.3)], [cn([205, 12, 298, 282], 0.5)], [], W, H)
    assert len(out) == 2 and [p.id for p in out] == [0, 1]


def test_one_weak_detector_alone_is_rejected_two_weak_that_agree_are_accepted():
    rules = FusionRules()
    weak_m = (rules.weak["movenet"] + rules.confident["movenet"]) / 2
    weak_c = (rules.weak["centernet"] + rules.confident["centernet"]) / 2
    assert fuse([mn([10, 10, 100, 280], weak_m)], [], [], W, H) == []
    assert fuse([], [cn([10, 10, 100, 280], weak_c)], [], W, H) == []
    # the two weak votes must overlap to count
    assert fuse([mn([10, 10, 100, 280], weak_m)], [cn([250, 10, 340, 280], weak_c)], [], W, H) == []
    assert len(fuse([mn([10, 10, 100, 280], weak_m)], [cn([14, 12, 98, 276], weak_c)], [], W, H)) == 1


def test_confident_single_detector_is_enough():
    rules = FusionRules()
    assert len(fuse([mn([10, 10, 100, 280], rules.confident["movenet"])], [], [], W, H)) == 1
    assert len(fuse([], [cn([10, 10, 100, 280], rules.confident["centernet"])], [], W, H)) == 1


def test_face_joins_its_body_and_a_lone_confident_face_becomes_a_person():
    body = mn([10, 10, 110, 290], 0.5)
    face_on_body = (np.array([45, 15, 75, 50], np.float32), 0.9)
    lone_face = (np.array([250, 40, 290, 90], np.float32), 0.9)
    out = fuse([body], [], [face_on_body, lone_face], W, H)
    assert len(out) == 2
    with_body = next(p for p in out if "movenet" in p.sources)
    assert "faces" in with_body.sources
    np.testing.assert_allclose(with_body.face, face_on_body[0])
    from_face = next(p for p in out if p.sources == ["faces"])
    np.testing.assert_allclose(from_face.box, body_from_face(lone_face[0], W, H))
    fx1, fy1, fx2, fy2 = lone_face[0]
    bx1, by1, bx2, by2 = from_face.box
    assert bx1 <= fx1 and by1 <= fy1 and bx2 >= fx2 and by2 > fy2 + 3 * (fy2 - fy1)
    assert from_face.keypoints is None
    # a weak face alone is not a person
    assert len(fuse([body], [], [(lone_face[0], 0.55)], W, H)) == 1


def test_duplicates_are_suppressed():
    # two MoveNet hypotheses of one person (no CenterNet partner for the second)
    out = fuse([mn([10, 10, 100, 280], 0.5), mn([15, 20, 100, 270], 0.3)], [cn([10, 10, 100, 280], 0.6)], [], W, H)
    assert len(out) == 1


def test_boxes_are_clipped_and_ids_follow_scores():
    out = fuse([mn([-20, -5, 100, 500], 0.25), mn([200, 10, 300, 200], 0.6)], [], [], W, H)
    assert [p.id for p in out] == [0, 1] and out[0].score >= out[1].score
    assert out[1].box[0] == 0 and out[1].box[3] == H


def test_match_greedy_is_one_to_one():
    iou = np.array([[0.9, 0.8], [0.85, 0.1]])
    assert match_greedy(iou, 0.3) == [(0, 0)]
    assert sorted(match_greedy(iou, 0.05)) == [(0, 0), (1, 1)]


def test_calibration_is_monotone_in_01():
    for name, (xs, ys) in CALIBRATION.items():
        assert list(xs) == sorted(xs) and list(ys) == sorted(ys), name
        assert ys[0] >= 0 and ys[-1] <= 1
    assert calibrate("movenet", 0.9) > calibrate("movenet", 0.1)


@pytest.fixture(scope="module")
def fusion():
    try:
        return get_detector("fusion", threads=2)
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup`: {exc}")


@pytest.mark.slow
def test_recall_on_the_150_dev_images(fusion, ww_images):
    """Every dev image shows >= 2 interacting people: >= 90% must get >= 2 people."""
    assert len(ww_images) == 150
    t0 = time.perf_counter()
    counts = [len(fusion.detect(read_image(p))) for p in ww_images]
    hits = sum(c >= 2 for c in counts)
    print(f"fusion: {hits}/150 images with >= 2 people, {np.mean(counts):.2f} people/image, "
          f"{(time.perf_counter() - t0) / 150 * 1000:.0f} ms/image")  # fmt: skip
    assert hits / len(ww_images) >= 0.90
    assert max(counts) <= 12  # no image explodes into a crowd of false people


def test_parallel_fusion_finds_the_same_people(fusion, ww_images):
    """MoveNet in a second thread changes the timing, not the people."""
    par = get_detector("fusion", threads=2, parallel=True)
    assert par._pool is not None and fusion._pool is None
    seen = 0
    for path in ww_images[:6]:
        image = read_image(path)
        a, b = fusion.detect(image), par.detect(image)
        assert [q.sources for q in a] == [q.sources for q in b]
        for p, q in zip(a, b, strict=True):
            np.testing.assert_allclose(p.box, q.box, atol=1e-3)
            assert p.score == pytest.approx(q.score, abs=1e-5)
            assert (p.keypoints is None) == (q.keypoints is None)
        seen += len(a)
    assert seen >= 10


def test_pose33_attaches_to_the_overlapping_person_only():
    from hhikit.perception.fusion import _attach_pose33

    people = fuse([mn([10, 10, 100, 280], 0.5), mn([200, 10, 300, 280], 0.5)], [], [], W, H)
    pose = np.random.default_rng(0).uniform(0, 1, (33, 3)).astype(np.float32)
    posed = Person(0, np.array([205, 15, 295, 275], np.float32), 0.9, pose33=pose, sources=["blazepose"])
    _attach_pose33(people, [posed])
    right = next(p for p in people if p.box[0] > 150)
    left = next(p for p in people if p.box[0] < 150)
    np.testing.assert_array_equal(right.pose33, pose)
    assert "blazepose" in right.sources and left.pose33 is None


def test_fusion_with_blazepose_adds_33_points_on_a_real_image():
    from hhikit.perception.base import available_detectors
    from tests.conftest import EXAMPLES

    if "blazepose" not in available_detectors():
        pytest.skip("blazepose backend not available")
    try:
        det = get_detector("fusion", pose33=True)
    except ModelUnavailable as exc:
        pytest.skip(str(exc))
    if det.blazepose is None:
        pytest.skip("blazepose models not set up")
    people = det.detect(read_image(EXAMPLES / "handshake.jpg"))
    assert len(people) >= 2
    withpose = [p for p in people if p.pose33 is not None]
    assert withpose and all(p.pose33.shape == (33, 3) for p in withpose)
    for p in withpose:  # the BlazePose nose is inside the fused person's box
        x, y = p.pose33[0, :2]
        assert p.box[0] - 5 <= x <= p.box[2] + 5 and p.box[1] - 5 <= y <= p.box[3] + 5


def test_face_prefers_the_body_whose_head_keypoints_it_holds():
    # a CenterNet box and a MoveNet skeleton that did not match each other; the face sits in
    # the upper half of both, but only the skeleton's head keypoints are inside it
    skel = mn([90, 20, 140, 290], 0.5)
    skel.keypoints[:5] = [[110, 45, 0.9]] * 5  # IoU with the CenterNet box is 0.22: no match
    other = cn([0, 0, 200, 300], 0.3)  # weak: it needs a second vote to be a person
    face = (np.array([95, 30, 125, 62], np.float32), 0.9)
    out = fuse([skel], [other], [face], W, H)
    assert len(out) == 1 and out[0].sources == ["faces", "movenet"]
