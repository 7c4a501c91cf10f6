from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from hhikit.errors import InputError, ModelUnavailable
from hhikit.eval.text import NLI, Bleurt, TextMetrics, WordVectors, person_text, verb_of


def test_verb_of_and_person_text():
    assert verb_of("_ shaking hands with _") == "shaking"
    assert verb_of("_ Hugging, _") == "hugging"
    assert verb_of("_") is None
    assert person_text("_ putting his arms on _'s shoulders") == "person putting his arms on person's shoulders"
    assert person_text("_ high-fiving  _") == "person high-fiving person"


def _write_glove(path: Path) -> None:
    path.write_text("hugging 1 0 0\nkissing 0.6 0.8 0\nsaluting 0 0 2\n")


def test_word_vectors_text_file_hand_computed(tmp_path):
    p = tmp_path / "g.txt"
    _write_glove(p)
    wv = WordVectors.from_file(p)
    assert wv.dim == 3 and len(wv) == 3
    assert math.isclose(wv.similarity("hugging", "kissing"), 0.6, rel_tol=1e-6)
    assert math.isclose(wv.similarity("Hugging", "saluting"), 0.0, abs_tol=1e-12)
    assert wv.similarity("hugging", "zorbing") == 0.0  # out of vocabulary -> 0
    assert wv.similarity(None, "hugging") == 0.0
    kept = WordVectors.from_file(p, keep={"kissing"})
    assert len(kept) == 1 and "kissing" in kept


def test_word_vectors_word2vec_text_binary_and_gzip(tmp_path):
    t = tmp_path / "w2v.txt.gz"
    with gzip.open(t, "wt") as fh:
        fh.write("2 2\nhugging 3 4\nkissing 4 3\n")
    assert math.isclose(WordVectors.from_file(t).similarity("hugging", "kissing"), 24 / 25)
    b = tmp_path / "w2v.bin"
    with open(b, "wb") as fh:
        fh.write(b"2 2\n")
        for w, v in (("hugging", (3.0, 4.0)), ("kissing", (4.0, 3.0))):
            fh.write(w.encode() + b" " + struct.pack("<2f", *v) + b"\n")
    assert math.isclose(WordVectors.from_file(b).similarity("hugging", "kissing"), 24 / 25, rel_tol=1e-6)


def test_word_vectors_bad_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        WordVectors.from_file(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1\n")
    with pytest.raises(InputError, match="line 2"):
        WordVectors.from_file(bad)


def test_packaged_glove_vocabulary_is_aligned():
    wv = WordVectors.packaged()
    assert len(wv) == 400_000 and wv.dim == 50
    assert wv.similarity("hugging", "hugging") == pytest.approx(1.0)
    # related verbs are closer than unrelated ones (row i of the index names row i of the array)
    assert wv.similarity("hugging", "kissing") > wv.similarity("hugging", "computer") + 0.2
    assert wv.similarity("king", "queen") > 0.7


def test_text_metrics_reports_missing_models_as_unavailable(tmp_path):
    tm = TextMetrics.load(glove=tmp_path / "missing.txt", sentence=False, nli=tmp_path / "nothing")
    assert tm.vectors is None and "not found" in tm.unavailable["verb_sim"]
    assert "bleurt" in tm.unavailable and "nli_entail" in tm.unavailable and "nli_contra" in tm.unavailable
    assert tm.available() == []
    with pytest.raises(ModelUnavailable):
        tm.verb_similarity("_ hugging _", "_ hugging _")


# ---- tiny random transformers models (no hub): the loading and label-order code paths


def _tiny_bert(tmp_path: Path, num_labels: int, id2label: dict[int, str] | None = None) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from hhikit.models.store import resolve

    vocab = resolve("minilm").root / "vocab.txt"
    tok = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    cfg = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=128, num_labels=num_labels,
    )  # fmt: skip
    if id2label:
        cfg.id2label = id2label
        cfg.label2id = {v: k for k, v in id2label.items()}
    torch.manual_seed(0)
    model = BertForSequenceClassification(cfg)
    out = tmp_path / f"bert{num_labels}"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory) -> Path:
    return _tiny_bert(tmp_path_factory.mktemp("nli"), 3, {0: "CONTRADICTION", 1: "neutral", 2: "Entailment"})


