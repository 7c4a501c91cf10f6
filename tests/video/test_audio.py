from __future__ import annotations

import numpy as np
import pytest

from hhikit.video.audio import AudioAnalyzer, SileroVAD, frame_pitch, frame_rms_db
from hhikit.video.decode import iter_audio
from tests.video.conftest import tone


@pytest.fixture(scope="module")
def vad():
    return SileroVAD()


def test_loudness_and_pitch_of_a_tone():
    x = tone(1.024, 220.0, 0.1).reshape(-1, 512)[:20]
    assert np.allclose(frame_rms_db(x), 20 * np.log10(0.1 / np.sqrt(2)), atol=0.2)
    wide = tone(1.024, 220.0, 0.1).reshape(-1, 1024)
    assert np.median(frame_pitch(wide)) == pytest.approx(220, rel=0.03)
    noise = np.random.default_rng(0).normal(0, 0.1, (10, 1024)).astype(np.float32)
    assert (frame_pitch(noise) == 0).mean() > 0.7


def test_vad_speech_in_real_scene_not_in_silence(vad, scenes):
    assert vad.probabilities(np.zeros(32000, np.float32)).max() < 0.2
    an = AudioAnalyzer(vad)
    p = [s for s in scenes if s.name.startswith("SuperHero")][0]
    for start, block in iter_audio(p, block_seconds=7.3):  # odd block size: carried remainders
        an.update(start, block)
    fr = an.finish()
    assert abs(fr.times[-1] - 37.6) < 0.1 and np.all(np.diff(fr.times) > 0)
    s = fr.summary()
    assert 0.2 < s["speech_ratio"] < 0.95
    assert 70 < s["pitch_mean"] < 400
    # speech mostly where the transcript has words (the first second is music)
    assert fr.window(15, 35).summary()["speech_ratio"] > fr.window(0, 0.8).summary()["speech_ratio"]
    assert fr.window(0, 10).sequence(0.5).shape == (20, 6)
