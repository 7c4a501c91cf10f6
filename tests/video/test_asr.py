from __future__ import annotations

import itertools

import numpy as np

from hhikit.types import TranscriptSegment
from hhikit.video.asr import get_asr, quiet_cut, to_srt, to_vtt, transcribe_stream
from hhikit.video.decode import iter_audio


def test_transcribes_real_scene_in_pause_cut_chunks(scenes):
    eng = get_asr()
    p = [s for s in scenes if s.name.startswith("SuperHero")][0]
    segs = list(transcribe_stream(eng, iter_audio(p), chunk_seconds=15.0))
    text = " ".join(s.text for s in segs).lower()
    for w in ("thank you", "saving", "night", "take flight"):
        assert w in text, text
    assert all(a.end <= b.start + 0.01 for a, b in itertools.pairwise(segs))
    assert 30 < segs[-1].end <= 38


def test_quiet_cut_and_subtitles():
    x = np.ones(16000 * 10, np.float32)
    x[16000 * 7 : 16000 * 7 + 8000] = 0
    assert abs(quiet_cut(x) - (16000 * 7 + 4000)) < 2500
    segs = [TranscriptSegment(0.5, 2.25, "Hello."), TranscriptSegment(3661.0, 3662.5, "Bye -->")]
    srt = to_srt(segs)
    assert srt.startswith("1\n00:00:00,500 --> 00:00:02,250\nHello.\n") and "01:01:01,000 --> 01:01:02,500" in srt
    vtt = to_vtt((s.start, s.end, s.text) for s in segs)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.250\nHello.") and "Bye ->" in vtt