def test_nli_label_order_from_id2label(tiny_nli):
    import torch

    nli = NLI(tiny_nli)
    assert (nli.entail, nli.contra) == (2, 0)
    ent, con = nli.probs(["a man hugs a woman", "two people"], ["person hugging person", "person talking"])
    enc = nli.tokenizer(["a man hugs a woman"], ["person hugging person"], return_tensors="pt")
    with torch.inference_mode():
        p = torch.softmax(nli.model(**enc).logits, -1)[0].numpy()
    assert ent[0] == pytest.approx(p[2], abs=1e-5) and con[0] == pytest.approx(p[0], abs=1e-5)
    assert np.all((ent >= 0) & (ent <= 1) & (ent + con <= 1 + 1e-6))


def test_nli_without_entailment_label_is_unavailable(tmp_path):
    d = _tiny_bert(tmp_path, 2, {0: "yes", 1: "no"})
    with pytest.raises(ModelUnavailable, match="entail"):
        NLI(d)


def test_bleurt_from_local_sequence_regression_model(tmp_path):
    b = Bleurt(_tiny_bert(tmp_path, 1))
    s = b.score(["person hugging person"] * 3, ["person hugging person", "person kissing person", "x"])
    assert s.shape == (3,) and np.all(np.isfinite(s))
    s2 = b.score(["person hugging person"], ["person kissing person"])
    assert s2[0] == pytest.approx(s[1], abs=1e-5)  # batching does not change scores
    with pytest.raises(ModelUnavailable, match="config.json"):
        Bleurt(tmp_path / "none")


def test_waldo_aggregates_nli_max_entail_min_contra_and_bleurt(tiny_nli, tmp_path):
    from hhikit.eval.waldo import WaldoLabel, evaluate_waldo

    tm = TextMetrics(nli=NLI(tiny_nli), bleurt=Bleurt(_tiny_bert(tmp_path, 1)))
    tm.unavailable.update({"verb_sim": "off", "minilm": "off"})
    labels = {"1": WaldoLabel("ww", "1", "_ hugging _", "_ hugs _ at the airport")}
    preds = {"1": ["_ hugging _", "_ fighting with _", "_ walking _"]}
    rep = evaluate_waldo(preds, labels, k=(1, 3), metrics=tm)
    item = rep.items[0]
    ent, con = item["per_prediction"]["nli_entail"], item["per_prediction"]["nli_contra"]
    # the paper: premise = the caption as it is, hypothesis = the prediction with its "_"
    e_direct, c_direct = tm.nli.probs(["_ hugs _ at the airport"] * 3, preds["1"])
    assert ent == pytest.approx(e_direct.tolist(), abs=1e-5) and con == pytest.approx(c_direct.tolist(), abs=1e-5)
    # BLEURT: "_" -> "person" on both sides (str.replace), reference = label
    b_direct = tm.bleurt.score(["person hugging person"] * 3, [t.replace("_", "person") for t in preds["1"]])
    assert item["per_prediction"]["bleurt"] == pytest.approx(b_direct.tolist(), abs=1e-5)
    m = rep.to_dict()["metrics"]
    assert m["nli_entail"]["at"]["3"]["ww"] == pytest.approx(max(ent))
    assert m["nli_contra"]["at"]["3"]["ww"] == pytest.approx(min(con))
    assert m["nli_contra"]["at"]["1"]["ww"] == pytest.approx(con[0])
    assert m["bleurt"]["at"]["3"]["overall"] == pytest.approx(max(item["per_prediction"]["bleurt"]))
    assert m["verb_sim"] == {"available": False, "reason": "off", "at": None}


def test_score_pairs_returns_only_available_metrics(tmp_path):
    p = tmp_path / "g.txt"
    _write_glove(p)
    tm = TextMetrics(vectors=WordVectors.from_file(p))
    out = tm.score_pairs(["_ kissing _", "_ saluting with _"], ["_ hugging _", "_ hugging _"])
    assert set(out) == {"verb_sim"} and out["verb_sim"] == pytest.approx([0.6, 0.0], abs=1e-6)
    with pytest.raises(ValueError):
        tm.score_pairs(["a"], [])
