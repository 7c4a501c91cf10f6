"""MoveNet and CenterNet detectors on real images (converted packaged models)."""

from __future__ import annotations

import numpy as np
import pytest

from hhikit.errors import InputError, ModelUnavailable
from hhikit.io.images import read_image
from hhikit.models.setup import cache_dir
from hhikit.perception.base import get_detector
from hhikit.perception.tfjs_backend import COCO80, Letterbox, iou_matrix, nms
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def movenet():
    try:
        return get_detector("movenet")
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup movenet-multipose`: {exc}")


@pytest.fixture(scope="module")
def centernet():
    try:
        return get_detector("centernet")
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup centernet`: {exc}")


def _inside(xy: np.ndarray, box: np.ndarray, margin: float = 0.1) -> np.ndarray:
    w, h = box[2] - box[0], box[3] - box[1]
    return (
        (xy[:, 0] >= box[0] - margin * w)
        & (xy[:, 0] <= box[2] + margin * w)
        & (xy[:, 1] >= box[1] - margin * h)
        & (xy[:, 1] <= box[3] + margin * h)
    )


@pytest.mark.parametrize("name", ["handshake.jpg", "arm_around.jpg"])
def test_movenet_finds_two_people_with_sane_skeletons(movenet, name):
    image = read_image(EXAMPLES / name)
    h, w = image.shape[:2]
    people = movenet.detect(image)
    assert len(people) >= 2
    assert [p.id for p in people] == list(range(len(people)))
    assert all(people[k].score >= people[k + 1].score >= 0.2 for k in range(len(people) - 1))
    for p in people[:2]:
        assert p.keypoints.shape == (17, 3) and p.keypoint_format == "coco17"
        assert 0 <= p.box[0] < p.box[2] <= w and 0 <= p.box[1] < p.box[3] <= h
        good = p.keypoints[:, 2] >= 0.3
        assert good.sum() >= 5
        # confident keypoints land on this person's box, and the head is above the hips
        assert _inside(p.keypoints[good, :2], p.box).mean() >= 0.9
        head = p.keypoints[:5][p.keypoints[:5, 2] >= 0.3]
        hips = p.keypoints[11:13][p.keypoints[11:13, 2] >= 0.3]
        if len(head) and len(hips):
            assert head[:, 1].mean() < hips[:, 1].mean()
    # two different people, not one person twice
    assert iou_matrix(people[0].box, people[1].box)[0, 0] < 0.5


def test_movenet_on_shared_images(movenet, ww_images):
    found = 0
    for path in ww_images[:12]:
        image = read_image(path)
        h, w = image.shape[:2]
        people = movenet.detect(image)
        found += len(people) >= 2
        for p in people:
            assert 0 <= p.box[0] <= p.box[2] <= w and 0 <= p.box[1] <= p.box[3] <= h
    assert found >= 8


def test_centernet_people_and_objects(centernet):
    image = read_image(EXAMPLES / "handshake.jpg")
    people = centernet.detect(image)
    assert len(people) >= 2 and all(p.sources == ["centernet"] for p in people)
    objects = centernet.detect_objects(image)
    assert all(o.label in COCO80 and o.label != "person" for o in objects)
    assert all(o.score >= 0.3 for o in objects)
    # one model run serves both calls on the same array
    assert centernet.raw(image) is centernet.raw(image)


def test_centernet_on_shared_images_matches_movenet_people(centernet, movenet, ww_images):
    agree = 0
    for path in ww_images[:10]:
        image = read_image(path)
        c = centernet.detect(image)
        m = movenet.detect(image)
        if c and m:
            iou = iou_matrix(np.stack([p.box for p in c]), np.stack([p.box for p in m]))
            agree += (iou.max(axis=1) >= 0.5).any()
    assert agree >= 7


def test_bad_image_is_an_input_error(movenet):
    with pytest.raises(InputError, match="shape"):
        movenet.detect(np.zeros((10, 10), np.uint8))


def test_letterbox_round_trip():
    image = np.zeros((100, 50, 3), np.uint8)
    out, lb = Letterbox.apply(image, 256)
    assert out.shape == (256, 256, 3) and lb.scale == pytest.approx(2.56)
    np.testing.assert_allclose(lb.to_image(np.array([256.0, 128.0])), [100.0, 50.0])


def test_nms_keeps_best_of_overlaps():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.4]), 0.5) == [1, 2]


def test_converted_movenet_matches_numpy_executor(movenet):
    """The ONNX graph in the store equals the TF.js graph run by the numpy executor."""
    from hhikit.perception.tfjs import load_graph, run_numpy
    from hhikit.perception.tfjs_models import MOVENET, NPM_SPEC

    src = cache_dir() / "npm" / NPM_SPEC.replace("@", "").replace("/", "-") / "package" / MOVENET.extra["tfjs"]
    if not src.exists():
        pytest.skip(f"npm package not cached: {src}")
    graph = load_graph(src, MOVENET.extra["input_shape"])
    x, _ = Letterbox.apply(read_image(EXAMPLES / "handshake.jpg"), 256)
    x = x[None].astype(np.int32)
    ref = next(iter(run_numpy(graph, {"input": x}).values()))
    got = next(iter(movenet.model(x).values()))
    np.testing.assert_allclose(got, ref, atol=1e-4)
    assert (ref[0, :, 55] >= 0.2).sum() >= 2  # two people in the reference output too


def test_centernet_cache_never_serves_another_image(centernet, ww_images):
    a = read_image(ww_images[0]).copy()
    first = centernet.raw(a).copy()
    b = a.copy()
    b[: b.shape[0] // 2] = 0  # same shape, other content
    assert not np.array_equal(centernet.raw(b), first)
    a[:] = 0  # edited in place: run again
    assert not np.array_equal(centernet.raw(a), first)
