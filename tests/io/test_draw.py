"""Annotators: the interaction annotator writes pair and image-level text."""

from __future__ import annotations

import numpy as np

from hhikit.io.draw import InteractionAnnotator, annotate
from hhikit.types import ImageResult, Interaction, Pair, Person


def test_interaction_annotator_draws_text():
    img = np.zeros((100, 150, 3), np.uint8)
    r = ImageResult("x", 150, 100, people=[Person(0, [10, 10, 60, 90], 0.9), Person(1, [80, 10, 140, 90], 0.9)],
                    pairs=[Pair(0, 1, 0.9, interactions=[Interaction("_ hugging _", 0.7, ["close"])])],
                    interactions=[Interaction("_ hugging _", 0.7, ["close"])])  # fmt: skip
    out = InteractionAnnotator().annotate(img, r)
    assert out.shape == img.shape
    assert (out[-5:] > 128).any() and (out[-5:] < 128).any()  # light band with dark text at the bottom
    assert (out[50:70, 40:110] > 0).any()  # the pair's label near the middle of its edge
    assert annotate(img, r).shape == img.shape
    assert not annotate(img, ImageResult("x", 150, 100)).any()
