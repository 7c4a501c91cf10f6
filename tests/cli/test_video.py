"""`hhi video`: a failure is one record (never a second full run of the video)."""

from __future__ import annotations

import json

from hhikit.cli import main


class _FailingPipeline:
    runs = 0

    def __init__(self, config):
        self.config = config

    def analyze_full(self, path):
        type(self).runs += 1
        raise RuntimeError("decoder crashed")

    def analyze(self, path):
        type(self).runs += 1
        raise AssertionError("the video was run a second time")


def test_a_library_failure_is_one_record_and_one_run(monkeypatch, tmp_path, capsys):
    import hhikit.video.pipeline as vp

    monkeypatch.setattr(vp, "VideoPipeline", _FailingPipeline)
    clip = tmp_path / "a.mp4"
    clip.write_bytes(b"\0" * 64)
    assert main(["video", str(clip), "--json", "--no-asr", "--no-visual"]) == 1
    rec = json.loads(capsys.readouterr().out)
    assert rec["error"]["type"] == "internal" and "decoder crashed" in rec["error"]["message"]
    assert _FailingPipeline.runs == 1


def test_every_videoconfig_field_is_an_option_of_hhi_video():
    import dataclasses

    from hhikit.cli import build_parser
    from hhikit.options import flag_of
    from hhikit.video.pipeline import VideoConfig

    parser = build_parser()
    video = next(a for a in parser._subparsers._group_actions).choices["video"]
    flags = {s for a in video._actions for s in a.option_strings}
    assert {flag_of(f) for f in dataclasses.fields(VideoConfig)} <= flags
    assert {"--detector-option", "--plugin", "--shots", "--whisper-dir", "--no-visual"} <= flags
    args = parser.parse_args(["video", "a.mp4", "--detector", "movenet", "--detector-option", "threads=2",
                              "--detect-max-side", "480", "--beam-size", "2", "--min-score", "0.3", "--no-parallel",
                              "--shots", "adaptive", "--shot-option", "width=128", "--no-asr"])  # fmt: skip
    from hhikit.options import from_args

    cfg = from_args(VideoConfig, args)
    assert cfg == VideoConfig(detector="movenet", detector_options={"threads": 2}, detect_max_side=480, beam_size=2,
                              min_score=0.3, parallel=False, shot_detector="adaptive", shot_options={"width": 128},
                              asr=False)  # fmt: skip
    assert from_args(VideoConfig, parser.parse_args(["video", "a.mp4"])) == VideoConfig()


def test_out_of_range_video_options_are_one_line_and_exit_2(capsys):
    assert main(["video", "a.mp4", "--clip-shots", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "clip_shots must be a number in [1, inf], got 0" in err
