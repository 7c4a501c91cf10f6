"""int8 copies of the converted TF.js models (static quantisation with onnxruntime).

Made at set-up time (``hhi models setup``, step ``tfjs-human-models``) from the float
graphs, deterministically: the calibration inputs are the project's own example photos
(``examples/images``, never the evaluation images) with fixed flips and crops, and the
activation ranges are their min/max. Weights are int8 per output channel, activations
uint8. Two rewrites come first, both exact in float, so onnxruntime can keep the data
path in int8 from one convolution to the next:

- ``ReduceMean`` over H and W (squeeze-and-excitation) -> ``GlobalAveragePool`` (which
  has an int8 kernel; a float ``ReduceMean`` on an NHWC int8 graph cost CenterNet 17 ms);
- ``HardSwish(x)`` -> ``x * Clip(x / 6 + 0.5, 0, 1)`` (element-wise ops that have int8
  kernels; otherwise each one is de-quantised and quantised again).

How much faster and what it changes: docs/perception.md ("int8").
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.perception.imageops import Letterbox

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "images"


def calibration_images(folder: Path = EXAMPLES) -> list[np.ndarray]:
    """The bundled example photos, each as is, three 70% crops (top-left, bottom-right,
    centre) and a 50% centre crop, all also mirrored: 10 RGB images per photo."""
    from hhikit.io.images import read_image

    paths = sorted(folder.glob("*.jpg"))
    if not paths:
        raise ModelUnavailable(f"int8 calibration: no example photos in {folder} (they ship with hhikit)")
    out: list[np.ndarray] = []
    for p in paths:
        image = read_image(p)
        for a in (image, np.ascontiguousarray(image[:, ::-1])):
            h, w = a.shape[:2]
            out.append(a)
            for f, corner in ((0.7, "tl"), (0.7, "br"), (0.7, "c"), (0.5, "c")):
                ch, cw = int(h * f), int(w * f)
                y0, x0 = {"tl": (0, 0), "br": (h - ch, w - cw), "c": ((h - ch) // 2, (w - cw) // 2)}[corner]
                out.append(np.ascontiguousarray(a[y0 : y0 + ch, x0 : x0 + cw]))
    return out


def prepare(model):
    """Rewrite ``ReduceMean`` over H, W as ``GlobalAveragePool`` and ``HardSwish`` as
    element-wise ops (see the module docstring); returns the model (changed in place)."""
    from onnx import helper, numpy_helper

    g = model.graph
    nodes = []
    for n in g.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        base = f"{n.output[0]}/hhikit_int8"
        if n.op_type == "ReduceMean" and list(attrs.get("axes", [])) == [1, 2] and attrs.get("keepdims", 1) == 1:
            nodes += [
                helper.make_node("Transpose", [n.input[0]], [f"{base}/nchw"], perm=[0, 3, 1, 2], name=f"{base}/nchw"),
                helper.make_node("GlobalAveragePool", [f"{base}/nchw"], [f"{base}/pool"], name=f"{base}/pool"),
                helper.make_node("Transpose", [f"{base}/pool"], [n.output[0]], perm=[0, 2, 3, 1], name=f"{base}/nhwc"),
            ]  # fmt: skip
        elif n.op_type == "HardSwish":
            for name, value in (("sixth", 1 / 6), ("half", 0.5), ("zero", 0.0), ("one", 1.0)):
                g.initializer.append(numpy_helper.from_array(np.array(value, np.float32), f"{base}/{name}"))
            nodes += [
                helper.make_node("Mul", [n.input[0], f"{base}/sixth"], [f"{base}/a"], name=f"{base}/a"),
                helper.make_node("Add", [f"{base}/a", f"{base}/half"], [f"{base}/b"], name=f"{base}/b"),
                helper.make_node("Clip", [f"{base}/b", f"{base}/zero", f"{base}/one"], [f"{base}/c"], name=f"{base}/c"),
                helper.make_node("Mul", [n.input[0], f"{base}/c"], [n.output[0]], name=f"{base}/d"),
            ]  # fmt: skip
        else:
            nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    return model


def body_nodes(model, heads: bool = True) -> list[str]:
    """Names of the nodes to quantise: those with a convolution downstream of their output
    (the network body). The last convolutions (the heads) and everything after them
    (decoding, peak picking, top-k) stay float, so scores and boxes keep their precision.
    Unnamed nodes are named here (in place)."""
    g = model.graph
    for i, n in enumerate(g.node):
        if not n.name:
            n.name = f"hhikit_node_{i}"
    consumers: dict[str, list] = {}
    for n in g.node:
        for t in n.input:
            consumers.setdefault(t, []).append(n)
    feeds_conv: dict[str, bool] = {}

    def reaches_conv(n) -> bool:  # a Conv strictly downstream of n (graphs are small DAGs)
        if n.name not in feeds_conv:
            feeds_conv[n.name] = False
            feeds_conv[n.name] = any(
                c.op_type == "Conv" or reaches_conv(c) for t in n.output for c in consumers.get(t, [])
            )
        return feeds_conv[n.name]

    for n in reversed(g.node):  # outputs first keeps the recursion shallow
        reaches_conv(n)
    return [n.name for n in g.node if feeds_conv[n.name] or (heads and n.op_type == "Conv")]


class _Feeds:
    """onnxruntime calibration reader over letterboxed calibration images."""

    def __init__(self, name: str, size: int, dtype: type, images: list[np.ndarray]) -> None:

        self._it: Iterator[dict[str, np.ndarray]] = iter(
            [{name: Letterbox.apply(im, size)[0][None].astype(dtype)} for im in images]
        )

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)


def quantize(src: Path, dst: Path, qdq: bool = False, images: list[np.ndarray] | None = None) -> None:
    """Write the int8 copy of the float model ``src`` (square NHWC input) to ``dst``.
    ``qdq``: QuantizeLinear/DequantizeLinear pairs instead of QLinear* operators (MoveNet:
    the operator format fails on one of its shared constants)."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    images = calibration_images() if images is None else images
    ort.set_default_logger_severity(3)  # quant_pre_process's sessions warn about unused constants
    with tempfile.TemporaryDirectory(prefix="hhikit-int8-") as tmp:
        prepared, pre = Path(tmp) / "prepared.onnx", Path(tmp) / "pre.onnx"
        onnx.save(prepare(onnx.load(str(src))), str(prepared))
        quant_pre_process(str(prepared), str(pre), skip_symbolic_shape=True)
        model = onnx.load(str(pre))
        body = body_nodes(model)
        onnx.save(model, str(pre))
        so = ort.SessionOptions()
        so.log_severity_level = 3
        inp = ort.InferenceSession(str(pre), so, providers=["CPUExecutionProvider"]).get_inputs()[0]
        size = int(inp.shape[1])
        dtype = np.int32 if inp.type == "tensor(int32)" else np.float32
        quantize_static(
            str(pre), str(dst), _Feeds(inp.name, size, dtype, images),
            quant_format=QuantFormat.QDQ if qdq else QuantFormat.QOperator, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax, nodes_to_quantize=body, extra_options={"DedicatedQDQPair": True},
        )  # fmt: skip
