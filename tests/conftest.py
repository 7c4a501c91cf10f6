"""Shared fixtures. Real public test data lives in ../shared/data (beside the checkout);
tests that need it skip with a clear reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
EXAMPLES = ROOT / "examples" / "images"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test if it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared test data not found: {p}")
    return p


@pytest.fixture
def shared() -> Path:
    return shared_path()


@pytest.fixture
def ww_images() -> list[Path]:
    d = shared_path("waldo_and_wenda", "images")
    return sorted(d.glob("*.jpg"))


@pytest.fixture
def example_image() -> Path:
    return EXAMPLES / "handshake.jpg"


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the one registry for one test: what the test registers goes away after it."""
    from hhikit import registry

    registry.discover()
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))
    monkeypatch.setattr(registry, "_FAILED", dict(registry._FAILED))
    monkeypatch.setattr(registry, "_TRIED", set(registry._TRIED))
    monkeypatch.setattr(registry, "BACKEND_MODULES", list(registry.BACKEND_MODULES))
    return registry
