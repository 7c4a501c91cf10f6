from __future__ import annotations

import numpy as np
import pytest

from hhikit.errors import InputError
from hhikit.video.decode import Frame, iter_audio, iter_frames, probe
from hhikit.video.synth import write_video
from tests.video.conftest import colour_frames, tone


def test_probe_real_scenes(scenes):
    infos = {p.name: probe(p) for p in scenes}
    sh = infos["SuperHero-2.webm"]
    assert sh.has_audio and sh.has_video
    assert abs(sh.duration - 37.6) < 0.2 and abs(sh.fps - 29.97) < 0.01
    assert (sh.width, sh.height) == (640, 360)
    assert abs(infos["sophie-7.webm"].duration - 14.0) < 0.1


def test_frames_stream_with_pts_times(scenes):
    p = [s for s in scenes if s.name.startswith("sophie")][0]
    n, last = 0, -1.0
    for f in iter_frames(p):
        assert f.time > last
        last = f.time
        n += 1
    assert n == 350 and abs(last - 13.96) < 0.05


def test_variable_frame_rate_uses_pts(tmp_path):
    times = [0.0, 0.04, 0.08, 0.5, 0.54, 1.5, 1.54, 1.58]
    p = write_video(tmp_path / "vfr.mp4", colour_frames(len(times)), fps=25, times=times)
    got = [round(f.time, 3) for f in iter_frames(p)]
    assert got == pytest.approx(times, abs=0.002)


def test_rotation_is_applied():
    import av

    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :10] = 255  # a white band on the left
    f = Frame(av.VideoFrame.from_ndarray(img, format="rgb24"), 0, 0.0, 90)
    up = f.rgb()
    assert up.shape == (40, 20, 3) and f.size == (20, 40)
    assert up[:10].mean() > 200 and up[-10:].mean() < 50  # left band is now on top after 90° clockwise
    assert f.thumb(8, 16).shape == (16, 8, 3)


def test_audio_blocks_are_16k_mono(scenes):
    total = 0
    for start, block in iter_audio(scenes[0], block_seconds=5.0):
        assert block.dtype == np.float32 and block.ndim == 1
        assert abs(start * 16000 - total) < 2
        total += len(block)
    assert abs(total / 16000 - probe(scenes[0]).duration) < 0.1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.mp4", b"", "empty file"),
        ("corrupt.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8, "not a readable video"),
        ("text.webm", b"hello, this is not a video at all\n" * 20, "not a readable video"),
    ],
)
def test_bad_containers(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError, match=message) as e:
        probe(p)
    assert str(p) in str(e.value)


def test_image_renamed_mp4(tmp_path):
    import cv2

    p = tmp_path / "photo.mp4"
    _ok, buf = cv2.imencode(".jpg", np.full((64, 64, 3), 128, np.uint8))
    p.write_bytes(buf.tobytes())
    with pytest.raises(InputError, match="still image"):
        probe(p)


def test_audio_only_and_missing(tmp_path):
    import av

    p = tmp_path / "speech.m4a"
    out = av.open(str(p), "w", format="mp4")
    s = out.add_stream("aac", rate=16000, layout="mono")
    fr = av.AudioFrame.from_ndarray(tone(1.0).reshape(1, -1), format="flt", layout="mono")
    fr.sample_rate = 16000
    for pkt in list(s.encode(fr)) + list(s.encode()):
        out.mux(pkt)
    out.close()
    with pytest.raises(InputError, match="audio-only"):
        probe(p)
    with pytest.raises(InputError, match="no such file"):
        probe(tmp_path / "nope.mp4")


def test_no_audio_track_raises_for_audio(tmp_path):
    p = write_video(tmp_path / "silent.mp4", colour_frames(10))
    info = probe(p)
    assert info.has_video and not info.has_audio
    with pytest.raises(InputError, match="no audio track"):
        list(iter_audio(p))
