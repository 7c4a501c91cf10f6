from __future__ import annotations

import pytest

from hhikit.pseudolabel.weights import caption_weights


def test_weights_by_hand():
    # labels: A, A, B, C; captions: item 0 and 1 share a caption.
    labels = ["_ hugging _", "_ hugging _", "_ kissing _", "_ talking with _"]
    caps = ["same", "same", "x", "y"]
    # 1/freq: .5 .5 1 1 -> mean .75 -> 2/3 2/3 4/3 4/3 -> ^0.25 -> a=(2/3)^.25, b=(4/3)^.25
    a, b = (2 / 3) ** 0.25, (4 / 3) ** 0.25
    m = (2 * a + 2 * b) / 4
    expected = [a / m / 2, a / m / 2, b / m, b / m]
    assert caption_weights(labels, caps) == pytest.approx(expected)
    # without caption duplicates the mean is 1
    w = caption_weights(labels)
    assert sum(w) / len(w) == pytest.approx(1.0)
    assert w[0] < w[2]


def test_unusable_items_weigh_zero_and_do_not_count():
    w = caption_weights(["_ hugging _", None, "", "_ hugging _"], ["a", "b", "c", "d"])
    assert w == pytest.approx([1.0, 0.0, 0.0, 1.0])
    assert caption_weights([None, None]) == [0.0, 0.0]


def test_exponent_zero_is_uniform():
    assert caption_weights(["a", "a", "b"], exp=0.0) == pytest.approx([1.0, 1.0, 1.0])


def test_length_mismatch():
    with pytest.raises(ValueError):
        caption_weights(["a"], ["x", "y"])
