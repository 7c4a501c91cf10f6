"""The batch worker applies the one error policy: a library failure is an ``internal`` record."""

from __future__ import annotations

import json

from hhikit.batch.worker import Worker, WorkerSpec
from hhikit.perception import register_detector
from hhikit.pipeline import PipelineConfig


class _Broken:
    name = "x-broken"

    def detect(self, image):
        raise MemoryError("out of memory in a library")


def test_a_library_failure_in_a_worker_is_an_internal_record(scratch_registry, example_image, tmp_path):
    register_detector("x-broken")(_Broken)
    worker = Worker(WorkerSpec(pipeline=PipelineConfig(detector="x-broken", describer="none", interactiveness="")))
    line, ok, kind, _ = worker.process(str(example_image))
    err = json.loads(line)["error"]
    assert not ok and kind == "image"
    assert err["type"] == "internal" and err["class"] == "MemoryError" and str(example_image) in err["message"]
    line, ok, _, _ = worker.process(str(tmp_path / "gone.jpg"))
    assert json.loads(line)["error"] == {
        "type": "InputError",
        "message": f"{tmp_path / 'gone.jpg'}: no such file (or a dangling symlink)",
    }


class _FakeVideoPipeline:
    def __init__(self, config):
        self.config = config


def test_hhi_batch_sends_the_video_options_to_the_workers(monkeypatch, tmp_path, example_image):
    import hhikit.batch
    from hhikit.cli import main
    from hhikit.video.pipeline import VideoConfig

    sent = []
    monkeypatch.setattr(hhikit.batch, "run_batch", lambda cfg: sent.append(cfg.spec) or _Done())
    argv = ["batch", str(tmp_path), "--out", str(tmp_path / "r.jsonl"), "--detector", "movenet",
            "--video-clip-shots", "2", "--video-shots", "adaptive", "--no-video-asr"]  # fmt: skip
    assert main(argv) == 0
    spec = sent[0]
    assert spec.video_options == {"clip_shots": 2, "shot_detector": "adaptive", "asr": False}  # {} before
    monkeypatch.setattr("hhikit.batch.worker.video_pipeline_class", lambda: _FakeVideoPipeline)
    worker = Worker.__new__(Worker)
    worker.spec, worker._video, worker._video_error = spec, None, None
    cfg = worker._video_pipeline().config
    assert cfg == VideoConfig(clip_shots=2, shot_detector="adaptive", asr=False, detector="movenet")


def test_unknown_video_options_are_refused_not_guessed():
    import pytest

    from hhikit.batch.worker import video_config
    from hhikit.errors import ConfigError

    with pytest.raises(ConfigError, match="video options: unknown options clip_shot"):
        video_config(WorkerSpec(video_options={"clip_shot": 2}))


class _Done:
    failed = 0
    interrupted = False

    def text(self):
        return "done"
