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
    assert out.shape[1] == 480 and out.shape[0] > 320  # upscaled, plus a strip for the image-level list
    assert (out[-20:] < 128).any() and (out[:320] > 0).any()
    full = annotate(img, r)
    assert full.shape == out.shape
    plain = annotate(img, ImageResult("x", 150, 100))
    assert plain.shape == img.shape
