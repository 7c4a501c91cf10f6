"""CenterNet converted at other input sizes (``retarget_centernet``) and the model store
written by older set-ups (one 512 file only)."""

from __future__ import annotations

import numpy as np
import pytest

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.io.images import read_image
from hhikit.models.setup import SETUP_STAMP, cache_dir, needs_setup
from hhikit.models.store import resolve
from hhikit.perception.base import get_detector
from hhikit.perception.tfjs import Node, TfjsGraph
from hhikit.perception.tfjs_backend import Letterbox, iou_matrix
from hhikit.perception.tfjs_models import _CENTERNET_SIZES, CENTERNET, CENTERNET_SIZES, NPM_SPEC, retarget_centernet
from tests.conftest import EXAMPLES


def _centernet_json():
    src = cache_dir() / "npm" / NPM_SPEC.replace("@", "").replace("/", "-") / "package" / CENTERNET.extra["tfjs"]
    if not src.exists():
        pytest.skip(f"npm package not cached: {src}")
    return src


@pytest.fixture(scope="module")
def centernets():
    try:
        return {s: get_detector("centernet", size=s) for s in CENTERNET_SIZES}
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup centernet`: {exc}")


def test_retarget_rewrites_exactly_the_size_constants():
    from hhikit.perception.tfjs import load_graph

    graph = load_graph(_centernet_json(), [1, 384, 256, 3])
    before = {n.name: list(n.inputs) for n in graph.nodes}
    retarget_centernet(graph, 384, 256)
    changed = {n.name for n in graph.nodes if n.name in before and n.inputs != before[n.name]}
    assert changed == set(_CENTERNET_SIZES)
    by_name = {n.name: n for n in graph.nodes}
    vals = {name: graph.weights[by_name[name].inputs[k]].tolist() for name, (k, _, _) in _CENTERNET_SIZES.items()}
    assert vals["tower_0/CenternetHead/c3_upsample/up_sampling2d_2/ResizeBilinear"] == [96, 64]
    assert vals["tower_0/BatchGather/Reshape_2"] == [96 * 64, 4]
    assert vals["tower_0/floordiv_2"] == vals["tower_0/mod_1"] == vals["tower_0/mul_2"] == 64


def test_retarget_refuses_bad_sizes_and_foreign_graphs():
    graph = TfjsGraph([Node("x", "Placeholder")], {}, {"x": ([1, 64, 64, 3], np.float32)}, ["x"])
    with pytest.raises(ValueError, match="multiples of 32"):
        retarget_centernet(graph, 300, 384)
    with pytest.raises(ModelUnavailable, match="not as expected"):
        retarget_centernet(graph, 384, 384)


def test_centernet_384_matches_numpy_executor(centernets):
    """The 384 file in the store equals the retargeted TF.js graph run by the executor."""
    from hhikit.perception.tfjs import load_graph, run_numpy

    graph = load_graph(_centernet_json(), [1, 384, 384, 3])
    retarget_centernet(graph, 384, 384)
    x, _ = Letterbox.apply(read_image(EXAMPLES / "handshake.jpg"), 384)
    x = x[None].astype(np.float32)
    ref = run_numpy(graph, {"tower_0/images": x})["tower_0/detections"][0]
    got = centernets[384].model(x)["tower_0/detections"][0]
    top = ref[:, 4] >= 0.3  # rows are sorted by score; below that, near-ties may swap
    assert top.sum() >= 2 and (ref[top, 5] == 0).sum() >= 2  # two people in the reference
    np.testing.assert_allclose(got[top, :4], ref[top, :4], atol=0.2)
    np.testing.assert_allclose(got[top, 4], ref[top, 4], atol=3e-3)
    np.testing.assert_array_equal(got[top, 5], ref[top, 5])


def test_centernet_sizes_find_the_same_two_people(centernets):
    image = read_image(EXAMPLES / "handshake.jpg")
    found = {s: det.detect(image) for s, det in centernets.items()}
    assert all(det.size == s for s, det in centernets.items())
    a, b = (np.stack([p.box for p in found[s][:2]]) for s in CENTERNET_SIZES)
    assert len(found[384]) >= 2 and len(found[512]) >= 2
    assert (iou_matrix(a, b).max(axis=1) >= 0.7).all()


def test_unknown_centernet_size_is_a_config_error(centernets):
    with pytest.raises(ConfigError, match="384"):
        get_detector("centernet", size=300)


def test_store_from_an_older_setup_asks_for_setup(tmp_path, monkeypatch):
    """Older set-ups wrote only ``centernet-512.onnx``: ``hhi models setup`` must convert
    again, and loading says how to fix it instead of failing inside onnxruntime. A store
    with every file but no current version stamp is converted again too."""
    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path))
    old = tmp_path / "models" / "centernet"
    old.mkdir(parents=True)
    (old / "centernet-512.onnx").write_bytes(b"old")
    assert needs_setup(CENTERNET)
    with pytest.raises(ModelUnavailable, match=r"centernet-384\.onnx.*hhi models setup centernet"):
        get_detector("centernet")
    for f in CENTERNET.files:
        (old / f).write_bytes(b"new")
    assert needs_setup(CENTERNET)  # every file, but converted by older code (no stamp)
    (old / SETUP_STAMP).write_text(str(CENTERNET.extra["setup_version"]))
    assert not needs_setup(CENTERNET) and resolve("centernet").root == old
