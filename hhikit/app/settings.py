"""The web demo's settings: the same ``PipelineConfig`` and ``VideoConfig`` as the CLI.

``hhi app`` takes every option of ``hhi analyze`` (and the ``--video-*`` options of
``hhi batch``) and hands them to the Streamlit process as JSON in ``$HHIKIT_APP_CONFIG``;
the app builds its pipelines from them, so the demo runs what the CLI would.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hhikit.options import from_mapping
from hhikit.pipeline import PipelineConfig

APP_CONFIG_ENV = "HHIKIT_APP_CONFIG"


def encode(pipeline: PipelineConfig, video: dict[str, Any], plugins: list[str] | None = None) -> str:
    return json.dumps({"pipeline": pipeline.to_dict(), "video": video, "plugins": list(plugins or [])}, default=str)


def _settings() -> dict[str, Any]:
    raw = os.environ.get(APP_CONFIG_ENV, "")
    return json.loads(raw) if raw else {}


def load_plugins() -> None:
    from hhikit.registry import load_plugins as load

    load(_settings().get("plugins", []))


def pipeline_config() -> PipelineConfig:
    return from_mapping(PipelineConfig, _settings().get("pipeline", {}), "app pipeline options")


def video_config() -> Any:
    from hhikit.video.pipeline import VideoConfig

    return from_mapping(VideoConfig, _settings().get("video", {}), "app video options")
