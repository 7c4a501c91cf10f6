"""The ICCCI system's visual feature: its own factorised video transformer ("ViViT").

The paper's ``Video_ViT`` (``variant='factorized_self_attention'``, ``pool='cls'``) is
never trained: it is built with random weights right after ``torch.manual_seed(42)`` and
used as a fixed random projection of the clip. hhikit rebuilds it with the same module
names, shapes, parameter creation order and initialisers, so the same seed gives the same
weights, and a saved state dict of the authors' model loads as it is.

Input: the clip's frames, resized to 128 x 128 with OpenCV's area filter, in OpenCV's BGR
order, scaled to [0, 1], as ``(B, C, F, H, W)``; tubelets of 2 frames x 16 x 16 pixels; a
spatial CLS token per frame-patch; per layer spatial attention, temporal attention and an
MLP (pre-norm, residual); the output is the CLS token of the first frame-patch after the
final LayerNorm (1024 numbers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PAPER_SEED = 42


@dataclass
class PaperViViTConfig:
    """The paper's sizes (its notebook builds ``frames=256``; its demo ``frames=512``)."""

    image_size: int = 128
    frames: int = 256
    image_patch_size: int = 16
    frame_patch_size: int = 2
    dim: int = 1024
    depth: int = 6
    heads: int = 8
    dim_head: int = 64
    mlp_dim: int = 2048
    channels: int = 3
    dropout: float = 0.3
    emb_dropout: float = 0.3
    seed: int = PAPER_SEED
    dropout_at_extraction: bool = False  # True: the paper's code path (it never calls .eval())

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


