from __future__ import annotations

import numpy as np
import pytest

from hhikit.video.decode import iter_frames
from hhikit.video.shots import (
    ShotDetector,
    available_shot_detectors,
    cuts_from_probabilities,
    detect_shots,
    get_shot_detector,
    shots_from_cuts,
)
from hhikit.video.synth import concat_clips
from tests.conftest import shared_path


def test_cuts_and_shots_from_probabilities():
    p = np.zeros(100, np.float32)
    p[29], p[60:64] = 0.9, [0.6, 0.8, 0.7, 0.55]
    assert cuts_from_probabilities(p) == [30, 62]
    times = [i / 25 for i in range(100)]
    s = shots_from_cuts([30, 62], times, 4.0)
    assert [(x.start_frame, x.end_frame) for x in s] == [(0, 30), (30, 62), (62, 100)]
    assert s[1].start == pytest.approx(1.2) and s[-1].end == 4.0


@pytest.fixture(scope="module")
def concat(tmp_path_factory):
    v = shared_path("videos")
    parts = [
        (v / "scenes" / "sophie-7.webm", 2.0, 3.0),
        (v / "multiperson" / "demo.mp4", 0.0, 3.0),
        (v / "scenes" / "SuperHero-2.webm", 0.0, 3.0),
        (v / "multiperson" / "test_video_structuralize.mp4", 0.0, 3.0),
        (v / "multiperson" / "demo_spatiotemporal_det.mp4", 0.0, 3.0),
        (v / "scenes" / "SuperHero-2.webm", 27.0, 2.0),
    ]
    out = tmp_path_factory.mktemp("concat") / "concat.mp4"
    return out, concat_clips(parts, out, with_audio=False)


@pytest.mark.parametrize("name", ["transnetv2", "adaptive"])
def test_boundary_at_every_junction(concat, name):
    path, junctions = concat
    det = get_shot_detector(name)
    assert isinstance(det, ShotDetector)
    shots = detect_shots(iter_frames(path), det)
    starts = [s.start_frame for s in shots]
    for j in junctions:
        assert min(abs(s - j) for s in starts) <= 2, (name, j, starts)
    assert len(shots) <= len(junctions) + 4  # no flood of false cuts


def test_transnet_real_scene_cuts(scenes):
    det = get_shot_detector("transnetv2")
    p = [s for s in scenes if s.name.startswith("sophie")][0]
    shots = detect_shots(iter_frames(p), det)
    assert [s.start_frame for s in shots] == [0, 37, 322]
    assert "adaptive" in available_shot_detectors()
