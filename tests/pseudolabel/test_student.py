from __future__ import annotations

import json

import pytest

from hhikit.pseudolabel.format import is_valid_interaction
from hhikit.pseudolabel.student import META_FILE, PREFIX, Summariser, TrainConfig, clean_output, student_input
from tests.pseudolabel.conftest import SEEDS, tiny_llama, tiny_t5

PAIRS = [(p["caption"], p["interaction"]) for p in json.loads(SEEDS.read_text())["pairs"]][:8]


def test_student_input_and_output_cleaning():
    assert student_input("_ hugs  _") == PREFIX + "Anna hugs Ben"
    assert student_input("[NAME] hugs [NAME].", "summarize:") == "summarize:Anna hugs Ben."
    assert clean_output("Anna hugging Ben.\nmore") == "_ hugging _"
    assert clean_output("Anna and Ben shaking hands") == "_ shaking hands with _"


@pytest.mark.parametrize("kind", ["t5", "llama"])
def test_tiny_student_saves_loads_and_learns(tok, tmp_path, kind):
    model = tiny_t5(tok) if kind == "t5" else tiny_llama(tok)
    d = tmp_path / kind
    Summariser(model, tok).save(d, {"kind": kind})
    assert (d / "config.json").exists() and json.loads((d / META_FILE).read_text()) == {"kind": kind}
    s = Summariser.load(d)
    assert s.seq2seq == (kind == "t5")
    cfg = TrainConfig(epochs=4, lr=1e-2, batch_size=4)
    before = s.loss(PAIRS, cfg)
    report = s.train(PAIRS, cfg, progress=False)
    after = s.loss(PAIRS, cfg)
    assert report.steps == 8 and len(report.losses) == 8
    assert after < before * 0.8, (before, after)
    outs = s.summarise([c for c, _ in PAIRS[:3]])
    assert len(outs) == 3 and all(isinstance(o, str) and "\n" not in o for o in outs)
    # at most 20 new tokens
    assert all(len(tok(o, add_special_tokens=False)["input_ids"]) <= 40 for o in outs)


def test_tiny_t5_memorises_one_pair(tok):
    s = Summariser(tiny_t5(tok, seed=3), tok)
    pair = [("_ hugs _ at the station.", "_ hugging _")]
    s.train(pair * 8, TrainConfig(epochs=10, lr=1e-2, batch_size=8), progress=False)
    out = s.summarise([pair[0][0]])[0]
    assert out == "_ hugging _" and is_valid_interaction(out)


def test_train_needs_pairs(tok):
    with pytest.raises(ValueError):
        Summariser(tiny_t5(tok), tok).train([], progress=False)


def test_one_thread_while_busy_then_restored(monkeypatch):
    import torch

    from hhikit.pseudolabel import student

    before = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(student, "busy_machine", lambda: True)
    with student.threads_for_load():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's choice wins
    with student.threads_for_load():
        assert torch.get_num_threads() == before
