"""onnxruntime sessions over the converted graphs, and their model factories."""

from __future__ import annotations

from typing import Any

import numpy as np

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.models.card import get_factory, register_model
from hhikit.models.store import ResolvedModel, resolve
from hhikit.perception.tfjs.cards import CENTERNET, CENTERNET_SIZES, MOVENET, onnx_file


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


def _load(card: str, threads: int | None, **options: object):
    resolved = resolve(card)
    factory = get_factory(card)
    assert factory is not None
    return factory(resolved, threads=threads, **options)
