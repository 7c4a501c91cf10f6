"""The set-up student: trained only when asked by name, bounded, with a stated size."""

from __future__ import annotations

import json

from hhikit import registry
from hhikit.models import setup as setup_mod
from hhikit.pseudolabel.cards import STUDENT_CARD
from hhikit.pseudolabel.distil import load_student, train_from_seeds
from hhikit.pseudolabel.student import META_FILE, Summariser
from tests.pseudolabel.conftest import tiny_llama


def test_student_setup_runs_only_when_named(tmp_path, monkeypatch):
    registry.discover()
    step = registry.lookup("setup", "pseudolabel-student", "set-up step")
    assert step.factory is not None and step.factory.__module__ == "hhikit.pseudolabel.prepare"
    monkeypatch.setenv("HHIKIT_HOME", str(tmp_path))
    monkeypatch.setattr(setup_mod, "list_cards", lambda: [STUDENT_CARD])
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))  # the fake step goes away after the test
    calls = []

    def fake_step(card, out):
        calls.append(card.name)
        for f in card.files:
            (out / f).write_text("{}")

    registry._ENTRIES[("setup", "pseudolabel-student")] = registry.Entry("setup", "pseudolabel-student", fake_step)
    assert setup_mod.run_setup(None, log=lambda m: None) == []  # a plain `hhi models setup` skips it
    assert setup_mod.run_setup(["pseudolabel-student"], log=lambda m: None) == ["pseudolabel-student"]
    assert calls == ["pseudolabel-student"] and (tmp_path / "models" / "pseudolabel-student" / "config.json").exists()
    assert STUDENT_CARD.size_mb > 0 and "hhi models setup pseudolabel-student" in STUDENT_CARD.obtain


def test_seed_student_trains_a_bounded_number_of_steps(tok, tmp_path):
    base = tmp_path / "base"
    Summariser(tiny_llama(tok), tok).save(base)
    out = train_from_seeds(tmp_path / "student", base_dir=base, progress=False, log=lambda m: None)
    meta = json.loads((out / META_FILE).read_text())
    assert meta["pairs"] == 40 and meta["steps"] == 15 and meta["weak"] is True  # 40 seed pairs, 3 epochs of 8
    assert meta["loss_last"] < meta["loss_first"]
    assert len(load_student(out).summarise(["_ hugs _ at the station."])) == 1


def test_busy_machine_trains_with_one_thread_and_restores(tmp_path, monkeypatch):
    import torch

    from hhikit.pseudolabel import distil, prepare, student

    seen = []
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(student, "busy_machine", lambda: True)
    monkeypatch.setattr(distil, "train_from_seeds", lambda out, log: seen.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # so that "one thread" and "restored" differ
    try:
        prepare.prepare_student(STUDENT_CARD, tmp_path)
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
