"""The ONNX converter: converted graphs run in onnxruntime and match the numpy executor."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from hhikit.perception.tfjs import load_graph, run_numpy
from hhikit.perception.tfjs_onnx import convert
from tests.perception.tfjs_graphs import GraphBuilder, cnn_graph, shape_graph


def run_onnx(model, feeds):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds), strict=True))


@pytest.mark.parametrize("quant", [None, "float16", "uint8"])
def test_cnn_graph_matches_executor(tmp_path, quant):
    rng = np.random.default_rng(1)
    g = GraphBuilder()
    graph = load_graph(g.write(tmp_path, cnn_graph(g, rng, quant)))
    model = convert(graph)
    ops = {n.op_type for n in model.graph.node}
    assert "HardSwish" in ops and "Conv" in ops  # the hard-swish pattern was recognised
    for _ in range(2):  # the sample used to fix shapes is not baked into the graph
        x = rng.normal(size=(1, 9, 8, 3)).astype(np.float32) * 3
        ref = run_numpy(graph, {"x": x})
        got = run_onnx(model, {"x": x})
        assert set(got) == set(ref)
        for k in ref:
            assert got[k].shape == ref[k].shape
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-4, atol=1e-4 * max(1.0, np.abs(ref[k]).max()))


def test_shape_graph_is_folded_and_matches(tmp_path):
    g = GraphBuilder()
    graph = load_graph(g.write(tmp_path, shape_graph(g)))
    model = convert(graph)
    ops = {n.op_type for n in model.graph.node}
    assert "Shape" not in ops and "Range" not in ops  # shape arithmetic became constants
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 3, 4, 2)).astype(np.float32)
    ref = run_numpy(graph, {"x": x})
    got = run_onnx(model, {"x": x})
    for k in ref:
        assert got[k].dtype == ref[k].dtype, k
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-6, err_msg=k)


def test_unsupported_op_is_named(tmp_path):
    g = GraphBuilder()
    x = g.input("x", [2])
    g.op("y", "Erfinv", [x])
    graph = load_graph(g.write(tmp_path, ["y"]))
    with pytest.raises(NotImplementedError, match="Erfinv"):
        convert(graph)


def test_uniform_constants_become_scalars_and_neutral_ops_vanish(tmp_path):
    """``x - [0, 0, 0]`` is dropped and ``x * [c, c, c]`` uses a scalar (onnxruntime's fast
    path); a uniform constant that widens the result is left as it is."""
    g = GraphBuilder()
    x = g.input("x", [1, 4, 5, 3])
    a = g.op("a", "Sub", [x, g.const("zero", np.zeros((1, 1, 1, 3), np.float32))])
    m = g.op("m", "Mul", [a, g.const("half", np.full((1, 1, 1, 3), 0.5, np.float32))])
    y = g.op("y", "Add", [m, g.const("bias", np.array([1.0, 2.0, 3.0], np.float32))])  # not uniform
    g.op("w", "Mul", [y, g.const("wide", np.full((2, 1, 1, 1), 2.0, np.float32))])  # widens to (2, 4, 5, 3)
    graph = load_graph(g.write(tmp_path, ["y", "w"]))
    model = convert(graph)
    inits = {t.name: t for t in model.graph.initializer}
    by_op: dict[str, list] = {}
    for n in model.graph.node:
        by_op.setdefault(n.op_type, []).append(n)
    assert "Sub" not in by_op  # x - 0 is x
    shapes = [[list(inits[i].dims) for i in n.input if i in inits] for n in by_op["Mul"]]
    assert sorted(shapes) == [[[]], [[2, 1, 1, 1]]]  # the scalar, and the widening one kept
    assert [list(inits[i].dims) for n in by_op["Add"] for i in n.input if i in inits] == [[3]]
    xv = np.random.default_rng(3).normal(size=(1, 4, 5, 3)).astype(np.float32)
    ref = run_numpy(graph, {"x": xv}, outputs=["y", "w"])
    got = run_onnx(model, {"x": xv})
    for k in ("y", "w"):
        assert got[k].shape == ref[k].shape
        np.testing.assert_array_equal(got[k], ref[k])
