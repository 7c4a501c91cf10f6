from __future__ import annotations

from hhikit.app.server import app_env, video_weights_from_env
from hhikit.cli import main


def test_video_weights_reach_the_demo_pipeline(iccci_run, capsys):
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    env = app_env(25.0, str(iccci_run / "last.pt"))
    assert video_weights_from_env(env) == str((iccci_run / "last.pt").resolve())
    assert video_weights_from_env({}) is None
    # what streamlit_app.video_pipeline() builds from that environment
    pipe = VideoPipeline(VideoConfig(weights=video_weights_from_env(env), asr=False, visual=False))
    assert pipe.iccci is not None and pipe.iccci.threshold == 0.6
    assert main(["app", "--video-weights", str(iccci_run / "nope.pt")]) == 2
    assert "nope.pt: no such checkpoint" in capsys.readouterr().err
