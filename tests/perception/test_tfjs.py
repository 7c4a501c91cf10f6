"""The TF.js loader and the numpy executor against plain numpy/OpenCV references."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hhikit.errors import ModelUnavailable
from hhikit.perception.tfjs import load_graph, run_numpy, same_pads
from tests.perception.tfjs_graphs import GraphBuilder, b, dtype, i, ints, s, shape_graph, strs

RNG = np.random.default_rng(0)


def naive_conv(x: np.ndarray, w: np.ndarray, stride: int, same: bool, depthwise: bool = False) -> np.ndarray:
    """Direct-formula NHWC convolution (TF SAME/VALID), written independently of the executor."""
    n, h, wd, c = x.shape
    kh, kw = w.shape[:2]
    if same:
        oh, ow = -(-h // stride), -(-wd // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - wd, 0)
        top, left = ph // 2, pw // 2
    else:
        oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
        top = left = 0
    cout = c * w.shape[3] if depthwise else w.shape[3]
    out = np.zeros((n, oh, ow, cout), np.float64)
    for y in range(oh):
        for xx in range(ow):
            for ky in range(kh):
                for kx in range(kw):
                    iy, ix = y * stride + ky - top, xx * stride + kx - left
                    if 0 <= iy < h and 0 <= ix < wd:
                        if depthwise:
                            out[:, y, xx] += (x[:, iy, ix, :, None] * w[ky, kx]).reshape(n, -1)
                        else:
                            out[:, y, xx] += x[:, iy, ix] @ w[ky, kx]
    return out


@pytest.mark.parametrize("quant", [None, "float16", "uint8", "uint16"])
def test_weights_dequantised(tmp_path, quant):
    g = GraphBuilder()
    x = g.input("x", [2, 3])
    w = RNG.normal(size=(2, 3)).astype(np.float32)
    g.op("y", "AddV2", [x, g.const("w", w, quant)], T=dtype("DT_FLOAT"))
    graph = load_graph(g.write(tmp_path, ["y"]))
    got = graph.weights["w"]
    tol = {None: 0, "float16": 2e-3, "uint16": 1e-4 * np.ptp(w), "uint8": np.ptp(w) / 255}[quant]
    assert got.dtype == np.float32 and got.shape == (2, 3)
    assert np.abs(got - w).max() <= tol + 1e-7
    out = run_numpy(graph, {"x": np.ones((2, 3), np.float32)})["y"]
    np.testing.assert_allclose(out, got + 1, rtol=1e-6)


@pytest.mark.parametrize("stride,padding", [(1, "SAME"), (2, "SAME"), (2, "VALID")])
def test_conv_and_depthwise_match_direct_formula(tmp_path, stride, padding):
    g = GraphBuilder()
    x = g.input("x", [1, 7, 6, 3])
    w = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
    dw = RNG.normal(size=(3, 3, 3, 2)).astype(np.float32)
    common = {
        "strides": ints(1, stride, stride, 1),
        "padding": s(padding),
        "data_format": s("NHWC"),
        "dilations": ints(1, 1, 1, 1),
    }
    g.op("conv", "Conv2D", [x, g.const("w", w)], **common)
    g.op("dw", "DepthwiseConv2dNative", [x, g.const("dw_w", dw)], **common)
    graph = load_graph(g.write(tmp_path, ["conv", "dw"]))
    xv = RNG.normal(size=(1, 7, 6, 3)).astype(np.float32)
    out = run_numpy(graph, {"x": xv})
    np.testing.assert_allclose(out["conv"], naive_conv(xv, w, stride, padding == "SAME"), atol=1e-4)
    np.testing.assert_allclose(out["dw"], naive_conv(xv, dw, stride, padding == "SAME", depthwise=True), atol=1e-4)


def test_fused_conv_bias_batchnorm_relu6(tmp_path):
    g = GraphBuilder()
    x = g.input("x", [1, 5, 5, 2])
    w = RNG.normal(size=(1, 1, 2, 3)).astype(np.float32) * 3
    bias = RNG.normal(size=3).astype(np.float32)
    bn = [RNG.uniform(0.5, 2, 3), RNG.normal(size=3), RNG.normal(size=3), RNG.uniform(0.5, 2, 3)]
    common = {
        "strides": ints(1, 1, 1, 1),
        "padding": s("SAME"),
        "data_format": s("NHWC"),
        "dilations": ints(1, 1, 1, 1),
    }
    g.op(
        "f1",
        "_FusedConv2D",
        [x, g.const("w", w), g.const("b", bias)],
        fused_ops=strs("BiasAdd", "Relu6"),
        num_args=i(1),
        **common,
    )
    bn_names = [g.const(f"bn{k}", v.astype(np.float32)) for k, v in enumerate(bn)]
    g.op(
        "f2",
        "_FusedConv2D",
        [x, "w", *bn_names],
        fused_ops=strs("FusedBatchNorm", "Relu"),
        num_args=i(4),
        epsilon={"f": 0.001},
        **common,
    )
    graph = load_graph(g.write(tmp_path, ["f1", "f2"]))
    xv = RNG.normal(size=(1, 5, 5, 2)).astype(np.float32)
    out = run_numpy(graph, {"x": xv})
    lin = xv @ w[0, 0]
    np.testing.assert_allclose(out["f1"], np.clip(lin + bias, 0, 6), atol=1e-5)
    ref2 = np.maximum((lin - bn[2]) * bn[0] / np.sqrt(bn[3] + 0.001) + bn[1], 0)
    np.testing.assert_allclose(out["f2"], ref2, atol=1e-5)


def test_resize_matches_opencv_and_maxpool(tmp_path):
    g = GraphBuilder()
    x = g.input("x", [1, 4, 5, 2])
    size = g.const("size", np.array([8, 10], np.int32))
    g.op("bil", "ResizeBilinear", [x, size], align_corners=b(False), half_pixel_centers=b(True))
    g.op("nn", "ResizeNearestNeighbor", [x, size], align_corners=b(False), half_pixel_centers=b(False))
    g.op(
        "pool",
        "MaxPool",
        [x],
        ksize=ints(1, 3, 3, 1),
        strides=ints(1, 2, 2, 1),
        padding=s("SAME"),
        data_format=s("NHWC"),
    )
    graph = load_graph(g.write(tmp_path, ["bil", "nn", "pool"]))
    xv = RNG.normal(size=(1, 4, 5, 2)).astype(np.float32)
    out = run_numpy(graph, {"x": xv})
    np.testing.assert_allclose(out["bil"][0], cv2.resize(xv[0], (10, 8), interpolation=cv2.INTER_LINEAR), atol=1e-5)
    np.testing.assert_allclose(out["nn"][0], cv2.resize(xv[0], (10, 8), interpolation=cv2.INTER_NEAREST), atol=0)
    t, bt = same_pads(4, 3, 2, 1)
    lft, r = same_pads(5, 3, 2, 1)
    xp = np.pad(xv, ((0, 0), (t, bt), (lft, r), (0, 0)), constant_values=-np.inf)
    ref = np.array(
        [[xp[0, 2 * yy : 2 * yy + 3, 2 * xx : 2 * xx + 3].max(axis=(0, 1)) for xx in range(3)] for yy in range(2)]
    )
    np.testing.assert_allclose(out["pool"][0], ref)


def test_shape_arithmetic_slicing_and_gathers(tmp_path):
    """Shape -> StridedSlice -> Pack -> Reshape, plus TopK / floordiv / mod / GatherNd / Select."""
    g = GraphBuilder()
    graph = load_graph(g.write(tmp_path, shape_graph(g)))
    xv = RNG.normal(size=(1, 3, 4, 2)).astype(np.float32)
    out = run_numpy(graph, {"x": xv})
    np.testing.assert_array_equal(out["flat"], xv.reshape(1, 12, 2))
    np.testing.assert_array_equal(out["rev"], xv[:, ::-1])
    order = np.argsort(-xv[0, :, :, 0].reshape(-1))[:3]
    np.testing.assert_array_equal(out["top:1"][0], order)
    np.testing.assert_array_equal(out["picked"][0], xv[0, order // 4, order % 4])
    np.testing.assert_array_equal(out["sel"], np.where(out["top"] > 0, out["top"], 0))
    np.testing.assert_array_equal(out["cat"], np.concatenate([out["picked"][:, 2], out["picked"][:, 0]], -1))
    np.testing.assert_array_equal(out["gath"], xv[:, :, [2, 0]])
    np.testing.assert_allclose(out["m"], xv.mean(axis=(1, 2), keepdims=True), rtol=1e-6)


def test_not_a_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text("{}")
    with pytest.raises(ModelUnavailable, match="not a TF.js graph model"):
        load_graph(bad)
