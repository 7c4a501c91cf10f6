from __future__ import annotations

from hhikit.cli import build_parser
from hhikit.cli.common import _pipeline_config


def test_video_weights_reach_the_demo_pipeline(iccci_run, monkeypatch):
    """`hhi app --video-weights RUN/last.pt`: the option (VideoConfig.weights) reaches the
    app's settings, and the pipeline the app builds from them labels with the ICCCI run."""
    from hhikit.app import settings
    from hhikit.options import given
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    args = build_parser().parse_args(["app", "--video-weights", str(iccci_run / "last.pt"), "--no-video-asr",
                                      "--no-video-visual"])  # fmt: skip
    pipeline_cfg = _pipeline_config(args)
    monkeypatch.setenv(
        settings.APP_CONFIG_ENV, settings.encode(pipeline_cfg, given(args, VideoConfig, prefix="video-"))
    )
    cfg = settings.video_config()
    assert cfg.weights == str(iccci_run / "last.pt") and cfg.asr is False
    pipe = VideoPipeline(cfg)  # what streamlit_app.video_pipeline() builds
    assert pipe.iccci is not None and pipe.iccci.threshold == 0.6
