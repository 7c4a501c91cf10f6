"""Set-up steps: which cards need preparing, and the version stamp that re-runs a step."""

from __future__ import annotations

import pytest

from hhikit import registry
from hhikit.models.card import ModelCard
from hhikit.models.setup import SETUP_STAMP, needs_setup, register_setup, run_setup
from hhikit.models.store import model_dir


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path))
    return tmp_path


def _card(version: int | None) -> ModelCard:
    extra = {} if version is None else {"setup_version": version}
    return ModelCard(name="x-setup", task="t", source_kind="package", source="npm:x@1", files=("a.onnx",),
                     setup="x-step", extra=extra)  # fmt: skip


def test_needs_setup_when_files_are_missing_or_the_stamp_is_old(store):
    d = model_dir("x-setup")
    assert needs_setup(_card(None)) and needs_setup(_card(2))
    d.mkdir(parents=True)
    (d / "a.onnx").write_bytes(b"old")
    assert not needs_setup(_card(None))  # no version: files present is enough
    assert needs_setup(_card(2))  # prepared by code older than the stamp
    (d / SETUP_STAMP).write_text("1")
    assert needs_setup(_card(2))
    (d / SETUP_STAMP).write_text("2")
    assert not needs_setup(_card(2))


def test_run_setup_writes_the_stamp_and_reruns_an_old_store(store, monkeypatch):
    calls = []
    registry.discover()
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))  # the test's entries go away after it

    @register_setup("x-step")
    def _step(card, out):
        calls.append(card.name)
        (out / "a.onnx").write_bytes(b"new")

    card = _card(2)
    registry.add(registry.Entry("model", card.name, None, card))
    old = model_dir("x-setup")
    old.mkdir(parents=True)
    (old / "a.onnx").write_bytes(b"old")  # an older set-up: file present, no stamp
    assert run_setup(["x-setup"], log=lambda _: None) == ["x-setup"]
    assert (old / "a.onnx").read_bytes() == b"new" and (old / SETUP_STAMP).read_text() == "2"
    assert run_setup(["x-setup"], log=lambda _: None) == [] and calls == ["x-setup"]
