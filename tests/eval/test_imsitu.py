from __future__ import annotations

import pytest

from hhikit.errors import InputError
from hhikit.eval.imsitu import evaluate_imsitu, gold_verb, load_imsitu_ids, predicted_verb
from hhikit.eval.text import WordVectors
from tests.conftest import shared_path


def test_gold_and_predicted_verbs():
    assert gold_verb("admiring_0") == "admiring" and gold_verb("shaking_hands_12.jpg") == "shaking_hands"
    with pytest.raises(InputError):
        gold_verb("admiring")
    assert predicted_verb("_ admiring _") == "admiring" and predicted_verb("Hugging") == "hugging"


def test_hand_computed(tmp_path):
    g = tmp_path / "g.txt"
    g.write_text("hugging 1 0\nkissing 0.6 0.8\nadmiring 0 1\n")
    wv = WordVectors.from_file(g)
    preds = {"hugging_1": ["_ kissing _", "_ hugging _"], "admiring_3": ["_ kissing _"], "x_1": ["a"]}
    r = evaluate_imsitu(preds, ["hugging_1", "admiring_3", "kissing_2"], vectors=wv, k=(1, 2)).to_dict()
    assert r["at"]["1"]["verb_sim"] == pytest.approx((0.6 + 0.8) / 2)
    assert r["at"]["2"]["verb_sim"] == pytest.approx((1.0 + 0.8) / 2)
    assert r["at"]["1"]["verb_acc"] == 0.0 and r["at"]["2"]["verb_acc"] == 0.5
    assert r["missing"] == 1 and r["unknown_ids"] == 1


def test_real_id_list():
    ids = load_imsitu_ids(shared_path("imsitu_hhi", "imsitu-hhi.txt"))
    assert len(ids) == 8021 and len({gold_verb(i) for i in ids}) == 50
    # predicting the gold verb itself gives similarity 1 for verbs GloVe knows
    r = evaluate_imsitu({i: [f"_ {gold_verb(i)} _"] for i in ids[::40]}, ids).to_dict()
    assert r["at"]["1"]["verb_acc"] == 1.0 and r["at"]["1"]["verb_sim"] > 0.9
