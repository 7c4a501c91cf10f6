"""Build tiny TF.js graph models by hand (model.json + one weight shard) for the tests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np


def s(v: str) -> dict[str, str]:
    return {"s": base64.b64encode(v.encode()).decode()}


def ints(*v: int) -> dict[str, Any]:
    return {"list": {"i": [str(x) for x in v]}}


def strs(*v: str) -> dict[str, Any]:
    return {"list": {"s": [base64.b64encode(x.encode()).decode() for x in v]}}


def i(v: int) -> dict[str, str]:
    return {"i": str(v)}


def b(v: bool) -> dict[str, bool]:
    return {"b": v}


def dtype(name: str) -> dict[str, str]:
    return {"type": name}


class GraphBuilder:
    """Collects nodes and constants; ``write`` produces a loadable model directory."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.consts: list[tuple[str, np.ndarray, str | None]] = []
        self.inputs: dict[str, tuple[list[int], str]] = {}

    def input(self, name: str, shape: list[int], tf_dtype: str = "DT_FLOAT") -> str:
        self.nodes.append(
            {
                "name": name,
                "op": "Placeholder",
                "attr": {"dtype": dtype(tf_dtype), "shape": {"shape": {"dim": [{"size": str(d)} for d in shape]}}},
            }
        )
        self.inputs[name] = (shape, tf_dtype)
        return name

    def const(self, name: str, value: Any, quant: str | None = None) -> str:
        """A constant; ``quant`` stores it as ``float16``, ``uint8`` or ``uint16``."""
        arr = np.asarray(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        if arr.dtype == np.int64:
            arr = arr.astype(np.int32)
        self.nodes.append({"name": name, "op": "Const", "attr": {}})
        self.consts.append((name, arr, quant))
        return name

    def op(self, name: str, op: str, inputs: list[str], **attr: Any) -> str:
        self.nodes.append({"name": name, "op": op, "input": inputs, "attr": attr})
        return name

    def write(self, folder: Path, outputs: list[str]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        blob = bytearray()
        manifest = []
        for name, arr, quant in self.consts:
            entry: dict[str, Any] = {
                "name": name,
                "shape": list(arr.shape),
                "dtype": {np.dtype(np.float32): "float32", np.dtype(np.int32): "int32", np.dtype(np.bool_): "bool"}[
                    arr.dtype
                ],
            }
            if quant == "float16":
                blob += arr.astype(np.float16).tobytes()
                entry["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            elif quant in ("uint8", "uint16"):
                lo, hi = float(arr.min()), float(arr.max())
                levels = 255 if quant == "uint8" else 65535
                scale = (hi - lo) / levels if hi > lo else 1.0
                q = np.round((arr - lo) / scale).astype(quant)
                blob += q.tobytes()
                entry["quantization"] = {"dtype": quant, "scale": scale, "min": lo, "original_dtype": "float32"}
            else:
                blob += arr.tobytes()
            manifest.append(entry)
        (folder / "group1-shard1of1.bin").write_bytes(bytes(blob))
        sig_in = {
            k: {"name": k, "dtype": dt, "tensorShape": {"dim": [{"size": str(d)} for d in shp]}}
            for k, (shp, dt) in self.inputs.items()
        }
        spec = {
            "format": "graph-model",
            "modelTopology": {"node": self.nodes, "library": {}, "versions": {}},
            "signature": {"inputs": sig_in, "outputs": {o: {"name": o} for o in outputs}},
            "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": manifest}],
        }
        path = folder / "model.json"
        path.write_text(json.dumps(spec))
        return path


def shape_graph(g: GraphBuilder) -> list[str]:
    """Input ``x`` (1, 3, 4, 2): Shape -> StridedSlice -> Pack -> Reshape, TopK, floordiv,
    mod, GatherNd, Select, Unpack, ConcatV2, GatherV2, Mean. Returns the outputs."""
    x = g.input("x", [1, 3, 4, 2])
    g.op("shape", "Shape", [x], out_type=dtype("DT_INT32"))
    ss = {"begin_mask": i(0), "end_mask": i(0), "ellipsis_mask": i(0), "new_axis_mask": i(0), "shrink_axis_mask": i(1)}
    g.op("h", "StridedSlice", ["shape", g.const("b1", [1]), g.const("e1", [2]), g.const("s1", [1])], **ss)
    g.op("w", "StridedSlice", ["shape", g.const("b2", [2]), g.const("e2", [3]), g.const("s2", [1])], **ss)
    g.op("hw", "Mul", ["h", "w"], T=dtype("DT_INT32"))
    g.op("newshape", "Pack", [g.const("one", np.int32(1)), "hw", g.const("minus1", np.int32(-1))], axis=i(0))
    g.op("flat", "Reshape", [x, "newshape"])
    g.op("ch0", "StridedSlice", ["flat", g.const("b3", [0, 0, 0]), g.const("e3", [0, 0, 1]), g.const("s3", [1, 1, 1])],
         begin_mask=i(3), end_mask=i(3), ellipsis_mask=i(0), new_axis_mask=i(0), shrink_axis_mask=i(4))  # fmt: skip
    g.op("rev", "StridedSlice", [x, g.const("b4", [0, -1]), g.const("e4", [0, 0]), g.const("s4", [1, -1])],
         begin_mask=i(1), end_mask=i(3), ellipsis_mask=i(0), new_axis_mask=i(0), shrink_axis_mask=i(0))  # fmt: skip
    g.op("top", "TopKV2", ["ch0", g.const("k", np.int32(3))], sorted=b(True))
    g.op("row", "FloorDiv", ["top:1", g.const("four", np.int32(4))])
    g.op("col", "FloorMod", ["top:1", "four"])
    g.op("zero", "Mul", ["row", g.const("zero_c", np.int32(0))])
    g.op("idx", "Pack", ["zero", "row", "col"], axis=i(-1))
    g.op("picked", "GatherNd", [x, "idx"])
    g.op("big", "Greater", ["top", g.const("thr", np.float32(0.0))])
    g.op("sel", "Select", ["big", "top", g.const("zeros", np.zeros((1, 3), np.float32))])
    g.op("parts", "Unpack", ["picked"], num=i(3), axis=i(1))
    g.op("cat", "ConcatV2", ["parts:2", "parts", g.const("ax", np.int32(-1))])
    g.op(
        "gath", "GatherV2", [x, g.const("gi", np.array([2, 0], np.int32)), g.const("gax", np.int32(2))], batch_dims=i(0)
    )
    g.op("m", "Mean", [x, g.const("axes", np.array([1, 2], np.int32))], keep_dims=b(True))
    return ["flat", "rev", "top", "top:1", "picked", "sel", "cat", "gath", "m"]


def cnn_graph(g: GraphBuilder, rng: np.random.Generator, quant: str | None = "float16") -> list[str]:
    """Input ``x`` (1, 9, 8, 3): the layer types of MobileNet-style detectors (fused conv +
    batch norm, depthwise, hard-swish written out, residual add, SE mean, max pool, both
    resizes, sigmoid, concat). Returns the outputs."""
    x = g.input("x", [1, 9, 8, 3])
    common = {"padding": s("SAME"), "data_format": s("NHWC"), "dilations": ints(1, 1, 1, 1)}
    f32 = np.float32
    g.op("c1", "_FusedConv2D", [x, g.const("w1", rng.normal(size=(3, 3, 3, 8)).astype(f32), quant),
         *[g.const(f"bn{k}", v.astype(f32)) for k, v in enumerate([rng.uniform(0.5, 2, 8), rng.normal(size=8), rng.normal(size=8), rng.uniform(0.5, 2, 8)])]],
         fused_ops=strs("FusedBatchNorm"), num_args=i(4), epsilon={"f": 0.001}, strides=ints(1, 2, 2, 1), **common)  # fmt: skip
    g.op("hs_mul", "Mul", [g.const("sixth", np.float32(1 / 6)), "c1"])
    g.op("hs_add", "Add", ["c1", g.const("three", np.float32(3))])
    g.op("hs_r6", "Relu6", ["hs_add"])
    g.op("hs", "Mul", ["hs_mul", "hs_r6"])
    g.op("dw", "FusedDepthwiseConv2dNative", ["hs", g.const("dw_w", rng.normal(size=(3, 3, 8, 1)).astype(f32), quant),
         g.const("dw_b", rng.normal(size=8).astype(f32))], fused_ops=strs("BiasAdd", "Relu6"), num_args=i(1),
         strides=ints(1, 1, 1, 1), **common)  # fmt: skip
    g.op("res", "AddV2", ["dw", "hs"])
    g.op("se", "Mean", ["res", g.const("se_axes", np.array([1, 2], np.int32))], keep_dims=b(True))
    g.op("scaled", "Mul", ["res", g.op("se_sig", "Sigmoid", ["se"])])
    g.op(
        "pool",
        "MaxPool",
        ["scaled"],
        ksize=ints(1, 3, 3, 1),
        strides=ints(1, 1, 1, 1),
        padding=s("SAME"),
        data_format=s("NHWC"),
    )
    g.op(
        "up",
        "ResizeBilinear",
        ["pool", g.const("up_size", np.array([10, 8], np.int32))],
        align_corners=b(False),
        half_pixel_centers=b(True),
    )
    g.op("up_ac", "ResizeBilinear", ["pool", "up_size"], align_corners=b(True), half_pixel_centers=b(False))
    g.op("up_nn", "ResizeNearestNeighbor", ["pool", "up_size"], align_corners=b(False), half_pixel_centers=b(True))
    g.op("cat", "ConcatV2", ["up", "up_ac", "up_nn", g.const("cat_ax", np.int32(3))])
    g.op(
        "head",
        "Conv2D",
        ["cat", g.const("hw", rng.normal(size=(1, 1, 24, 2)).astype(f32))],
        strides=ints(1, 1, 1, 1),
        **common,
    )
    g.op("pad", "Pad", ["head", g.const("pads", np.array([[0, 0], [1, 0], [0, 2], [0, 0]], np.int32))])
    g.op("t", "Transpose", ["pad", g.const("perm", np.array([0, 3, 1, 2], np.int32))])
    return ["t", "hs"]
