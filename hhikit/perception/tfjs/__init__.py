"""TF.js human models (MoveNet MultiPose, CenterNet) converted to ONNX, without TensorFlow.

Preparation (``hhi models setup``; never imported at run time): ``graph`` (TF.js graph
reader), ``reference`` (numpy reference executor), ``onnx_ops`` + ``convert`` (ONNX
conversion), ``int8`` (static quantisation), ``prepare`` (the set-up step). Run time:
``cards``, ``runtime`` (onnxruntime sessions), ``movenet``, ``centernet``.

The old names of ``hhikit.perception.tfjs`` (the graph reader and the executor) resolve
lazily here for one release, so importing a run-time module never loads the preparation
code.
"""

from __future__ import annotations

import importlib
from typing import Any

_OLD_NAMES = {
    "ModelUnavailable": "hhikit.perception.tfjs.graph",
    "Node": "hhikit.perception.tfjs.graph",
    "OPS": "hhikit.perception.tfjs.reference",
    "TF_DTYPES": "hhikit.perception.tfjs.graph",
    "TfjsGraph": "hhikit.perception.tfjs.graph",
    "_MANIFEST_DTYPES": "hhikit.perception.tfjs.graph",
    "_QUANT_DTYPES": "hhikit.perception.tfjs.graph",
    "_act": "hhikit.perception.tfjs.reference",
    "_binary": "hhikit.perception.tfjs.reference",
    "_cmp": "hhikit.perception.tfjs.reference",
    "_conv": "hhikit.perception.tfjs.reference",
    "_decode_weights": "hhikit.perception.tfjs.graph",
    "_fbn": "hhikit.perception.tfjs.reference",
    "_floordiv": "hhikit.perception.tfjs.reference",
    "_gather_nd": "hhikit.perception.tfjs.reference",
    "_key": "hhikit.perception.tfjs.graph",
    "_reduce": "hhikit.perception.tfjs.reference",
    "_resize": "hhikit.perception.tfjs.reference",
    "_select": "hhikit.perception.tfjs.reference",
    "_split": "hhikit.perception.tfjs.reference",
    "_splitv": "hhikit.perception.tfjs.reference",
    "_strided_slice": "hhikit.perception.tfjs.reference",
    "_topk": "hhikit.perception.tfjs.reference",
    "_unary": "hhikit.perception.tfjs.reference",
    "apply_fused": "hhikit.perception.tfjs.reference",
    "conv_nhwc": "hhikit.perception.tfjs.reference",
    "conv_pads": "hhikit.perception.tfjs.reference",
    "decode_attr": "hhikit.perception.tfjs.graph",
    "fused_parts": "hhikit.perception.tfjs.reference",
    "load_graph": "hhikit.perception.tfjs.graph",
    "maxpool_nhwc": "hhikit.perception.tfjs.reference",
    "resize_nhwc": "hhikit.perception.tfjs.reference",
    "run_numpy": "hhikit.perception.tfjs.reference",
    "same_pads": "hhikit.perception.tfjs.reference",
    "strided_slice_spec": "hhikit.perception.tfjs.reference",
    "tensor_ref": "hhikit.perception.tfjs.graph",
    "topological": "hhikit.perception.tfjs.graph",
}


def __getattr__(name: str) -> Any:
    if name in _OLD_NAMES:
        return getattr(importlib.import_module(_OLD_NAMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
