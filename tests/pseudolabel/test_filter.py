from __future__ import annotations

import pytest

from hhikit.pseudolabel.filter import (
    FallbackFilter,
    NLIFilter,
    count_people,
    filter_pairs,
    hypothesis,
    verb_in_caption,
    verb_stems,
)


def test_hypothesis_masks_people():
    assert hypothesis("_ sitting on _'s lap") == "person sitting on person's lap"


def test_verb_checks():
    assert {"hug", "hugg"} <= verb_stems("hugging")
    assert "dance" in verb_stems("dancing")
    assert verb_in_caption("_ hugging _", "Anna hugs Ben at the station.")
    assert verb_in_caption("_ shaking hands with _", "Anna and Ben shake hands.")
    assert verb_in_caption("_ talking with _", "Anna chats with Ben.")  # synonym
    assert not verb_in_caption("_ kissing _", "Anna waves at Ben.")


def test_count_people():
    assert count_people("Anna hugs Ben.") == 2
    assert count_people("two men are talking") >= 2
    assert count_people("a man and a woman dancing") == 2
    assert count_people("a dog runs across a field") == 0
    assert count_people("a woman reading a book") == 1


@pytest.fixture(scope="module")
def fallback():
    return FallbackFilter()


def test_fallback_filter_on_real_minilm(fallback):
    caps = ["Anna hugs her brother Ben at the airport.", "A red car parked near the old bridge.", "Anna waves at Ben."]
    inters = ["_ hugging _", "_ hugging _", "_ kissing _"]
    res = fallback.scores(caps, inters)
    assert [ok for ok, _ in res] == [True, False, False]
    assert res[0][1] > res[1][1]


def test_filter_pairs_marks_fallback_and_drops_pps(fallback):
    from hhikit.pseudolabel.parser import load_spacy

    recs = [
        {
            "interaction": "_ hugging _ at the airport",
            "caption": "Anna hugs Ben at the airport after a trip.",
            "ok": True,
        },
        {"interaction": "_ kissing _", "caption": "The stadium is empty.", "ok": True},
        {"interaction": "_ kissing _", "caption": "", "ok": False},
    ]
    out = list(filter_pairs(recs, fallback, load_spacy()))
    assert len(out) == 2 and all(r["filter"] == "fallback" for r in out)
    assert out[0]["kept"] and out[0]["target"] == "_ hugging _"
    assert not out[1]["kept"] and out[1]["target"] == ""


def test_nli_filter_with_tiny_random_model(tok, tmp_path):
    f = _certain_nli(tok, tmp_path / "yes", entail=True)
    res = f.scores(["Anna hugs Ben.", "x"], ["_ hugging _", "_ kissing _"])
    assert len(res) == 2 and all(ok and p > 0.9 for ok, p in res) and f.kind == "nli"
    assert not any(ok for ok, _ in _certain_nli(tok, tmp_path / "no", entail=False).scores(["a"], ["_ hugging _"]))


def test_nli_filter_needs_entailment_label(tok, tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    from hhikit.errors import ModelUnavailable

    cfg = BertConfig(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, num_labels=2)  # fmt: skip
    BertForSequenceClassification(cfg).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    with pytest.raises(ModelUnavailable, match="entailment"):
        NLIFilter(tmp_path)


def test_hypothesis_substitutes_the_captions_names():
    from hhikit.pseudolabel.filter import unknown_capitalised

    assert hypothesis("_ hugging _", ["Grace", "Hugo"]) == "Grace hugging Hugo"
    assert hypothesis("_ sitting on _'s lap", ("Anna", "Ben")) == "Anna sitting on Ben's lap"
    assert unknown_capitalised("Anna hugging Ben's dog in Paris", ["Anna", "Ben"]) == ["Paris"]


def _certain_nli(tok, path, entail: bool):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=len(tok), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=3, id2label={0: "contradiction", 1: "neutral", 2: "entailment"}, pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    m = BertForSequenceClassification(cfg)
    with torch.no_grad():
        m.classifier.weight.zero_()
        m.classifier.bias.copy_(torch.tensor([0.0, 0.0, 5.0] if entail else [5.0, 0.0, 0.0]))
    m.save_pretrained(path)
    tok.save_pretrained(path)
    return NLIFilter(path)


def test_nli_filter_rules_as_the_paper(tok, tmp_path):
    from hhikit.pseudolabel.parser import load_spacy

    flt = _certain_nli(tok, tmp_path / "nli", entail=True)
    seen: list[tuple[list[str], list[str]]] = []
    scores = flt.scores
    flt.scores = lambda p, h: seen.append((p, h)) or scores(p, h)  # type: ignore[method-assign]
    names = ["Grace", "Hugo"]
    recs = [
        {"interaction": "_ hugging _ at the airport", "caption": "Grace hugs Hugo at the airport.", "names": names},
        {"interaction": "_ hugging _ in Paris", "caption": "Grace hugs Hugo in Paris.", "names": names},
        {"interaction": "_ posing for a photo with _", "caption": "Grace poses with Hugo.", "names": names},
        {"interaction": "_ king of _", "caption": "Grace is the king of Hugo.", "names": names},
        {"interaction": "_ hugging _ and _", "caption": "Grace hugs Hugo and Iris.", "names": names},
    ]
    out = list(filter_pairs(recs, flt, load_spacy()))
    assert seen[0][1][0] == "Grace hugging Hugo at the airport"  # the names, not "person"
    assert seen[0][0][0] == "Grace hugs Hugo at the airport."
    assert [r["kept"] for r in out] == [True, False, False, False, False]
    assert out[0]["target"] == "_ hugging _" and out[0]["why"] == "" and out[0]["filter"] == "nli"
    assert [r["why"] for r in out[1:]] == [
        "other capitalised word", "banned word", "no verb (spaCy)", "more than two people",
    ]  # fmt: skip
    low = list(filter_pairs(recs[:1], _certain_nli(tok, tmp_path / "nli0", entail=False), load_spacy()))
    assert not low[0]["kept"] and low[0]["why"].startswith("nli rejected (score 0.0")
