"""The parse extractor on hand-written captions (none taken from Waldo and Wenda)."""

from __future__ import annotations

import pytest

from hhikit.pseudolabel.format import is_valid_interaction
from hhikit.pseudolabel.parser import ParseExtractor, drop_pps_without_people


@pytest.fixture(scope="module")
def parser():
    return ParseExtractor()


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("_ hugs _ at the station after the match.", "_ hugging _"),
        ("Coach _ talks with _ during practice on Monday.", "_ talking with _"),
        ("_ and _ shake hands before the debate in Boston.", "_ shaking hands with _"),
        ("A man and a woman are dancing in the kitchen.", "_ dancing with _"),
        ("Two girls playing tennis together at the club.", "_ playing tennis with _"),
        ("Two men are talking to each other near a fountain.", "_ talking to _"),
        ("The mother feeds her baby with a spoon.", "_ feeding _"),
        ("_ presents an award to _ at the gala on Friday.", "_ presenting an award to _"),
        ("_ kisses _'s hand on the balcony.", "_ kissing _'s hand"),
    ],
)
def test_extract(parser, caption, expected):
    assert parser.extract(caption) == expected


@pytest.mark.parametrize(
    "caption",
    ["A dog runs across the field.", "A red car parked near the old bridge.", "_ smiles at the camera in Paris."],
)
def test_no_interaction(parser, caption):
    assert parser.extract(caption) is None


def test_outputs_follow_the_format_rule(parser):
    caps = [
        "_ and _ , _ and _ pose with _ at the ceremony in Rome.",
        "Senator _ greets _ , _ and _ on arrival at the airport.",
        "a teacher helping a student with homework",
        "_ carries his son on his shoulders at the parade.",
    ]
    outs = list(parser.extract_many(caps))
    assert len(outs) == 4
    for o in outs:
        assert o is None or is_valid_interaction(o)
    assert outs[2] == "_ helping _"
    assert outs[3] == "_ carrying _"


def test_drop_pps_without_people(parser):
    assert drop_pps_without_people("_ hugging _ at the airport in the rain", parser.nlp) == "_ hugging _"
    assert drop_pps_without_people("_ sitting on _'s lap in a park", parser.nlp) == "_ sitting on _'s lap"
    assert drop_pps_without_people("_ giving a trophy to _ after the final", parser.nlp) == "_ giving a trophy to _"
