"""int8 copies of the converted models (``hhikit/perception/int8.py``): the float rewrites
are exact, only the network body is quantised, calibration is deterministic, and the int8
detectors agree with the float ones on a real photo."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from hhikit.errors import ModelUnavailable
from hhikit.io.images import read_image
from hhikit.perception.base import get_detector
from hhikit.perception.int8 import body_nodes, calibration_images, prepare
from hhikit.perception.tfjs_backend import iou_matrix
from tests.conftest import EXAMPLES


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return s.run(None, {"x": x})[0]


def _tiny_graph() -> onnx.ModelProto:
    """NHWC input -> conv (wrapped in transposes) -> HardSwish -> SE mean -> scale -> conv -> sigmoid."""
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.normal(size=(2, 4, 1, 1)).astype(np.float32), "w2")
    nodes = [
        helper.make_node("Transpose", ["x"], ["x_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["x_nchw", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Transpose", ["c1"], ["c1_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("HardSwish", ["c1_nhwc"], ["hs"]),
        helper.make_node("ReduceMean", ["hs"], ["se"], axes=[1, 2], keepdims=1),
        helper.make_node("Mul", ["hs", "se"], ["scaled"]),
        helper.make_node("Transpose", ["scaled"], ["s_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["s_nchw", "w2"], ["c2"]),
        helper.make_node("Sigmoid", ["c2"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 8, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 8, 8])], [w1, w2],
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def test_prepare_is_exact_and_removes_the_ops_without_int8_kernels():
    model = _tiny_graph()
    x = np.random.default_rng(1).normal(scale=3, size=(1, 8, 8, 3)).astype(np.float32)
    before = _run(model, x)
    prepared = prepare(_tiny_graph())
    ops = [n.op_type for n in prepared.graph.node]
    assert "HardSwish" not in ops and "ReduceMean" not in ops and "GlobalAveragePool" in ops
    np.testing.assert_allclose(_run(prepared, x), before, rtol=1e-5, atol=1e-6)


def test_body_nodes_leave_the_tail_float():
    model = prepare(_tiny_graph())
    body = set(body_nodes(model))
    by_name = {n.name: n for n in model.graph.node}
    assert all(n.name for n in model.graph.node)  # unnamed nodes got names
    assert {by_name[b].op_type for b in body} >= {"Conv", "Mul", "Clip", "GlobalAveragePool"}
    assert not any(by_name[b].op_type == "Sigmoid" for b in body)  # decoding after the last conv
    heads_float = set(body_nodes(model, heads=False))
    assert sum(by_name[b].op_type == "Conv" for b in body - heads_float) == 1  # only the last conv


def test_calibration_images_are_the_examples_flipped_and_cropped():
    a, b = calibration_images(), calibration_images()
    assert len(a) == 10 * len(sorted(EXAMPLES.glob("*.jpg"))) == 30
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    first = read_image(sorted(EXAMPLES.glob("*.jpg"))[0])
    assert np.array_equal(a[0], first) and np.array_equal(a[5], first[:, ::-1])


def test_calibration_needs_the_photos(tmp_path):
    with pytest.raises(ModelUnavailable, match="no example photos"):
        calibration_images(tmp_path)


@pytest.fixture(scope="module")
def fusions():
    try:
        return {p: get_detector("fusion", precision=p, threads=1) for p in ("fp32", "int8")}
    except ModelUnavailable as exc:
        pytest.skip(f"run `hhi models setup movenet-multipose centernet`: {exc}")


def test_int8_fusion_agrees_with_fp32_on_the_handshake(fusions):
    """Same two people on the bundled handshake photo, boxes within IoU 0.8."""
    image = read_image(EXAMPLES / "handshake.jpg")
    found = {p: det.detect(image) for p, det in fusions.items()}
    assert len(found["fp32"]) == len(found["int8"]) == 2
    a = np.stack([q.box for q in found["fp32"]])
    b = np.stack([q.box for q in found["int8"]])
    iou = iou_matrix(a, b)
    assert (iou.max(axis=1) >= 0.8).all() and len(set(iou.argmax(axis=1))) == 2
    assert all(q.keypoints is not None and q.keypoints.shape == (17, 3) for q in found["int8"])


def test_int8_models_are_int8(fusions):
    """The int8 files really run integer convolutions (not a float copy)."""
    for model in (fusions["int8"].movenet.model, fusions["int8"].centernet.model):
        assert model.path.name.endswith("-int8.onnx")
        ops = {n.op_type for n in onnx.load(str(model.path)).graph.node}
        assert ops & {"QLinearConv", "QuantizeLinear"}, model.path


def test_file_names_and_unknown_precision():
    from hhikit.errors import ConfigError
    from hhikit.perception.tfjs_models import CENTERNET, MOVENET, onnx_file

    assert onnx_file("centernet-512") == "centernet-512.onnx" in CENTERNET.files
    assert onnx_file("centernet-512", "int8") in CENTERNET.extra["int8_files"]
    assert onnx_file("movenet-multipose-256", "int8") in MOVENET.extra["int8_files"]
    with pytest.raises(ConfigError, match="precision"):
        onnx_file("centernet-512", "fp16")


def test_store_without_int8_copies_runs_float_and_asks_for_setup(tmp_path, monkeypatch):
    """A store set up before the int8 copies existed (version 2) still resolves for the
    float models; ``precision="int8"`` there says to run ``hhi models setup``, and set-up
    would convert it again (older version stamp)."""
    from hhikit.models.setup import SETUP_STAMP, needs_setup
    from hhikit.models.store import resolve
    from hhikit.perception.tfjs_models import CENTERNET

    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path))
    old = tmp_path / "models" / "centernet"
    old.mkdir(parents=True)
    for f in CENTERNET.files:
        (old / f).write_bytes(b"float")
    (old / SETUP_STAMP).write_text("2")
    assert resolve("centernet").root == old and needs_setup(CENTERNET)
    with pytest.raises(ModelUnavailable, match=r"centernet-512-int8\.onnx is missing.*hhi models setup centernet"):
        get_detector("centernet", precision="int8")


def test_setup_without_calibration_photos_still_makes_the_float_model(tmp_path, monkeypatch, capsys):
    """A wheel install has no examples/ folder: the int8 copies are skipped, not the set-up."""
    import hhikit.perception.tfjs.int8 as int8
    from hhikit.perception.tfjs_models import MOVENET, _setup_tfjs

    def no_photos(folder=tmp_path / "no-photos"):
        return calibration_images(folder)

    monkeypatch.setattr(int8, "calibration_images", no_photos)

    def no_quantize(*args, **kwargs):
        raise AssertionError("quantize must not run without calibration photos")

    monkeypatch.setattr(int8, "quantize", no_quantize)
    out = tmp_path / "store"
    out.mkdir()
    _setup_tfjs(MOVENET, out)
    assert (out / "movenet-multipose-256.onnx").is_file()
    assert not (out / "movenet-multipose-256-int8.onnx").exists()
    assert "skipping the int8 copies" in capsys.readouterr().err
