"""Sentence embeddings of transcripts with MiniLM (card ``minilm``, shipped in a package)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

TEXT_DIM = 384
_MODEL: Any = None


def load_minilm() -> Any:
    """The MiniLM sentence encoder, built once per process from local files."""
    global _MODEL
    if _MODEL is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        from hhikit.models.store import resolve

        root = resolve("minilm").root
        _MODEL = SentenceTransformer(str(root), device="cpu", local_files_only=True)
    return _MODEL


class TextEncoder:
    """``encode(texts) -> (N, 384)`` unit vectors; empty text gives a zero vector."""

    def __init__(self, model: Any = None) -> None:
        self.model = model if model is not None else load_minilm()

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), TEXT_DIM), dtype=np.float32)
        idx = [i for i, t in enumerate(texts) if t.strip()]
        if idx:
            emb = self.model.encode(
                [texts[i] for i in idx], normalize_embeddings=True, convert_to_numpy=True, batch_size=32
            )
            out[idx] = emb
        return out
