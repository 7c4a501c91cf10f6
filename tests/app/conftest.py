"""The ICCCI run fixture of tests/video (a trained ICCCI model for ``hhi app --video-weights``)."""

from __future__ import annotations

from tests.video.conftest import iccci_data, iccci_run, tiny_hf  # noqa: F401
