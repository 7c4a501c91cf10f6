"""TF.js op -> ONNX node handlers of the converter (``convert``) (``onnx.helper``), for onnxruntime at run time.

The input size is fixed at conversion: the numpy executor (``reference.run_numpy``) runs the
graph once on a sample input, which gives every tensor's shape and value. Everything that
does not depend on the input (shape arithmetic: ``Shape``, ``StridedSlice`` of shapes,
``Pack``, ``Range``, ``Fill``...) is folded into constants; only the data path is
emitted. TF keeps images NHWC while ONNX convolutions are NCHW, so each convolution, pool
and resize is wrapped in a pair of transposes (onnxruntime's layout optimiser cancels the
back-to-back ones). Fused batch norms and biases are folded into the convolution weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from hhikit.perception.tfjs.graph import Node, tensor_ref
from hhikit.perception.tfjs.reference import conv_pads, fused_parts, strided_slice_spec

OPSET = 17
# Ops whose output depends only on the input's shape, which is fixed at conversion.
SHAPE_ONLY = {"Shape", "Size", "ZerosLike", "OnesLike"}
_INT64_MIN = int(np.iinfo(np.int64).min)


def _key(ref: str) -> str:
    name, k = tensor_ref(ref)
    return name if k == 0 else f"{name}:{k}"


def _onnx_dtype(dt: Any) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dt))


class _Builder:
    """Accumulates ONNX nodes and constants; ``tmp`` gives fresh tensor names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0
        self._const_cache: dict[tuple[str, bytes, tuple[int, ...]], str] = {}

    def tmp(self, hint: str) -> str:
        self._n += 1
        return f"{hint}__{self._n}"

    def const(self, value: Any, dtype: Any = None) -> str:
        arr = np.asarray(value, dtype=dtype) if dtype is not None else np.asarray(value)
        key = (arr.dtype.str, arr.tobytes(), arr.shape)
        if key in self._const_cache:
            return self._const_cache[key]
        name = self.tmp("const")
        self.inits.append(numpy_helper.from_array(arr, name))
        self._const_cache[key] = name
        return name

    def op(self, op_type: str, inputs: list[str], out: str | None = None, n_out: int = 1, **attrs: Any) -> str:
        outs = [out] if out is not None and n_out == 1 else [self.tmp(op_type) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, **attrs))
        return outs[0]

    def op_multi(self, op_type: str, inputs: list[str], outs: list[str], **attrs: Any) -> list[str]:
        self.nodes.append(helper.make_node(op_type, inputs, outs, **attrs))
        return outs


class _Ctx:
    """What a handler sees: the node, the sample values of its inputs and outputs, and a
    way to name an input (a constant is materialised on demand)."""

    def __init__(
        self, b: _Builder, node: Node, vals: list[np.ndarray], outs: list[np.ndarray], dynamic: set[str]
    ) -> None:
        self.b, self.node, self.vals, self.outs, self._dyn = b, node, vals, outs, dynamic

    def name(self, i: int, dtype: Any = None) -> str:
        ref = _key(self.node.inputs[i])
        if ref in self._dyn:
            if dtype is not None and self.vals[i].dtype != np.dtype(dtype):
                return self.b.op("Cast", [ref], to=_onnx_dtype(dtype))
            return ref
        return self.b.const(self.vals[i], dtype)

    def is_dynamic(self, i: int) -> bool:
        return _key(self.node.inputs[i]) in self._dyn

    def out(self, k: int = 0) -> str:
        return self.node.name if k == 0 else f"{self.node.name}:{k}"


Handler = Callable[[_Ctx], None]
HANDLERS: dict[str, Handler] = {}


