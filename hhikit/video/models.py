"""Model cards and factories of the video layer.

Factories for the packaged cards it uses (TransNetV2, Whisper tiny.en, Silero VAD), so
``hhi models verify`` can build and smoke-test them, and cards for the optional bigger
models of the ICCCI system (an Audio Spectrogram Transformer and a ViViT) that plug in from
a local Hugging Face folder when one is given; without one they are reported unavailable.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from hhikit.models.card import ModelCard, get_card, register_card, register_model
from hhikit.models.store import ResolvedModel

AST_CARD = register_card(
    ModelCard(
        name="ast-audioset",
        task="audio-classification",
        source_kind="local",
        source=os.environ.get("HHIKIT_AST_DIR", "~/.cache/hhikit/local/ast-audioset"),
        files=("config.json",),
        licence="BSD-3-Clause (AST)",
        size_mb=330.0,
        obtain="put an Audio Spectrogram Transformer in Hugging Face layout in that folder or set HHIKIT_AST_DIR",
        description="Audio Spectrogram Transformer clip embeddings (optional audio features)",
    )
)
BERT_CARD = register_card(
    ModelCard(
        name="bert-base-uncased",
        task="feature-extraction",
        source_kind="local",
        source=os.environ.get("HHIKIT_BERT_DIR", "~/.cache/hhikit/local/bert-base-uncased"),
        files=("config.json",),
        licence="Apache-2.0 (BERT)",
        size_mb=440.0,
        obtain="put bert-base-uncased in Hugging Face layout in that folder or set HHIKIT_BERT_DIR",
        description="BERT [CLS] of a clip's subtitles (the ICCCI model's text feature)",
    )
)
VIVIT_CARD = register_card(
    ModelCard(
        name="vivit-kinetics400",
        task="video-classification",
        source_kind="local",
        source=os.environ.get("HHIKIT_VIVIT_DIR", "~/.cache/hhikit/local/vivit-kinetics400"),
        files=("config.json",),
        licence="Apache-2.0 (ViViT)",
        size_mb=350.0,
        obtain="put a ViViT in Hugging Face layout in that folder or set HHIKIT_VIVIT_DIR",
        description="ViViT clip embeddings (optional visual features)",
    )
)


def optional_models() -> dict[str, str]:
    """``{card: reason}`` for the optional video models that are not available locally."""
    from hhikit.errors import ModelUnavailable
    from hhikit.models.store import resolve

    out = {}
    for card in (AST_CARD, VIVIT_CARD):
        try:
            resolve(card)
        except ModelUnavailable as exc:
            out[card.name] = str(exc)
    return out


def load_hf_local(resolved: ResolvedModel) -> tuple[Any, Any]:
    """A transformers model and its feature extractor from a local folder (offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoFeatureExtractor, AutoModel

    model = AutoModel.from_pretrained(str(resolved.root), local_files_only=True).eval()
    try:
        fe = AutoFeatureExtractor.from_pretrained(str(resolved.root), local_files_only=True)
    except (OSError, ValueError):
        fe = None
    return model, fe


register_model(AST_CARD)(load_hf_local)
register_model(VIVIT_CARD)(load_hf_local)


def _smoke_transnet(model: Any) -> str:
    import torch

    x = torch.zeros((1, 100, 27, 48, 3), dtype=torch.uint8)
    with torch.inference_mode():
        p = torch.sigmoid(model(x)[0]).max().item()
    return f"100 black frames: max transition probability {p:.2f}"


@register_model(get_card("transnetv2"), smoke=_smoke_transnet)
def _transnet(resolved: ResolvedModel, **_: Any) -> Any:
    from hhikit.video.shots import load_transnetv2

    return load_transnetv2()


def _smoke_whisper(model: Any) -> str:
    segs, _ = model.transcribe(np.zeros(16000, dtype=np.float32), language="en", beam_size=1)
    return f"1 s of silence: {len(list(segs))} segments"


@register_model(get_card("whisper-tiny.en"), smoke=_smoke_whisper)
def _whisper(resolved: ResolvedModel, **_: Any) -> Any:
    from hhikit.video.asr import load_whisper

    return load_whisper(resolved.root)


def _smoke_vad(vad: Any) -> str:
    p = vad.probabilities(np.zeros(16000, dtype=np.float32))
    return f"1 s of silence: max speech probability {p.max():.2f}"


@register_model(get_card("silero-vad"), smoke=_smoke_vad)
def _vad(resolved: ResolvedModel, **_: Any) -> Any:
    from hhikit.video.audio import SileroVAD

    return SileroVAD(str(resolved.path("silero_vad.onnx")))
