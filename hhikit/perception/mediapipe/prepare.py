"""Set-up of the MediaPipe models (``hhi models setup``): fetch the pinned wheel once, add the
TFLite normalisation metadata the Tasks API needs, pack two-stage models into ``.task``
bundles (stored, 4-byte-aligned zips with a fixed timestamp: byte-for-byte reproducible).
Never imported at run time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.models.card import ModelCard
from hhikit.models.setup import extract_from_wheel, pip_download, register_setup
from hhikit.perception.mediapipe.cards import _MODULES, SETUP_STEP, WHEEL

# ------------------------------------------------------------------ set-up: wheel -> bundles

# Input normalisation of each raw graph: (mean, std) so that x' = (x - mean) / std.
_NORM_0_1 = ([0.0], [255.0])


def _tflite_with_image_metadata(model: bytes, name: str, mean: list[float], std: list[float]) -> bytes:
    """Return ``model`` with TFLite metadata describing an RGB image input normalised by
    ``(x - mean) / std``: the MediaPipe Tasks graphs read their pre-processing from it."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
    from mediapipe.tasks.metadata import schema_py_generated as sfb

    norm = mfb.NormalizationOptionsT()
    norm.mean, norm.std = list(mean), list(std)
    unit = mfb.ProcessUnitT()
    unit.optionsType = mfb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    props = mfb.ImagePropertiesT()
    props.colorSpace = mfb.ColorSpaceType.RGB
    content = mfb.ContentT()
    content.contentPropertiesType = mfb.ContentProperties.ImageProperties
    content.contentProperties = props
    image = mfb.TensorMetadataT()
    image.name, image.content, image.processUnits = "image", content, [unit]

    m = sfb.ModelT.InitFromObj(sfb.Model.GetRootAs(model, 0))
    n_out = len(m.subgraphs[0].outputs)
    outputs = []
    for i in range(n_out):
        t = mfb.TensorMetadataT()
        t.name = f"output_{i}"
        outputs.append(t)
    sub = mfb.SubGraphMetadataT()
    sub.inputTensorMetadata, sub.outputTensorMetadata = [image], outputs
    meta = mfb.ModelMetadataT()
    meta.name, meta.minParserVersion, meta.subgraphMetadata = name, "1.0.0", [sub]
    b = flatbuffers.Builder(1024)
    b.Finish(meta.Pack(b), file_identifier=b"M001")
    meta_bytes = bytes(b.Output())

    buf = sfb.BufferT()
    buf.data = np.frombuffer(meta_bytes, dtype=np.uint8)
    m.buffers.append(buf)
    entry = sfb.MetadataT()
    entry.name, entry.buffer = "TFLITE_METADATA", len(m.buffers) - 1
    m.metadata = [x for x in (m.metadata or []) if x.name != b"TFLITE_METADATA"] + [entry]
    b = flatbuffers.Builder(len(model) + len(meta_bytes) + 4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _has_metadata(model: bytes) -> bool:
    from mediapipe.tasks.metadata import schema_py_generated as sfb

    m = sfb.Model.GetRootAs(model, 0)
    return any(m.Metadata(i).Name() == b"TFLITE_METADATA" for i in range(m.MetadataLength()))


def write_task_bundle(members: dict[str, bytes], out: Path) -> None:
    """Write a Tasks ``.task`` bundle: an uncompressed zip whose members start at 4-byte
    aligned offsets (so they can be memory-mapped), with a fixed timestamp (reproducible)."""
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

    with AlignZipFile(out, mode="w", alignment=4) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def _read_wheel(whl: Path, inner: str) -> bytes:
    with zipfile.ZipFile(whl) as zf:
        return zf.read(_MODULES + inner)


def _read_with_metadata(whl: Path, inner: str, label: str) -> bytes:
    """``inner`` from the wheel, with the [0, 1] input metadata added unless it has some."""
    model = _read_wheel(whl, inner)
    return model if _has_metadata(model) else _tflite_with_image_metadata(model, label, *_NORM_0_1)


@register_setup(SETUP_STEP)
def setup_mediapipe(card: ModelCard, out_dir: Path) -> None:
    """Fetch the pinned wheel once and write ``card.files`` into ``out_dir``."""
    whl = pip_download(WHEEL)
    if card.name == "blazepose":
        detector = _read_wheel(whl, "pose_detection/pose_detection.tflite")
        landmarks = _read_with_metadata(whl, "pose_landmark/pose_landmark_full.tflite", "BlazePose GHUM 3D full")
        write_task_bundle(
            {"pose_detector.tflite": detector, "pose_landmarks_detector.tflite": landmarks},
            out_dir / "pose_landmarker.task",
        )
    elif card.name == "hand-landmarker":
        palm = _read_with_metadata(whl, "palm_detection/palm_detection_full.tflite", "palm detection full")
        hand = _read_with_metadata(whl, "hand_landmark/hand_landmark_full.tflite", "hand landmarks full")
        write_task_bundle(
            {"hand_detector.tflite": palm, "hand_landmarks_detector.tflite": hand},
            out_dir / "hand_landmarker.task",
        )
    elif card.name == "face-full-range":
        extract_from_wheel(
            whl,
            {_MODULES + "face_detection/face_detection_full_range_sparse.tflite": out_dir / card.files[0]},
        )
    elif card.name == "face-short-range":
        extract_from_wheel(
            whl, {_MODULES + "face_detection/face_detection_short_range.tflite": out_dir / card.files[0]}
        )
    else:
        raise ModelUnavailable(f"set-up step {SETUP_STEP!r} does not know model {card.name!r}")
