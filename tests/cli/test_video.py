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
