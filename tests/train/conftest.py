"""The ICCCI fixtures (tiny Hugging Face models, data in the paper's layout) of tests/video."""

from __future__ import annotations

from tests.video.conftest import iccci_data, iccci_run, tiny_hf  # noqa: F401
