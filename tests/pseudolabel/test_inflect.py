from __future__ import annotations

import pytest

from hhikit.pseudolabel.inflect import gerund


@pytest.mark.parametrize(
    ("lemma", "ing"),
    [
        ("hug", "hugging"), ("shake", "shaking"), ("play", "playing"), ("sit", "sitting"), ("tie", "tying"),
        ("see", "seeing"), ("be", "being"), ("talk", "talking"), ("run", "running"), ("visit", "visiting"),
        ("begin", "beginning"), ("ski", "skiing"), ("panic", "panicking"), ("fix", "fixing"), ("show", "showing"),
        ("dance", "dancing"), ("kiss", "kissing"), ("pick up", "picking up"), ("open", "opening"),
        ("admit", "admitting"), ("sing", "singing"), ("feed", "feeding"), ("box", "boxing"),
    ],
)  # fmt: skip
def test_gerund(lemma, ing):
    assert gerund(lemma) == ing
