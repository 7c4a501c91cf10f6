"""TF.js graph models without TensorFlow: a loader and a numpy reference executor.

A TF.js graph model is ``model.json`` (a TF GraphDef as JSON in ``modelTopology.node``
plus a ``weightsManifest``) and binary shards holding the ``Const`` tensors, possibly
quantised (``float16``, or affine ``uint8``/``uint16`` with ``scale`` and ``min``).

The executor (``reference``) evaluates the graph op by op in numpy. It is slow but plain, and serves two
purposes: the ONNX converter (``convert``) runs it once on a fixed-size input to learn
every tensor's shape and to fold the shape arithmetic into constants, and the tests use
it as the reference the converted graph must match.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable

TF_DTYPES: dict[str, Any] = {
    "DT_FLOAT": np.float32,
    "DT_INT32": np.int32,
    "DT_INT64": np.int64,
    "DT_BOOL": np.bool_,
    "DT_UINT8": np.uint8,
    "DT_HALF": np.float16,
}
_MANIFEST_DTYPES: dict[str, Any] = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "int64": np.int64}
_QUANT_DTYPES: dict[str, Any] = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


@dataclass
class Node:
    """One GraphDef node: ``inputs`` are tensor references ``name`` or ``name:k``."""

    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    attr: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A decoded attribute: int, float, bool, str, dtype name or list of those."""
        if key not in self.attr:
            return default
        return decode_attr(self.attr[key])


@dataclass
class TfjsGraph:
    """The nodes, the constant tensors and the signature of a graph model."""

    nodes: list[Node]
    weights: dict[str, np.ndarray]
    inputs: dict[str, tuple[list[int], Any]]  # placeholder name -> (shape, numpy dtype)
    outputs: list[str]  # tensor references of the model's outputs

    @property
    def ops(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in self.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        return counts


def decode_attr(v: dict[str, Any]) -> Any:
    if "list" in v:
        lst = v["list"]
        if "i" in lst:
            return [int(x) for x in lst["i"]]
        if "s" in lst:
            return [base64.b64decode(x).decode() for x in lst["s"]]
        if "f" in lst:
            return [float(x) for x in lst["f"]]
        return []
    if "i" in v:
        return int(v["i"])
    if "f" in v:
        return float(v["f"])
    if "b" in v:
        return bool(v["b"])
    if "s" in v:
        return base64.b64decode(v["s"]).decode()
    if "type" in v:
        return v["type"]
    if "shape" in v:
        return [int(d.get("size", -1)) for d in v["shape"].get("dim", [])]
    return v


def tensor_ref(ref: str) -> tuple[str, int]:
    """``"name:1"`` -> ``("name", 1)``; ``"name"`` -> ``("name", 0)``."""
    name, sep, idx = ref.rpartition(":")
    if sep and idx.isdigit():
        return name, int(idx)
    return ref, 0


def _decode_weights(manifest: list[dict[str, Any]], base: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join((base / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            dtype = w["dtype"]
            if dtype == "string":
                raise ModelUnavailable(f"{base}: string weights ({w['name']}) are not supported")
            q = w.get("quantization")
            if q:
                qd = np.dtype(_QUANT_DTYPES[q["dtype"]])
                raw = np.frombuffer(data, dtype=qd, count=count, offset=offset)
                offset += count * qd.itemsize
                if q["dtype"] == "float16":
                    arr = raw.astype(np.float32)
                else:
                    arr = raw.astype(np.float32) * float(q["scale"]) + float(q["min"])
                arr = arr.astype(_MANIFEST_DTYPES[q.get("original_dtype", dtype)])
            else:
                d = np.dtype(_MANIFEST_DTYPES[dtype])
                arr = np.frombuffer(data, dtype=d, count=count, offset=offset).copy()
                offset += count * d.itemsize
            out[w["name"]] = arr.reshape(shape)
    return out


def load_graph(model_json: str | Path, input_shape: list[int] | None = None) -> TfjsGraph:
    """Read a TF.js graph model (``model.json`` + shards next to it).

    ``input_shape`` fixes the shape of a single input whose signature leaves sizes open.
    """
    path = Path(model_json)
    try:
        spec = json.loads(path.read_text())
        topo = spec["modelTopology"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailable(f"{path}: not a TF.js graph model ({exc})") from None
    if topo.get("library", {}).get("function"):
        raise ModelUnavailable(f"{path}: graph functions (control flow) are not supported")
    nodes = [
        Node(n["name"], n["op"], [i for i in n.get("input", []) if not i.startswith("^")], n.get("attr", {}))
        for n in topo["node"]
    ]
    weights = _decode_weights(spec.get("weightsManifest", []), path.parent)
    sig = spec.get("signature", {})
    inputs: dict[str, tuple[list[int], Any]] = {}
    for n in nodes:
        if n.op == "Placeholder":
            shape = n.get("shape", [])
            for s in sig.get("inputs", {}).values():
                if tensor_ref(s["name"])[0] == n.name:
                    shape = [int(d.get("size", -1)) for d in s.get("tensorShape", {}).get("dim", [])]
            if input_shape is not None:
                shape = list(input_shape)
            inputs[n.name] = (shape, TF_DTYPES[n.get("dtype", "DT_FLOAT")])
    outputs = [s["name"] for s in sig.get("outputs", {}).values()]
    if not outputs:
        consumed = {tensor_ref(i)[0] for n in nodes for i in n.inputs}
        outputs = [n.name for n in nodes if n.name not in consumed and n.op != "Const"]
    outputs = [f"{tensor_ref(o)[0]}:{tensor_ref(o)[1]}" if tensor_ref(o)[1] else tensor_ref(o)[0] for o in outputs]
    return TfjsGraph(nodes, weights, inputs, outputs)


def topological(nodes: list[Node]) -> list[Node]:
    """Nodes ordered so every input comes before its consumer."""
    by_name = {n.name: n for n in nodes}
    order: list[Node] = []
    state: dict[str, int] = {}
    for root in nodes:
        stack = [(root.name, False)]
        while stack:
            name, done = stack.pop()
            if done:
                if state.get(name) != 2:
                    state[name] = 2
                    order.append(by_name[name])
                continue
            if state.get(name):
                continue
            state[name] = 1
            stack.append((name, True))
            for i in by_name[name].inputs:
                dep = tensor_ref(i)[0]
                if dep in by_name and not state.get(dep):
                    stack.append((dep, False))
    return order


# ---- padding and slicing helpers shared with the converter


def _key(ref: str) -> str:
    name, k = tensor_ref(ref)
    return name if k == 0 else f"{name}:{k}"
