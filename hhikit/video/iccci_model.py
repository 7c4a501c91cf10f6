"""The ICCCI fusion model as published (the authors' ``MultimodalLSTM``).

Per modality a two-layer BiLSTM of 512 units per direction over the scene's clip sequence
(visual 1024-d ViViT, text 768-d BERT ``[CLS]``, audio 768-d AST mean), three
cross-attention blocks (8 heads, dropout 0.4, residual + LayerNorm) shared and applied in
the authors' order (visual<-text, visual<-audio, text<-audio, text<-visual, audio<-visual,
audio<-text, each reading the already updated features), a plain mean over the sequence
(zero padding included: the paper pads and does not mask), an MLP 3072 -> 1024 -> 512 ->
256 (each Linear, ReLU, LayerNorm, Dropout 0.3) and 7 logits. Module names equal the
authors', so their state dict loads with ``load_state_dict`` as it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

ICCCI_LABELS = ("asks", "gives to", "talks to", "walks with", "watches", "yells at", "no_interaction")


@dataclass
class ICCCIConfig:
    """The paper's sizes; the input sizes follow the feature extractors of a run."""

    hidden_dim: int = 512
    num_labels: int = 7
    dropout_rate: float = 0.3
    visual_dim: int = 1024
    text_dim: int = 768
    audio_dim: int = 768
    heads: int = 8
    attn_dropout: float = 0.4

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


class CrossAttention(nn.Module):
    """``x`` attends to ``context``: dropout on the attention output, then LayerNorm(out + x)."""

    def __init__(self, dim: int, num_heads: int = 8, dropout: float = 0.4) -> None:
        super().__init__()
        self.multihead_attn = nn.MultiheadAttention(dim, num_heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        out, _ = self.multihead_attn(x, context, context, need_weights=False)
        return self.norm(self.dropout(out) + x)


def _block(n_in: int, n_out: int, p: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, n_out), nn.ReLU(), nn.LayerNorm(n_out), nn.Dropout(p))


class MultimodalLSTM(nn.Module):
    def __init__(self, cfg: ICCCIConfig | None = None) -> None:
        super().__init__()
        c = self.cfg = cfg or ICCCIConfig()
        h = c.hidden_dim
        kw = {"hidden_size": h, "num_layers": 2, "batch_first": True, "bidirectional": True}
        self.visual_lstm = nn.LSTM(input_size=c.visual_dim, **kw)
        self.text_lstm = nn.LSTM(input_size=c.text_dim, **kw)
        self.audio_lstm = nn.LSTM(input_size=c.audio_dim, **kw)
        self.cross_attn_vt = CrossAttention(2 * h, c.heads, c.attn_dropout)
        self.cross_attn_va = CrossAttention(2 * h, c.heads, c.attn_dropout)
        self.cross_attn_ta = CrossAttention(2 * h, c.heads, c.attn_dropout)
        self.fusion_fc1 = _block(6 * h, 1024, c.dropout_rate)
        self.fusion_fc2 = _block(1024, 512, c.dropout_rate)
        self.fusion_fc3 = _block(512, 256, c.dropout_rate)
        self.output_layer = nn.Linear(256, c.num_labels)

    def forward(self, visual: torch.Tensor, text: torch.Tensor, audio: torch.Tensor) -> torch.Tensor:
        """``(B, T, D_m)`` zero-padded sequences -> logits ``(B, num_labels)``."""
        v, _ = self.visual_lstm(visual)
        t, _ = self.text_lstm(text)
        a, _ = self.audio_lstm(audio)
        v = self.cross_attn_vt(v, t)
        v = self.cross_attn_va(v, a)
        t = self.cross_attn_ta(t, a)
        t = self.cross_attn_vt(t, v)
        a = self.cross_attn_va(a, v)
        a = self.cross_attn_ta(a, t)
        x = torch.cat((v.mean(1), t.mean(1), a.mean(1)), dim=-1)
        return self.output_layer(self.fusion_fc3(self.fusion_fc2(self.fusion_fc1(x))))
