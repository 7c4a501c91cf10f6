"""Convert a TF.js graph model to ONNX with the handlers of ``onnx_ops`` (set-up time only)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from hhikit.perception.tfjs.graph import Node, TfjsGraph, _key, tensor_ref, topological
from hhikit.perception.tfjs.onnx_ops import HANDLERS, OPSET, SHAPE_ONLY, _Builder, _Ctx, _onnx_dtype
from hhikit.perception.tfjs.reference import run_numpy


def _find_hard_swish(graph: TfjsGraph, values: dict[str, np.ndarray]) -> dict[str, str]:
    """``x * relu6(x + 3) * (1/6)`` written as Mul(Mul(1/6, x), Relu6(Add(x, 3))): map the
    outer Mul's name to ``x`` so it becomes one ONNX ``HardSwish``."""
    by_name = {n.name: n for n in graph.nodes}

    def scalar(ref: str, want: float) -> bool:
        v = values.get(_key(ref))
        return (
            by_name.get(tensor_ref(ref)[0], Node("", "")).op == "Const"
            and v is not None
            and v.size == 1
            and abs(float(v) - want) < 1e-4
        )

    found: dict[str, str] = {}
    for n in graph.nodes:
        if n.op != "Mul" or len(n.inputs) != 2:
            continue
        for a, r in (n.inputs, n.inputs[::-1]):
            m0, r6 = by_name.get(tensor_ref(a)[0]), by_name.get(tensor_ref(r)[0])
            if m0 is None or r6 is None or m0.op != "Mul" or r6.op != "Relu6":
                continue
            add = by_name.get(tensor_ref(r6.inputs[0])[0])
            if add is None or add.op not in ("Add", "AddV2"):
                continue
            xs = [i for i in m0.inputs if not scalar(i, 1 / 6)]
            if len(xs) != 1 or len(m0.inputs) != 2:
                continue
            x = xs[0]
            others = [i for i in add.inputs if _key(i) != _key(x)]
            if len(others) == 1 and _key(x) in [_key(i) for i in add.inputs] and scalar(others[0], 3.0):
                found[n.name] = _key(x)
                break
    return found


def _live_nodes(graph: TfjsGraph, rewritten: dict[str, str]) -> set[str]:
    """Names of the nodes the outputs depend on (after rewrites)."""
    by_name = {n.name: n for n in graph.nodes}
    live: set[str] = set()
    stack = [tensor_ref(o)[0] for o in graph.outputs]
    while stack:
        name = stack.pop()
        if name in live or name not in by_name:
            continue
        live.add(name)
        deps = [rewritten[name]] if name in rewritten else by_name[name].inputs
        stack.extend(tensor_ref(d)[0] for d in deps)
    return live


def convert(graph: TfjsGraph, sample: dict[str, np.ndarray] | None = None, name: str = "tfjs") -> onnx.ModelProto:
    """Build an ONNX model equivalent to ``graph`` at its (fixed) input shapes.

    ``sample`` feeds the one numpy pass that fixes shapes; by default a constant input of
    the signature's shape (the values never enter the ONNX graph, only the shapes do).
    """
    if sample is None:
        sample = {}
        for nm, (shape, dt) in graph.inputs.items():
            if any(s < 0 for s in shape):
                raise ValueError(f"input {nm!r} has an open shape {shape}; pass input_shape to load_graph")
            sample[nm] = np.full(shape, 1, dtype=dt)
    values = run_numpy(graph, sample, keep_all=True)
    dynamic: set[str] = set(graph.inputs)
    b = _Builder()
    hard_swish = _find_hard_swish(graph, values)
    live = _live_nodes(graph, hard_swish)
    for node in topological(graph.nodes):
        if node.op in ("Placeholder", "Const") or node.name not in live:
            continue
        if node.name in hard_swish:
            b.op("HardSwish", [hard_swish[node.name]], node.name)
            dynamic.add(node.name)
            continue
        if node.op in SHAPE_ONLY or not any(_key(i) in dynamic for i in node.inputs):
            continue
        n_out = 1
        while f"{node.name}:{n_out}" in values:
            n_out += 1
        outs = [values[node.name if k == 0 else f"{node.name}:{k}"] for k in range(n_out)]
        ctx = _Ctx(b, node, [values[_key(i)] for i in node.inputs], outs, dynamic)
        handler = HANDLERS.get(node.op)
        if handler is None:
            raise NotImplementedError(f"TF op {node.op!r} (node {node.name!r}) has no ONNX translation")
        handler(ctx)
        dynamic.update(node.name if k == 0 else f"{node.name}:{k}" for k in range(n_out))
    inputs = [
        helper.make_tensor_value_info(nm, _onnx_dtype(dt), list(sample[nm].shape))
        for nm, (_, dt) in graph.inputs.items()
    ]
    outputs = []
    for ref in graph.outputs:
        k = _key(ref)
        v = values[k]
        if k not in dynamic:  # a constant output: emit it as such
            b.op("Identity", [b.const(v)], k)
        outputs.append(helper.make_tensor_value_info(k, _onnx_dtype(v.dtype), list(v.shape)))
    g = helper.make_graph(b.nodes, name, inputs, outputs, initializer=b.inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="hhikit.tfjs_onnx")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
