"""`hhi app` hands the web demo the same PipelineConfig / VideoConfig as the CLI."""

from __future__ import annotations

import json

from hhikit.app import settings
from hhikit.cli import main
from hhikit.pipeline import PipelineConfig
from hhikit.video.pipeline import VideoConfig


class _Proc:
    def wait(self):
        return 0

    def poll(self):  # ended: `hhi app` has no server group left to stop
        return 0


def test_hhi_app_options_reach_the_app(monkeypatch):
    import hhikit.app.server

    seen = {}
    monkeypatch.setattr(
        hhikit.app.server, "start_app", lambda *a, **k: seen.update(env=dict(__import__("os").environ)) or _Proc()
    )
    monkeypatch.delenv(settings.APP_CONFIG_ENV, raising=False)
    argv = ["app", "--nis-threshold", "0.4", "--describer", "none", "--video-clip-shots", "2", "--no-video-asr"]
    assert main(argv) == 0
    raw = seen["env"][settings.APP_CONFIG_ENV]
    assert json.loads(raw)["video"] == {"clip_shots": 2, "asr": False}
    monkeypatch.setenv(settings.APP_CONFIG_ENV, raw)
    assert settings.pipeline_config() == PipelineConfig(nis_threshold=0.4, describer="none")
    assert settings.video_config() == VideoConfig(clip_shots=2, asr=False)


def test_bad_app_options_fail_before_the_server_starts(monkeypatch, capsys):
    import hhikit.app.server

    monkeypatch.setattr(hhikit.app.server, "start_app", lambda *a, **k: 1 / 0)
    assert main(["app", "--nis-threshold", "2"]) == 2
    assert main(["app", "--video-clip-shots", "0"]) == 2
    assert "clip_shots must be a number" in capsys.readouterr().err


def test_without_settings_the_app_runs_the_defaults(monkeypatch):
    monkeypatch.delenv(settings.APP_CONFIG_ENV, raising=False)
    assert settings.pipeline_config() == PipelineConfig() and settings.video_config() == VideoConfig()