def _h(*ops: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for o in ops:
            HANDLERS[o] = fn
        return fn

    return deco


# Binary element-wise ops whose constant operand may be simplified (see ``_uniform``).
_BINARY = {"Add", "Sub", "Mul", "Div", "Max", "Min"}
_NEUTRAL = {"Add": 0.0, "Sub": 0.0, "Mul": 1.0, "Div": 1.0}  # x op n == x, exactly


def _uniform(c: _Ctx, k: int) -> np.ndarray | None:
    """The constant operand ``k`` as a scalar when all its values are equal and
    broadcasting it does not change the other operand's shape, else None. (onnxruntime
    runs ``x (1,256,256,3) - c (1,1,1,3)`` on a slow general-broadcast path; a scalar
    takes the fast one. MoveNet normalises its input that way.)"""
    if c.is_dynamic(k) or not c.is_dynamic(1 - k):
        return None
    v = c.vals[k]
    if v.size < 2 or not np.issubdtype(v.dtype, np.floating) or not np.all(v == v.flat[0]):
        return None
    if c.outs[0].shape != c.vals[1 - k].shape or c.outs[0].dtype != c.vals[1 - k].dtype:
        return None
    return v.reshape(-1)[:1].reshape(())


def _simple(tf_op: str, onnx_op: str) -> None:
    def fn(c: _Ctx) -> None:
        ins = [c.name(i) for i in range(len(c.node.inputs))]
        if onnx_op in _BINARY and len(ins) == 2:
            for k in (1, 0):
                u = _uniform(c, k)
                if u is None:
                    continue
                if float(u) == _NEUTRAL.get(onnx_op) and (k == 1 or onnx_op in ("Add", "Mul")):
                    c.b.op("Identity", [ins[1 - k]], c.out())  # x - 0, x * 1, 0 + x ...: x
                    return
                ins[k] = c.b.const(u)
                break
        c.b.op(onnx_op, ins, c.out())

    HANDLERS[tf_op] = fn


for _tf, _ox in {
    "Identity": "Identity", "Add": "Add", "AddV2": "Add", "BiasAdd": "Add", "Sub": "Sub", "Mul": "Mul",
    "RealDiv": "Div", "Div": "Div", "Maximum": "Max", "Minimum": "Min", "Pow": "Pow", "AddN": "Sum",
    "Less": "Less", "LessEqual": "LessOrEqual", "Greater": "Greater", "GreaterEqual": "GreaterOrEqual",
    "Equal": "Equal", "LogicalAnd": "And", "LogicalOr": "Or", "Abs": "Abs", "Neg": "Neg", "Exp": "Exp",
    "Sqrt": "Sqrt", "Reciprocal": "Reciprocal", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Relu": "Relu",
}.items():  # fmt: skip
    _simple(_tf, _ox)


@_h("NotEqual")
def _neq(c: _Ctx) -> None:
    c.b.op("Not", [c.b.op("Equal", [c.name(0), c.name(1)])], c.out())


@_h("Rsqrt")
def _rsqrt(c: _Ctx) -> None:
    c.b.op("Reciprocal", [c.b.op("Sqrt", [c.name(0)])], c.out())


@_h("Square")
def _square(c: _Ctx) -> None:
    x = c.name(0)
    c.b.op("Mul", [x, x], c.out())


@_h("SquaredDifference")
def _sqdiff(c: _Ctx) -> None:
    d = c.b.op("Sub", [c.name(0), c.name(1)])
    c.b.op("Mul", [d, d], c.out())


@_h("Relu6")
def _relu6(c: _Ctx) -> None:
    c.b.op("Clip", [c.name(0), c.b.const(np.float32(0)), c.b.const(np.float32(6))], c.out())


@_h("LeakyRelu")
def _leaky(c: _Ctx) -> None:
    c.b.op("LeakyRelu", [c.name(0)], c.out(), alpha=float(c.node.get("alpha", 0.2)))


@_h("Cast")
def _cast(c: _Ctx) -> None:
    c.b.op("Cast", [c.name(0)], c.out(), to=_onnx_dtype(c.outs[0].dtype))


@_h("FloorDiv")
def _floordiv(c: _Ctx) -> None:
    dt = c.outs[0].dtype
    if np.issubdtype(dt, np.integer):
        q = c.b.op("Div", [c.name(0, np.float64), c.name(1, np.float64)])
        c.b.op("Cast", [c.b.op("Floor", [q])], c.out(), to=_onnx_dtype(dt))
    else:
        c.b.op("Floor", [c.b.op("Div", [c.name(0), c.name(1)])], c.out())


@_h("FloorMod")
def _floormod(c: _Ctx) -> None:
    if np.issubdtype(c.outs[0].dtype, np.integer):
        c.b.op("Mod", [c.name(0), c.name(1)], c.out(), fmod=0)
    else:
        x, y = c.name(0), c.name(1)
        fl = c.b.op("Floor", [c.b.op("Div", [x, y])])
        c.b.op("Sub", [x, c.b.op("Mul", [fl, y])], c.out())


def _to_nchw(b: _Builder, x: str) -> str:
    return b.op("Transpose", [x], perm=[0, 3, 1, 2])


def _to_nhwc(b: _Builder, x: str, out: str) -> str:
    return b.op("Transpose", [x], out, perm=[0, 2, 3, 1])


@_h("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative")
def _conv(c: _Ctx) -> None:
    node, b = c.node, c.b
    if c.is_dynamic(1):
        raise NotImplementedError(f"{node.name}: convolution with a computed filter")
    w = c.vals[1].astype(np.float32)
    kh, kw, cin, m = w.shape
    depthwise = "Depthwise" in node.op
    if depthwise:
        weight = w.reshape(kh, kw, cin * m).transpose(2, 0, 1)[:, None]
        group = cin
    else:
        weight = w.transpose(3, 2, 0, 1)
        group = 1
    cout = weight.shape[0]
    mult = np.ones(cout, np.float32)
    bias = np.zeros(cout, np.float32)
    acts: list[tuple[str, list[np.ndarray]]] = []
    ops, _ = fused_parts(node) if node.op.startswith(("_Fused", "Fused")) else ([], 0)
    args = [c.vals[i].astype(np.float32) for i in range(2, len(node.inputs))]
    i = 0
    for o in ops:
        if o in ("BiasAdd", "Add") and not acts:
            bias = bias + args[i]
            i += 1
        elif o == "FusedBatchNorm" and not acts:
            scale, offset, mean, var = args[i : i + 4]
            i += 4
            k = scale / np.sqrt(var + float(node.get("epsilon", 1e-3)))
            mult, bias = mult * k, (bias - mean) * k + offset
        elif o == "Prelu":
            acts.append((o, [args[i]]))
            i += 1
        else:
            acts.append((o, []))
    weight = weight * mult[:, None, None, None]
    h, wd = c.vals[0].shape[1:3]
    t, bt, lft, r = conv_pads(node, h, wd, kh, kw)
    s = node.get("strides", [1, 1, 1, 1])
    d = node.get("dilations", [1, 1, 1, 1])
    y = b.op(
        "Conv",
        [_to_nchw(b, c.name(0)), b.const(weight.astype(np.float32)), b.const(bias.astype(np.float32))],
        kernel_shape=[kh, kw], strides=[s[1], s[2]], dilations=[d[1], d[2]], pads=[t, lft, bt, r], group=group,
    )  # fmt: skip
    for a, extra in acts:
        if a == "Relu":
            y = b.op("Relu", [y])
        elif a == "Relu6":
            y = b.op("Clip", [y, b.const(np.float32(0)), b.const(np.float32(6))])
        elif a == "Elu":
            y = b.op("Elu", [y], alpha=1.0)
        elif a == "LeakyRelu":
            y = b.op("LeakyRelu", [y], alpha=float(node.get("leakyrelu_alpha", 0.2)))
        elif a == "Sigmoid":
            y = b.op("Sigmoid", [y])
        elif a == "Prelu":
            y = b.op("PRelu", [y, b.const(extra[0].reshape(-1, 1, 1).astype(np.float32))])
        else:
            raise NotImplementedError(f"{node.name}: fused op {a}")
    _to_nhwc(b, y, c.out())


@_h("FusedBatchNorm", "FusedBatchNormV3")
def _bn(c: _Ctx) -> None:
    scale, offset, mean, var = (c.vals[i].astype(np.float32) for i in range(1, 5))
    k = scale / np.sqrt(var + float(c.node.get("epsilon", 1e-3)))
    y = c.b.op("Mul", [c.name(0), c.b.const(k)])
    c.b.op("Add", [y, c.b.const((offset - mean * k).astype(np.float32))], c.out())


@_h("MaxPool")
def _maxpool(c: _Ctx) -> None:
    k, s = c.node.get("ksize"), c.node.get("strides")
    h, w = c.vals[0].shape[1:3]
    t, bt, lft, r = conv_pads(c.node, h, w, k[1], k[2])
    y = c.b.op(
        "MaxPool", [_to_nchw(c.b, c.name(0))], kernel_shape=[k[1], k[2]], strides=[s[1], s[2]], pads=[t, lft, bt, r]
    )
    _to_nhwc(c.b, y, c.out())


@_h("ResizeBilinear", "ResizeNearestNeighbor")
def _resize(c: _Ctx) -> None:
    n, h, w, ch = c.outs[0].shape
    align, half = c.node.get("align_corners", False), c.node.get("half_pixel_centers", False)
    if c.node.op == "ResizeBilinear":
        mode, nearest = "linear", "floor"
        ctm = "align_corners" if align else ("half_pixel" if half else "asymmetric")
    else:
        mode = "nearest"
        if align:
            ctm, nearest = "align_corners", "round_prefer_ceil"
        elif half:
            ctm, nearest = "tf_half_pixel_for_nn", "floor"
        else:
            ctm, nearest = "asymmetric", "floor"
    y = c.b.op(
        "Resize",
        [_to_nchw(c.b, c.name(0)), "", "", c.b.const(np.array([n, ch, h, w], np.int64))],
        mode=mode, coordinate_transformation_mode=ctm, nearest_mode=nearest,
    )  # fmt: skip
    _to_nhwc(c.b, y, c.out())


@_h("Reshape", "Squeeze", "ExpandDims")
def _reshape(c: _Ctx) -> None:
    c.b.op("Reshape", [c.name(0), c.b.const(np.array(c.outs[0].shape, np.int64))], c.out())


@_h("StridedSlice")
def _strided_slice(c: _Ctx) -> None:
    x = c.vals[0]
    per_axis, out_shape = strided_slice_spec(c.node, x.shape, c.vals[1], c.vals[2], c.vals[3])
    starts, ends, axes, steps = [], [], [], []
    for ax, (st, en, sp) in enumerate(per_axis):
        if (st, en, sp) == (0, x.shape[ax], 1):
            continue
        starts.append(st)
        ends.append(_INT64_MIN if (sp < 0 and en < 0) else en)
        axes.append(ax)
        steps.append(sp)
    y = c.name(0)
    if axes:
        i64 = np.int64
        y = c.b.op("Slice", [y, c.b.const(np.array(starts, i64)), c.b.const(np.array(ends, i64)),
                             c.b.const(np.array(axes, i64)), c.b.const(np.array(steps, i64))])  # fmt: skip
    c.b.op("Reshape", [y, c.b.const(np.array(out_shape, np.int64))], c.out())


@_h("Pack")
def _pack(c: _Ctx) -> None:
    axis = int(c.node.get("axis", 0))
    shape = list(c.outs[0].shape)
    axis = axis % len(shape)
    one = [*shape[:axis], 1, *shape[axis + 1 :]]
    parts = [c.b.op("Reshape", [c.name(i), c.b.const(np.array(one, np.int64))]) for i in range(len(c.node.inputs))]
    c.b.op("Concat", parts, c.out(), axis=axis)


@_h("Unpack")
def _unpack(c: _Ctx) -> None:
    axis = int(c.node.get("axis", 0)) % c.vals[0].ndim
    for k in range(c.vals[0].shape[axis]):
        c.b.op("Gather", [c.name(0), c.b.const(np.int64(k))], c.out(k), axis=axis)


def _split_sizes(c: _Ctx, x_index: int, sizes: list[int], axis: int) -> None:
    axis = axis % c.vals[x_index].ndim
    c.b.op_multi("Split", [c.name(x_index), c.b.const(np.array(sizes, np.int64))],
                 [c.out(k) for k in range(len(sizes))], axis=axis)  # fmt: skip


@_h("Split")
def _split(c: _Ctx) -> None:
    _split_sizes(c, 1, [o.shape[int(c.vals[0]) % c.vals[1].ndim] for o in c.outs], int(c.vals[0]))


@_h("SplitV")
def _splitv(c: _Ctx) -> None:
    axis = int(c.vals[2])
    _split_sizes(c, 0, [o.shape[axis % c.vals[0].ndim] for o in c.outs], axis)


@_h("ConcatV2")
def _concat(c: _Ctx) -> None:
    axis = int(c.vals[-1]) % c.outs[0].ndim
    c.b.op("Concat", [c.name(i) for i in range(len(c.node.inputs) - 1)], c.out(), axis=axis)


@_h("Tile")
def _tile(c: _Ctx) -> None:
    c.b.op("Tile", [c.name(0), c.b.const(np.asarray(c.vals[1], np.int64))], c.out())


@_h("Fill")
def _fill(c: _Ctx) -> None:
    c.b.op("Expand", [c.name(1), c.b.const(np.array(c.outs[0].shape, np.int64))], c.out())


@_h("Transpose")
def _transpose(c: _Ctx) -> None:
    c.b.op("Transpose", [c.name(0)], c.out(), perm=[int(v) for v in c.vals[1]])


@_h("Pad", "PadV2")
def _pad(c: _Ctx) -> None:
    p = np.asarray(c.vals[1], np.int64)
    pads = np.concatenate([p[:, 0], p[:, 1]])
    ins = [c.name(0), c.b.const(pads)]
    if c.node.op == "PadV2":
        ins.append(c.name(2))
    c.b.op("Pad", ins, c.out(), mode="constant")


def _axes(c: _Ctx) -> list[int]:
    nd = c.vals[0].ndim
    return [int(a) % nd for a in np.asarray(c.vals[1]).reshape(-1)]


@_h("Mean", "Max", "Min", "Prod")
def _reduce_attr(c: _Ctx) -> None:
    op = {"Mean": "ReduceMean", "Max": "ReduceMax", "Min": "ReduceMin", "Prod": "ReduceProd"}[c.node.op]
    c.b.op(op, [c.name(0)], c.out(), axes=_axes(c), keepdims=int(bool(c.node.get("keep_dims", False))))


@_h("Sum")
def _reduce_sum(c: _Ctx) -> None:
    c.b.op("ReduceSum", [c.name(0), c.b.const(np.array(_axes(c), np.int64))], c.out(),
           keepdims=int(bool(c.node.get("keep_dims", False))))  # fmt: skip


@_h("ArgMax")
def _argmax(c: _Ctx) -> None:
    y = c.b.op("ArgMax", [c.name(0)], axis=int(c.vals[1]) % c.vals[0].ndim, keepdims=0)
    c.b.op("Cast", [y], c.out(), to=_onnx_dtype(c.outs[0].dtype))


@_h("TopKV2")
def _topk(c: _Ctx) -> None:
    idx = c.b.tmp("topk_idx")
    c.b.op_multi("TopK", [c.name(0), c.b.const(np.array([int(c.vals[1])], np.int64))], [c.out(0), idx],
                 axis=-1, largest=1, sorted=1)  # fmt: skip
    c.b.op("Cast", [idx], c.out(1), to=_onnx_dtype(c.outs[1].dtype))


@_h("GatherV2")
def _gather(c: _Ctx) -> None:
    if int(c.node.get("batch_dims", 0)):
        raise NotImplementedError(f"{c.node.name}: GatherV2 with batch_dims")
    axis = int(c.vals[2]) % c.vals[0].ndim
    c.b.op("Gather", [c.name(0), c.name(1, np.int64)], c.out(), axis=axis)


@_h("GatherNd")
def _gather_nd(c: _Ctx) -> None:
    c.b.op("GatherND", [c.name(0), c.name(1, np.int64)], c.out())


@_h("Select", "SelectV2")
def _select(c: _Ctx) -> None:
    cond = c.name(0)
    if c.node.op == "Select" and c.vals[0].ndim == 1 and c.vals[1].ndim > 1:
        shape = [c.vals[0].shape[0]] + [1] * (c.vals[1].ndim - 1)
        cond = c.b.op("Reshape", [cond, c.b.const(np.array(shape, np.int64))])
    c.b.op("Where", [cond, c.name(1), c.name(2)], c.out())
