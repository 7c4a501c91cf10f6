"""The numpy reference executor of a TF.js graph: op by op, slow but plain. The converter
runs it once to learn shapes and fold shape arithmetic; the tests compare against it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.perception.tfjs.graph import TF_DTYPES, Node, TfjsGraph, _key, topological


def same_pads(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TF ``SAME`` padding (before, after) of one spatial axis."""
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def conv_pads(node: Node, h: int, w: int, kh: int, kw: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding of a conv or pool node on an NHWC input."""
    s = node.get("strides", [1, 1, 1, 1])
    d = node.get("dilations", [1, 1, 1, 1])
    pad = node.get("padding", "VALID")
    if pad == "SAME":
        t, b = same_pads(h, kh, s[1], d[1])
        lft, r = same_pads(w, kw, s[2], d[2])
        return t, b, lft, r
    if pad == "EXPLICIT":
        e = node.get("explicit_paddings", [0] * 8)
        return e[2], e[3], e[4], e[5]
    return 0, 0, 0, 0


def strided_slice_spec(
    node: Node, shape: tuple[int, ...], begin, end, strides
) -> tuple[list[tuple[int, int, int]], list[int]]:
    """Normalise a TF StridedSlice to a per-input-axis ``(start, stop, step)`` (resolved
    with Python slice rules) plus the output shape (shrunk and new axes applied)."""
    bm, em = node.get("begin_mask", 0), node.get("end_mask", 0)
    elm, nam, sam = node.get("ellipsis_mask", 0), node.get("new_axis_mask", 0), node.get("shrink_axis_mask", 0)
    n_spec = len(begin)
    index: list[Any] = []
    for i in range(n_spec):
        if elm & (1 << i):
            index.append(Ellipsis)
        elif nam & (1 << i):
            index.append(None)
        elif sam & (1 << i):
            index.append(int(begin[i]))
        else:
            b = None if bm & (1 << i) else int(begin[i])
            e = None if em & (1 << i) else int(end[i])
            index.append(slice(b, e, int(strides[i])))
    # expand the ellipsis (or pad at the end) to cover every input axis
    n_real = sum(1 for x in index if x is not None and x is not Ellipsis)
    if Ellipsis in index:
        k = index.index(Ellipsis)
        index = index[:k] + [slice(None)] * (len(shape) - n_real) + index[k + 1 :]
    else:
        index = index + [slice(None)] * (len(shape) - n_real)
    per_axis: list[tuple[int, int, int]] = []
    out_shape: list[int] = []
    axis = 0
    for x in index:
        if x is None:
            out_shape.append(1)
            continue
        dim = shape[axis]
        if isinstance(x, int):
            i = x + dim if x < 0 else x
            per_axis.append((i, i + 1, 1))
        else:
            start, stop, step = x.indices(dim)
            per_axis.append((start, stop, step))
            out_shape.append(len(range(start, stop, step)))
        axis += 1
    return per_axis, out_shape


# ---- the numpy executor


def _act(name: str, x: np.ndarray, node: Node, extra: list[np.ndarray]) -> np.ndarray:
    if name == "Relu":
        return np.maximum(x, 0)
    if name == "Relu6":
        return np.clip(x, 0, 6)
    if name == "Elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == "LeakyRelu":
        a = node.get("leakyrelu_alpha", 0.2)
        return np.where(x > 0, x, a * x)
    if name == "Prelu":
        return np.where(x > 0, x, extra[0] * x)
    if name == "Sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    raise NotImplementedError(f"fused activation {name}")


def fused_parts(node: Node) -> tuple[list[str], int]:
    """The fused op names of a ``_FusedConv2D``-like node and how many extra args it has."""
    return list(node.get("fused_ops", [])), int(node.get("num_args", 0))


def apply_fused(y: np.ndarray, node: Node, args: list[np.ndarray]) -> np.ndarray:
    ops, _ = fused_parts(node)
    i = 0
    for op in ops:
        if op == "BiasAdd":
            y = y + args[i]
            i += 1
        elif op == "FusedBatchNorm":
            scale, offset, mean, var = args[i : i + 4]
            i += 4
            eps = node.get("epsilon", 1e-3)
            y = (y - mean) * (scale / np.sqrt(var + eps)) + offset
        elif op == "Add":
            y = y + args[i]
            i += 1
        else:
            y = _act(op, y, node, args[i:])
            if op == "Prelu":
                i += 1
    return y.astype(np.float32)


def conv_nhwc(x: np.ndarray, w: np.ndarray, node: Node, depthwise: bool) -> np.ndarray:
    """TF Conv2D / DepthwiseConv2dNative on NHWC, by summing shifted slices (plain numpy)."""
    s = node.get("strides", [1, 1, 1, 1])
    d = node.get("dilations", [1, 1, 1, 1])
    kh, kw = w.shape[:2]
    n, h, wd, c = x.shape
    t, b, lft, r = conv_pads(node, h, wd, kh, kw)
    xp = np.pad(x.astype(np.float32), ((0, 0), (t, b), (lft, r), (0, 0)))
    ho = (h + t + b - ((kh - 1) * d[1] + 1)) // s[1] + 1
    wo = (wd + lft + r - ((kw - 1) * d[2] + 1)) // s[2] + 1
    if depthwise:
        m = w.shape[3]
        out = np.zeros((n, ho, wo, c, m), np.float32)
    else:
        out = np.zeros((n, ho, wo, w.shape[3]), np.float32)
    for i in range(kh):
        for j in range(kw):
            y0, x0 = i * d[1], j * d[2]
            patch = xp[:, y0 : y0 + (ho - 1) * s[1] + 1 : s[1], x0 : x0 + (wo - 1) * s[2] + 1 : s[2], :]
            if depthwise:
                out += patch[..., None] * w[i, j]
            else:
                out += patch @ w[i, j]
    return out.reshape(n, ho, wo, -1)


def maxpool_nhwc(x: np.ndarray, node: Node) -> np.ndarray:
    k = node.get("ksize")
    s = node.get("strides")
    n, h, w, c = x.shape
    t, b, lft, r = conv_pads(node, h, w, k[1], k[2])
    xp = np.pad(x, ((0, 0), (t, b), (lft, r), (0, 0)), constant_values=-np.inf)
    ho = (h + t + b - k[1]) // s[1] + 1
    wo = (w + lft + r - k[2]) // s[2] + 1
    out = np.full((n, ho, wo, c), -np.inf, x.dtype)
    for i in range(k[1]):
        for j in range(k[2]):
            out = np.maximum(out, xp[:, i : i + (ho - 1) * s[1] + 1 : s[1], j : j + (wo - 1) * s[2] + 1 : s[2], :])
    return out


def resize_nhwc(x: np.ndarray, size: tuple[int, int], bilinear: bool, align: bool, half: bool) -> np.ndarray:
    """TF ResizeBilinear / ResizeNearestNeighbor semantics."""
    _n, h, w, _c = x.shape
    oh, ow = size

    def coords(o: int, i: int) -> np.ndarray:
        scale = (i - 1) / (o - 1) if align and o > 1 else i / o
        idx = np.arange(o, dtype=np.float64)
        if half:
            return (idx + 0.5) * scale - (0.5 if bilinear else 0.0)
        return idx * scale

    ys, xs = coords(oh, h), coords(ow, w)
    if not bilinear:
        fy = np.round(ys) if align else np.floor(ys)
        fx = np.round(xs) if align else np.floor(xs)
        yi = np.clip(fy.astype(int), 0, h - 1)
        xi = np.clip(fx.astype(int), 0, w - 1)
        return x[:, yi][:, :, xi]
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    dy = (ys - np.floor(ys)).astype(np.float32)
    dx = (xs - np.floor(xs)).astype(np.float32)
    if half:  # TF clamps the low coordinate at 0
        neg_y, neg_x = ys < 0, xs < 0
        dy[neg_y], dx[neg_x] = 0.0, 0.0
    top = x[:, y0][:, :, x0] * (1 - dx)[None, None, :, None] + x[:, y0][:, :, x1] * dx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - dx)[None, None, :, None] + x[:, y1][:, :, x1] * dx[None, None, :, None]
    return (top * (1 - dy)[None, :, None, None] + bot * dy[None, :, None, None]).astype(x.dtype)


def _floordiv(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.floor_divide(a, b) if np.issubdtype(a.dtype, np.integer) else np.floor(a / b).astype(a.dtype)


def _unary(f: Callable[[np.ndarray], np.ndarray]) -> Callable[[Node, list[np.ndarray]], list[np.ndarray]]:
    return lambda n, a: [f(a[0])]


def _binary(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Node, list[np.ndarray]], list[np.ndarray]]:
    return lambda n, a: [np.asarray(f(a[0], a[1])).astype(a[0].dtype)]


def _cmp(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Node, list[np.ndarray]], list[np.ndarray]]:
    return lambda n, a: [np.asarray(f(a[0], a[1]), dtype=bool)]


def _reduce(f: Callable[..., np.ndarray]) -> Callable[[Node, list[np.ndarray]], list[np.ndarray]]:
    def run(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
        axes = tuple(int(v) for v in np.asarray(a[1]).reshape(-1))
        return [np.asarray(f(a[0], axis=axes, keepdims=bool(n.get("keep_dims", False)))).astype(a[0].dtype)]

    return run


def _conv(n: Node, a: list[np.ndarray], depthwise: bool) -> list[np.ndarray]:
    y = conv_nhwc(a[0], a[1], n, depthwise)
    return [apply_fused(y, n, a[2:]) if n.op.startswith(("_Fused", "Fused")) else y]


def _strided_slice(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    per_axis, out_shape = strided_slice_spec(n, a[0].shape, a[1], a[2], a[3])
    idx = tuple(slice(s, (None if e < 0 and st < 0 else e), st) for s, e, st in per_axis)
    return [a[0][idx].reshape(out_shape)]


def _fbn(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    x, scale, offset, mean, var = a[:5]
    eps = n.get("epsilon", 1e-3)
    return [((x - mean) * (scale / np.sqrt(var + eps)) + offset).astype(np.float32)]


def _topk(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    k = int(a[1])
    idx = np.argsort(-a[0], axis=-1, kind="stable")[..., :k]
    return [np.take_along_axis(a[0], idx, -1), idx.astype(np.int32)]


def _gather_nd(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    params, ind = a
    ind = ind.astype(np.int64)
    k = ind.shape[-1]
    flat = ind.reshape(-1, k)
    out = params[tuple(flat.T)]
    return [out.reshape(ind.shape[:-1] + params.shape[k:])]


def _select(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    c, x, y = a
    if c.ndim == 1 and x.ndim > 1:
        c = c.reshape((-1,) + (1,) * (x.ndim - 1))
    return [np.where(c, x, y)]


def _split(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    axis, x = int(a[0]), a[1]
    return list(np.split(x, n.get("num_split"), axis=axis))


def _splitv(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    x, sizes, axis = a[0], [int(s) for s in a[1]], int(a[2])
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    return list(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def _resize(n: Node, a: list[np.ndarray]) -> list[np.ndarray]:
    size = tuple(int(v) for v in a[1])
    bil = n.op == "ResizeBilinear"
    return [
        resize_nhwc(
            a[0].astype(np.float32), size, bil, n.get("align_corners", False), n.get("half_pixel_centers", False)
        )
    ]


OPS: dict[str, Callable[[Node, list[np.ndarray]], list[np.ndarray]]] = {
    "Identity": lambda n, a: [a[0]],
    "Cast": lambda n, a: [a[0].astype(TF_DTYPES[n.get("DstT")])],
    "Add": _binary(np.add),
    "AddV2": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "RealDiv": _binary(np.divide),
    "Div": _binary(np.divide),
    "FloorDiv": _binary(_floordiv),
    "FloorMod": _binary(np.mod),
    "Maximum": _binary(np.maximum),
    "Minimum": _binary(np.minimum),
    "SquaredDifference": _binary(lambda x, y: (x - y) ** 2),
    "Pow": _binary(np.power),
    "AddN": lambda n, a: [np.sum(np.stack(np.broadcast_arrays(*a)), axis=0).astype(a[0].dtype)],
    "Less": _cmp(np.less),
    "LessEqual": _cmp(np.less_equal),
    "Greater": _cmp(np.greater),
    "GreaterEqual": _cmp(np.greater_equal),
    "Equal": _cmp(np.equal),
    "NotEqual": _cmp(np.not_equal),
    "LogicalAnd": _cmp(np.logical_and),
    "LogicalOr": _cmp(np.logical_or),
    "Abs": _unary(np.abs),
    "Neg": _unary(np.negative),
    "Exp": _unary(np.exp),
    "Sqrt": _unary(np.sqrt),
    "Rsqrt": _unary(lambda x: 1.0 / np.sqrt(x)),
    "Square": _unary(np.square),
    "Reciprocal": _unary(lambda x: (1.0 / x).astype(x.dtype)),
    "Sigmoid": _unary(lambda x: (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)),
    "Tanh": _unary(np.tanh),
    "Relu": _unary(lambda x: np.maximum(x, 0)),
    "Relu6": _unary(lambda x: np.clip(x, 0, 6)),
    "LeakyRelu": lambda n, a: [np.where(a[0] > 0, a[0], n.get("alpha", 0.2) * a[0]).astype(a[0].dtype)],
    "Conv2D": lambda n, a: _conv(n, a, False),
    "_FusedConv2D": lambda n, a: _conv(n, a, False),
    "DepthwiseConv2dNative": lambda n, a: _conv(n, a, True),
    "FusedDepthwiseConv2dNative": lambda n, a: _conv(n, a, True),
    "FusedBatchNorm": _fbn,
    "FusedBatchNormV3": _fbn,
    "BiasAdd": _binary(np.add),
    "MaxPool": lambda n, a: [maxpool_nhwc(a[0], n)],
    "ResizeBilinear": _resize,
    "ResizeNearestNeighbor": _resize,
    "Mean": _reduce(np.mean),
    "Sum": _reduce(np.sum),
    "Max": _reduce(np.max),
    "Min": _reduce(np.min),
    "Prod": _reduce(np.prod),
    "ArgMax": lambda n, a: [np.argmax(a[0], axis=int(a[1])).astype(TF_DTYPES[n.get("output_type", "DT_INT64")])],
    "Reshape": lambda n, a: [a[0].reshape([int(v) for v in np.asarray(a[1]).reshape(-1)])],
    "Squeeze": lambda n, a: [np.squeeze(a[0], axis=tuple(n.get("squeeze_dims", [])) or None)],
    "ExpandDims": lambda n, a: [np.expand_dims(a[0], int(np.asarray(a[1]).reshape(-1)[0]))],
    "Shape": lambda n, a: [np.array(a[0].shape, dtype=TF_DTYPES[n.get("out_type", "DT_INT32")])],
    "Size": lambda n, a: [np.array(a[0].size, dtype=TF_DTYPES[n.get("out_type", "DT_INT32")])],
    "StridedSlice": _strided_slice,
    "Pack": lambda n, a: [np.stack(a, axis=n.get("axis", 0))],
    "Unpack": lambda n, a: [np.take(a[0], i, axis=n.get("axis", 0)) for i in range(a[0].shape[n.get("axis", 0)])],
    "ConcatV2": lambda n, a: [np.concatenate(a[:-1], axis=int(a[-1]))],
    "Split": _split,
    "SplitV": _splitv,
    "Tile": lambda n, a: [np.tile(a[0], [int(v) for v in a[1]])],
    "Fill": lambda n, a: [np.full([int(v) for v in a[0]], a[1], dtype=a[1].dtype)],
    "Range": lambda n, a: [np.arange(a[0], a[1], a[2]).astype(TF_DTYPES[n.get("Tidx", "DT_INT32")])],
    "Transpose": lambda n, a: [np.transpose(a[0], [int(v) for v in a[1]])],
    "Pad": lambda n, a: [np.pad(a[0], np.asarray(a[1]).tolist())],
    "PadV2": lambda n, a: [np.pad(a[0], np.asarray(a[1]).tolist(), constant_values=a[2])],
    "TopKV2": _topk,
    "GatherV2": lambda n, a: [np.take(a[0], a[1].astype(np.int64), axis=int(a[2]))],
    "GatherNd": _gather_nd,
    "Select": _select,
    "SelectV2": lambda n, a: [np.where(a[0], a[1], a[2])],
    "ZerosLike": _unary(np.zeros_like),
    "OnesLike": _unary(np.ones_like),
}


def run_numpy(
    graph: TfjsGraph, feeds: dict[str, np.ndarray], outputs: list[str] | None = None, keep_all: bool = False
) -> dict[str, np.ndarray]:
    """Evaluate the graph; returns ``{tensor ref: value}`` for ``outputs`` (default: the
    model's outputs), or every tensor when ``keep_all``."""
    values: dict[str, np.ndarray] = {}
    for name, arr in feeds.items():
        values[name] = np.asarray(arr, dtype=graph.inputs[name][1])
    for node in topological(graph.nodes):
        if node.op == "Placeholder":
            if node.name not in values:
                raise ValueError(f"no value fed for input {node.name!r}")
            continue
        if node.op == "Const":
            if node.name not in graph.weights:
                raise ModelUnavailable(f"constant {node.name!r} has no weight data")
            values[node.name] = graph.weights[node.name]
            continue
        fn = OPS.get(node.op)
        if fn is None:
            raise NotImplementedError(f"TF op {node.op!r} (node {node.name!r}) is not supported")
        args = [values[_key(i)] for i in node.inputs]
        res = fn(node, [np.asarray(x) for x in args])
        for k, r in enumerate(res):
            values[node.name if k == 0 else f"{node.name}:{k}"] = np.asarray(r)
    if keep_all:
        return values
    return {o: values[_key(o)] for o in (outputs or graph.outputs)}
