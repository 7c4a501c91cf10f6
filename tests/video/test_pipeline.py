from __future__ import annotations

import numpy as np
import pytest

from hhikit.types import Person, VideoResult, loads
from hhikit.video.synth import write_video
from tests.video.conftest import colour_frames, tone


@pytest.fixture(scope="module")
def scene_results(video_pipeline, scenes):
    return {p.name: video_pipeline.analyze_full(p) for p in scenes}


def test_scenes_transcribed_shot_listed_every_clip_labelled(scene_results):
    sh = scene_results["SuperHero-2.webm"].result
    assert sh.ok and abs(sh.duration - 37.6) < 0.1
    assert [s.start_frame for s in sh.shots] == [0, 198, 258, 396, 790, 912]
    assert [c.shots for c in sh.clips] == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert "thank you" in " ".join(s.text for s in sh.transcript).lower()
    for res in (sh, scene_results["sophie-7.webm"].result):
        assert res.transcript and res.shots
        for c in res.clips:
            assert c.labels and all(lab.cues for lab in c.labels)
        assert {"decode", "shots", "asr", "features", "labels", "total"} <= set(res.timings)
    sophie = scene_results["sophie-7.webm"].result
    assert len(sophie.clips) == 1 and sophie.clips[0].shots == [0, 1, 2]  # 3 shots: one clip
    # the record round-trips through its JSON form
    from hhikit.types import dumps

    again = loads(dumps(sh))
    assert isinstance(again, VideoResult) and again.clips[1].labels[0].label == sh.clips[1].labels[0].label


def test_multiperson_videos_without_audio(video_pipeline, multiperson):
    for p in multiperson:
        r = video_pipeline.analyze(p)
        assert r.ok and r.shots and r.clips and not r.transcript
        assert any("no audio track" in w for w in r.extra["warnings"])
        assert all(c.labels and c.labels[0].cues for c in r.clips)


def test_bad_inputs_give_error_records(video_pipeline, tmp_path):
    import cv2

    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(4000))
    _ok, buf = cv2.imencode(".png", np.zeros((32, 32, 3), np.uint8))
    (tmp_path / "image.mp4").write_bytes(buf.tobytes())
    # no video track: an audio-only mp4
    import av

    out = av.open(str(tmp_path / "audio.mp4"), "w")
    s = out.add_stream("aac", rate=16000, layout="mono")
    fr = av.AudioFrame.from_ndarray(tone(0.5).reshape(1, -1), format="flt", layout="mono")
    fr.sample_rate = 16000
    for pkt in list(s.encode(fr)) + list(s.encode()):
        out.mux(pkt)
    out.close()
    # zero length: a container with a video stream and no frame
    out = av.open(str(tmp_path / "zero.mp4"), "w")
    vs = out.add_stream("libx264", rate=25)
    vs.width, vs.height = 64, 64
    out.close()
    expect = {"empty.mp4": "empty file", "corrupt.mp4": "not a readable video", "image.mp4": "still image",
              "audio.mp4": "audio-only", "zero.mp4": "", "missing.mp4": "no such file"}  # fmt: skip
    for name, msg in expect.items():
        r = video_pipeline.analyze(tmp_path / name)
        assert r.error is not None, name
        assert r.error["type"] == "InputError" and name in r.error["message"] and msg in r.error["message"], r.error


class ScriptedDetector:
    """Two people walking right side by side (the visual path end to end on decoded frames)."""

    name = "scripted"

    def __init__(self):
        self.calls = 0

    def detect(self, image):
        h = image.shape[0]
        x = 10 + 30 * self.calls
        self.calls += 1
        return [Person(0, [x, 20, x + 20, h - 10], 0.9), Person(1, [x + 70, 22, x + 90, h - 8], 0.8)]


def test_visual_path_with_a_detector(video_pipeline, tmp_path):
    p = write_video(tmp_path / "walk.mp4", colour_frames(100, size=(320, 96)), fps=25, audio=[tone(4.0, amp=0.001)])
    saved = video_pipeline.detector
    video_pipeline.detector = ScriptedDetector()
    try:
        full = video_pipeline.analyze_full(p)
    finally:
        video_pipeline.detector = saved
    r = full.result
    assert len(full.samples) == 4 and all(len(s.people) == 2 for s in full.samples)
    assert len({o.track for s in full.samples for o in s.people}) == 2
    pair = r.clips[0].pairs[0]
    assert pair.side_by_side == 1.0 and pair.motion_alignment > 0.9  # a ClipPair record
    assert r.clips[0].labels[0].label == "walks with"
