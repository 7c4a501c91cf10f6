"""hhikit's own fusion classifier (``--model hhikit``; the paper's model is
``hhikit.video.iccci_model``).

One BiLSTM per modality (transcript segment embeddings, audio frames, visual frames),
cross-attention between the modalities, masked mean pooling, an MLP and a sigmoid over
``LABELS``. Its training loop lives in ``hhikit.train.video`` (``train_video``,
``read_manifest``, ``clip_features`` and ``pos_weight`` are still importable from here).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import ClipLabel
from hhikit.video.audio import AUDIO_DIM
from hhikit.video.labels import LABELS, ClipEvidence
from hhikit.video.text import TEXT_DIM
from hhikit.video.tracking import VISUAL_DIM

MODALITIES = ("text", "audio", "visual")
DIMS = {"text": TEXT_DIM, "audio": AUDIO_DIM, "visual": VISUAL_DIM}


@dataclass
class FusionConfig:
    hidden: int = 64
    layers: int = 1
    heads: int = 4
    dropout: float = 0.3
    labels: tuple[str, ...] = tuple(LABELS)


class CrossAttend(nn.Module):
    """``x`` attends to ``context``; residual and layer norm."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor, context_pad: torch.Tensor) -> torch.Tensor:
        y, _ = self.attn(x, context, context, key_padding_mask=context_pad, need_weights=False)
        return self.norm(x + self.drop(y))


class FusionClassifier(nn.Module):
    def __init__(self, cfg: FusionConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg or FusionConfig()
        h = self.cfg.hidden
        self.lstm = nn.ModuleDict(
            {
                m: nn.LSTM(DIMS[m], h, num_layers=self.cfg.layers, batch_first=True, bidirectional=True)
                for m in MODALITIES
            }
        )
        d = 2 * h
        # one attention block per ordered modality pair: each modality reads the other two
        self.cross = nn.ModuleDict(
            {
                f"{a}_{b}": CrossAttend(d, self.cfg.heads, self.cfg.dropout)
                for a in MODALITIES
                for b in MODALITIES
                if a != b
            }
        )
        self.mlp = nn.Sequential(
            nn.Linear(3 * d, 2 * d), nn.ReLU(), nn.LayerNorm(2 * d), nn.Dropout(self.cfg.dropout),
            nn.Linear(2 * d, d), nn.ReLU(), nn.LayerNorm(d), nn.Dropout(self.cfg.dropout),
            nn.Linear(d, len(self.cfg.labels)),
        )  # fmt: skip

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """``batch[m]`` is ``(B, T, D_m)`` and ``batch[m + "_pad"]`` ``(B, T)`` True on padding.
        Returns logits ``(B, L)``."""
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        enc = {}
        for m in MODALITIES:
            x = batch[m]
            lengths = (~batch[m + "_pad"]).sum(1).clamp(min=1).cpu()
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            y, _ = self.lstm[m](packed)  # packing keeps the backward direction off the padding
            enc[m], _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        fused = {}
        for a in MODALITIES:
            x = enc[a]
            for b in MODALITIES:
                if a != b:
                    x = self.cross[f"{a}_{b}"](x, enc[b], batch[b + "_pad"])
            keep = (~batch[a + "_pad"]).unsqueeze(-1).float()
            fused[a] = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return self.mlp(torch.cat([fused[m] for m in MODALITIES], dim=-1))


def evidence_arrays(ev: ClipEvidence) -> dict[str, np.ndarray]:
    """The three input sequences of a clip (an empty one becomes a single zero step)."""
    out = {}
    for m, seq in (("text", ev.text_seq), ("audio", ev.audio_seq), ("visual", ev.visual_seq)):
        a = np.zeros((0, DIMS[m]), np.float32) if seq is None else np.asarray(seq, np.float32).reshape(-1, DIMS[m])
        out[m] = a if len(a) else np.zeros((1, DIMS[m]), np.float32)
    return out


def collate(items: Sequence[dict[str, np.ndarray]]) -> dict[str, torch.Tensor]:
    batch: dict[str, torch.Tensor] = {}
    for m in MODALITIES:
        n = max(len(it[m]) for it in items)
        x = torch.zeros((len(items), n, DIMS[m]))
        pad = torch.ones((len(items), n), dtype=torch.bool)
        for i, it in enumerate(items):
            x[i, : len(it[m])] = torch.from_numpy(it[m])
            pad[i, : len(it[m])] = False
        batch[m], batch[m + "_pad"] = x, pad
    return batch


def save_checkpoint(
    path: str | Path, model: FusionClassifier, optim: Any = None, epoch: int = 0, history: list | None = None
) -> None:
    from hhikit.io.atomic import atomic_write_bytes

    buf = io.BytesIO()
    torch.save(
        {"format": "hhikit-video-fusion/1", "config": asdict(model.cfg), "model": model.state_dict(),
         "optim": optim.state_dict() if optim is not None else None, "epoch": epoch, "history": history or []},
        buf,
    )  # fmt: skip
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> FusionClassifier:
    p = Path(path)
    if not p.exists():
        raise ModelUnavailable(f"{p}: no such checkpoint (train one with `hhi train video`)")
    ck = torch.load(p, map_location="cpu", weights_only=True)
    if ck.get("format") != "hhikit-video-fusion/1":
        raise ConfigError(f"{p}: not a video fusion checkpoint")
    cfg = ck["config"]
    cfg["labels"] = tuple(cfg["labels"])
    model = FusionClassifier(FusionConfig(**cfg))
    model.load_state_dict(ck["model"])
    model.eval()
    return model


@torch.inference_mode()
def predict_proba(model: FusionClassifier, items: Sequence[dict[str, np.ndarray]]) -> np.ndarray:
    model.eval()
    if not items:
        return np.zeros((0, len(model.cfg.labels)), np.float32)
    return torch.sigmoid(model(collate(items))).numpy()


def predict_labels(
    model: FusionClassifier, evidence: Sequence[ClipEvidence], threshold: float = 0.6
) -> list[list[ClipLabel]]:
    """Labels over ``threshold`` per clip (at least the best one), with the probability as cue."""
    probs = predict_proba(model, [evidence_arrays(ev) for ev in evidence])
    out = []
    for row in probs:
        labs = [ClipLabel(lab, float(p), [f"fusion classifier probability {p:.2f} (threshold {threshold:.2f})"])
                for lab, p in zip(model.cfg.labels, row, strict=True)]  # fmt: skip
        labs.sort(key=lambda x: -x.score)
        out.append([lab for lab in labs if lab.score >= threshold] or labs[:1])
    return out


_MOVED = ("read_manifest", "clip_features", "pos_weight", "train_video")


def __getattr__(name: str) -> Any:  # the training loop moved to hhikit.train.video; old imports keep working
    if name in _MOVED:
        from hhikit.train import video

        return getattr(video, name)
    raise AttributeError(name)