class FeedForward(nn.Module):
    """``net``: LayerNorm, Linear, GELU, Dropout, Linear, Dropout (the authors' indices)."""

    def __init__(self, dim: int, hidden_dim: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(dim), nn.Linear(dim, hidden_dim), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, dim), nn.Dropout(dropout),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Attention(nn.Module):
    """Pre-norm multi-head self-attention; ``to_qkv`` without bias, ``to_out.0`` a Linear
    (none with one head as wide as the model, as the authors' code)."""

    def __init__(self, dim: int, heads: int, dim_head: int, dropout: float) -> None:
        super().__init__()
        inner = dim_head * heads
        self.heads = heads
        self.p = dropout
        self.norm = nn.LayerNorm(dim)
        self.to_qkv = nn.Linear(dim, inner * 3, bias=False)
        project = not (heads == 1 and dim_head == dim)  # the authors skip the projection only then
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(dropout)) if project else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v = self.to_qkv(self.norm(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        # softmax(q k^T / sqrt(dim_head)) v, as the authors' explicit form
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0)
        return self.to_out(out.transpose(1, 2).reshape(b, n, -1))


class FactorizedTransformer(nn.Module):
    """Per layer: spatial attention within each frame-patch, temporal attention across
    frame-patches for each token, then the MLP; a final LayerNorm."""

    def __init__(self, dim: int, depth: int, heads: int, dim_head: int, mlp_dim: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.layers = nn.ModuleList(
            nn.ModuleList([
                Attention(dim, heads, dim_head, dropout), Attention(dim, heads, dim_head, dropout),
                FeedForward(dim, mlp_dim, dropout),
            ])
            for _ in range(depth)
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, f, n, d = x.shape
        for spatial, temporal, ff in self.layers:
            x = x.reshape(b * f, n, d)
            x = spatial(x) + x
            x = x.reshape(b, f, n, d).transpose(1, 2).reshape(b * n, f, d)
            x = temporal(x) + x
            x = ff(x) + x
            x = x.reshape(b, n, f, d).transpose(1, 2)
        return self.norm(x)


class _Tubelets(nn.Module):
    """``b c (f tf) (h ph) (w pw) -> b f (h w) (tf ph pw c)`` (no parameters)."""

    def __init__(self, tubelet: int, patch: int) -> None:
        super().__init__()
        self.tf, self.p = tubelet, patch

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        b, c, frames, hh, ww = v.shape
        tf, p = self.tf, self.p
        x = v.reshape(b, c, frames // tf, tf, hh // p, p, ww // p, p)
        x = x.permute(0, 2, 4, 6, 3, 5, 7, 1)  # b f h w tf ph pw c
        return x.reshape(b, frames // tf, (hh // p) * (ww // p), tf * p * p * c)


class TubeletEmbedding(nn.Module):
    def __init__(self, channels: int, tubelet_size: int, patch_size: int, dim: int) -> None:
        super().__init__()
        patch_dim = channels * tubelet_size * patch_size**2
        self.to_patch_embedding = nn.Sequential(
            _Tubelets(tubelet_size, patch_size), nn.LayerNorm(patch_dim), nn.Linear(patch_dim, dim), nn.LayerNorm(dim)
        )

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.to_patch_embedding(video)


class PaperViViT(nn.Module):
    """The authors' ``Video_ViT`` (factorised self-attention, CLS pooling, no head)."""

    def __init__(self, cfg: PaperViViTConfig | None = None) -> None:
        super().__init__()
        c = self.cfg = cfg or PaperViViTConfig()
        if c.image_size % c.image_patch_size or c.frames % c.frame_patch_size:
            raise ValueError("image size and frames must be multiples of the patch and tubelet sizes")
        n_img = (c.image_size // c.image_patch_size) ** 2
        n_frm = c.frames // c.frame_patch_size
        # creation order = the authors' (it fixes which random numbers each tensor gets)
        self.to_patch_embedding = TubeletEmbedding(c.channels, c.frame_patch_size, c.image_patch_size, c.dim)
        self.pos_embedding = nn.Parameter(torch.randn(1, n_frm, n_img, c.dim))
        self.dropout = nn.Dropout(c.emb_dropout)
        self.spatial_cls_token = nn.Parameter(torch.randn(1, 1, c.dim))
        self.factorized_transformer = FactorizedTransformer(c.dim, c.depth, c.heads, c.dim_head, c.mlp_dim, c.dropout)

    def extract_features(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, C, F, H, W)`` in [0, 1] -> ``(B, dim)``."""
        x = self.to_patch_embedding(video)
        b, f, n, d = x.shape
        x = x + self.pos_embedding[:, :f, :n]
        cls = self.spatial_cls_token.reshape(1, 1, 1, d).expand(b, f, 1, d)
        x = self.dropout(torch.cat((cls, x), dim=2))
        return self.factorized_transformer(x)[:, 0, 0]

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.extract_features(video)


def build_paper_vivit(cfg: PaperViViTConfig | None = None, device: str | torch.device = "cpu") -> PaperViViT:
    """The model with the paper's random weights: ``torch.manual_seed(seed)`` then build, in a
    forked generator so the caller's random state is untouched. Eval mode (no dropout)."""
    cfg = cfg or PaperViViTConfig()
    if str(device) == "meta":
        with torch.device("meta"):
            return PaperViViT(cfg).eval()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = PaperViViT(cfg)
    return model.eval()


def sample_indices(total: int, num: int, seed: int = PAPER_SEED) -> np.ndarray:
    """The paper loader's frame choice: ``linspace(0, total-1, num)`` (truncated to int) when
    the clip has enough frames, else every frame followed by ``num - total`` random repeats."""
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    if total >= num:
        return np.linspace(0, total - 1, num, dtype=int)
    extra = np.random.RandomState(seed).choice(total, num - total, replace=True)
    return np.concatenate([np.arange(total), extra]).astype(np.int64)


def resize_bgr(rgb: np.ndarray, size: int) -> np.ndarray:
    """An RGB frame as the paper's loader holds it: BGR (OpenCV's order), ``size`` x ``size``, area filter."""
    import cv2

    return cv2.resize(np.ascontiguousarray(rgb[..., ::-1]), (size, size), interpolation=cv2.INTER_AREA)


def frames_tensor(frames: list[np.ndarray]) -> torch.Tensor:
    """uint8 ``(H, W, 3)`` frames -> float ``(1, C, F, H, W)`` in [0, 1]."""
    arr = np.stack(frames).astype(np.float32) / 255.0
    return torch.from_numpy(arr).permute(3, 0, 1, 2).unsqueeze(0)
