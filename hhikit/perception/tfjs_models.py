"""Old import path, kept for one release: the TF.js cards, set-up and sessions: ``hhikit.perception.tfjs.cards``, ``.prepare``, ``.runtime``."""

from __future__ import annotations

from hhikit.perception.tfjs.cards import (
    CENTERNET,
    CENTERNET_SIZES,
    MOVENET,
    NPM_SPEC,
    PRECISIONS,
    SETUP_VERSION,
    SOURCE,
    ConfigError,
    ModelCard,
    onnx_file,
)
from hhikit.perception.tfjs.graph import (
    ModelUnavailable,
)
from hhikit.perception.tfjs.prepare import (
    _CENTERNET_SIZES,
    _setup_tfjs,
    npm_pack,
    register_setup,
    retarget_centernet,
)
from hhikit.perception.tfjs.runtime import (
    OnnxModel,
    ResolvedModel,
    _smoke,
    centernet_model,
    default_threads,
    movenet_model,
    register_model,
)

__all__ = [
    "CENTERNET",
    "CENTERNET_SIZES",
    "MOVENET",
    "NPM_SPEC",
    "PRECISIONS",
    "SETUP_VERSION",
    "SOURCE",
    "_CENTERNET_SIZES",
    "ConfigError",
    "ModelCard",
    "ModelUnavailable",
    "OnnxModel",
    "ResolvedModel",
    "_setup_tfjs",
    "_smoke",
    "centernet_model",
    "default_threads",
    "movenet_model",
    "npm_pack",
    "onnx_file",
    "register_model",
    "register_setup",
    "retarget_centernet",
]
