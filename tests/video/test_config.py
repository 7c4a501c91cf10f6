"""VideoConfig is read, never changed, by the pipeline (``clip_evidence`` included)."""

from __future__ import annotations

import pytest

from hhikit.video import pipeline as vp
from hhikit.video.pipeline import VideoConfig, VideoPipeline
from tests.conftest import shared_path


@pytest.mark.slow
def test_clip_evidence_leaves_the_config_alone(monkeypatch):
    video = shared_path("videos", "multiperson", "demo_spatiotemporal_det.mp4")
    pipe = VideoPipeline(VideoConfig(shot_detector="adaptive", visual=False, asr=False, parallel=False))
    seen = []
    real = vp.make_clips

    def spy(shots, clip_shots, stride):
        seen.append((clip_shots, pipe.config.clip_shots))  # what another thread would read meanwhile
        return real(shots, clip_shots, stride)

    monkeypatch.setattr(vp, "make_clips", spy)
    ev = pipe.clip_evidence(video)
    assert ev.end > ev.start
    assert seen == [(1 << 30, 3)] and pipe.config == VideoConfig(
        shot_detector="adaptive", visual=False, asr=False, parallel=False
    )
