"""Fixtures of the video tests: one pipeline (models load once) and generated files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path


@pytest.fixture(scope="session")
def video_pipeline():
    from hhikit.video.pipeline import VideoPipeline

    return VideoPipeline()


@pytest.fixture(scope="session")
def scenes() -> list[Path]:
    return sorted(shared_path("videos", "scenes").glob("*.webm"))


@pytest.fixture(scope="session")
def multiperson() -> list[Path]:
    return sorted(shared_path("videos", "multiperson").glob("*.mp4"))


def tone(seconds: float, freq: float = 200.0, amp: float = 0.1, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def colour_frames(n: int, size=(160, 96), seed: int = 0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, 3)
    for i in range(n):
        img = np.zeros((size[1], size[0], 3), np.uint8)
        img[:] = base
        x = (i * 3) % (size[0] - 20)
        img[30:60, x : x + 20] = 255 - base
        yield img
