from __future__ import annotations

import pytest

from hhikit.errors import ModelUnavailable
from hhikit.models.card import ModelCard, get_card, list_cards
from hhikit.models.store import resolve, sha256_file


def test_packaged_cards_resolve_to_real_files():
    for name in ["minilm", "glove-6b-50d", "whisper-tiny.en", "silero-vad", "transnetv2", "smollm2-135m-instruct"]:
        r = resolve(name)
        for f in r.card.files:
            assert (r.root / f).stat().st_size > 0


def test_every_default_card_has_licence_and_size():
    for c in list_cards():
        if c.default:
            assert c.licence and c.licence != "unknown", c.name
            assert c.size_mb > 0, c.name


def test_missing_local_model_says_how_to_get_it(tmp_path):
    card = ModelCard(name="x-local", task="t", source_kind="local", source=str(tmp_path / "nope"),
                     files=("w.bin",), obtain="copy w.bin there")  # fmt: skip
    with pytest.raises(ModelUnavailable, match="copy w.bin there"):
        resolve(card)


def test_hub_source_is_refused_offline(monkeypatch):
    monkeypatch.delenv("HHIKIT_ALLOW_HUB", raising=False)
    card = ModelCard(name="x-hub", task="t", source_kind="hub", source="org/model")
    with pytest.raises(ModelUnavailable, match="hub"):
        resolve(card)


def test_local_dir_override_and_checksum(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"abc")
    digest = sha256_file(tmp_path / "w.bin")
    card = ModelCard(name="x-sum", task="t", source_kind="local", source="/nowhere", files=("w.bin",),
                     sha256={"w.bin": digest})  # fmt: skip
    assert resolve(card, local_dir=tmp_path, verify=True).path() == tmp_path / "w.bin"
    bad = ModelCard(name="x-bad", task="t", source_kind="local", source=str(tmp_path), files=("w.bin",),
                    sha256={"w.bin": "0" * 64})  # fmt: skip
    with pytest.raises(ModelUnavailable, match="sha256"):
        resolve(bad, verify=True)


def test_unknown_card_lists_known():
    from hhikit.errors import ConfigError

    with pytest.raises(ConfigError, match="minilm"):
        get_card("no-such-model")


def test_verify_runs_packaged_models_once():
    from hhikit.models.verify import verify_models

    rows = {name: (ok, msg) for name, ok, msg in verify_models(["minilm", "spacy-en-sm", "rapidocr"])}
    assert all(ok for ok, _ in rows.values()), rows
    assert "384-d" in rows["minilm"][1]
    assert "'shake'" in rows["spacy-en-sm"][1]
    assert "WEDDING" in rows["rapidocr"][1]
