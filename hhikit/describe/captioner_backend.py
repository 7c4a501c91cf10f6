"""The captioner describers ``encdec:PATH`` and ``clipcap:PATH``: a captioner loaded from any
layout hhikit reads (``hhikit.describe.checkpoints``) describes the image and its pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hhikit.describe.base import TOP_K, register_describer
from hhikit.describe.captioners import BEAM, MAX_STEPS, normalise_caption
from hhikit.describe.checkpoints import load_any
from hhikit.errors import ConfigError
from hhikit.types import ImageResult, Interaction


class CaptionerDescriber:
    """Describer backed by a captioner: the image's top 8 beams, for the image and for every
    non-suppressed pair (the captioner sees the whole image, as in the paper). ``model_dir``
    is a hhikit captioner directory, the paper's Lightning checkpoint (or the directory
    unpacked from ``cc_ft.tar.gz``) or an official CLIPCap ``.pt``; the last two need the
    ``clip`` and ``gpt2`` Hugging Face directories."""

    def __init__(
        self,
        model_dir: str | Path,
        kind: str,
        beam: int = BEAM,
        max_steps: int = MAX_STEPS,
        clip: str | Path | None = None,
        gpt2: str | Path | None = None,
    ) -> None:
        self.name = kind
        self.model = load_any(model_dir, kind, clip=clip, gpt2=gpt2)
        self.beam, self.max_steps = int(beam), int(max_steps)

    def describe(self, image: np.ndarray, result: ImageResult) -> None:
        beams = self.model.beam_search(image, self.beam, self.max_steps, TOP_K)
        cue = f"{self.name} captioner beam search (beam {self.beam}, summed log-prob)"
        result.interactions = [
            Interaction(normalise_caption(t), float(np.exp(s)), [cue, f"log-prob {s:.2f}"]) for t, s in beams
        ]
        for pr in result.pairs:
            if not pr.suppressed:
                pr.interactions = [Interaction(i.text, i.score, list(i.cues)) for i in result.interactions]


def _factory(kind: str):
    def make(arg: str | None = None, **options: Any) -> CaptionerDescriber:
        if not arg:
            raise ConfigError(f"describer {kind!r} needs a model directory or checkpoint: --describer {kind}:PATH")
        return CaptionerDescriber(arg, kind, **options)

    return make


register_describer("encdec", options_of=CaptionerDescriber)(_factory("encdec"))
register_describer("clipcap", options_of=CaptionerDescriber)(_factory("clipcap"))
