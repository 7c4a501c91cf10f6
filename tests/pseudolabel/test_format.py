from __future__ import annotations

from hhikit.pseudolabel.format import encode_people, is_valid_interaction, mask_names, normalise_interaction


def test_format_rule_accepts_paper_forms():
    for t in ["_ hugging _", "_ shaking hands with _", "_ sitting on _'s lap", "_ giving _ a ride on a motorcycle"]:
        assert is_valid_interaction(t), t


def test_format_rule_rejects():
    for t in ["", "_ hugs _", "hugging _", "_ hugging", "_ hugging _ and _", "_ and _ hugging", "a man hugging _"]:
        assert not is_valid_interaction(t), t


def test_normalise_subject_conjunction_and_is():
    assert normalise_interaction("_ and _ shaking hands.") == "_ shaking hands with _"
    assert normalise_interaction("_ is hugging _") == "_ hugging _"
    assert normalise_interaction("_  kissing   _\u2019s hand") == "_ kissing _'s hand"


def test_encode_and_mask_round_trip():
    text, names = encode_people("_ hugs _'s son while _ watches; my_var stays")
    assert names == ["Anna", "Ben", "Carla"]
    assert text == "Anna hugs Ben's son while Carla watches; my_var stays"
    assert mask_names(text, names) == "_ hugs _'s son while _ watches; my_var stays"
