"""The ICCCI fusion classifier and its training loop.

One BiLSTM per modality (transcript segment embeddings, audio frames, visual frames),
cross-attention between the modalities, mean pooling, an MLP and a sigmoid over
``LABELS``. Trained with BCE whose ``pos_weight`` is negatives/positives per label, AdamW
(lr 3e-5), decision threshold 0.6. ``train_video`` reads a manifest ``clip,labels``
(labels separated by ``;``; a clip is a video file), caches each clip's features, writes a
checkpoint every epoch and resumes from it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hhikit.errors import ConfigError, InputError, ModelUnavailable
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


# ---------------------------------------------------------------- training


def read_manifest(path: str | Path, labels: Sequence[str] = LABELS) -> list[tuple[str, np.ndarray]]:
    """``clip,labels`` rows -> ``(video path, multi-hot)``; clip paths are relative to the manifest."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such manifest")
    rows = []
    with open(p, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "clip" not in reader.fieldnames or "labels" not in reader.fieldnames:
            raise InputError(f"{p}: a manifest needs the columns clip,labels")
        for i, r in enumerate(reader, 2):
            y = np.zeros(len(labels), np.float32)
            for lab in (r["labels"] or "").split(";"):
                lab = lab.strip()
                if not lab:
                    continue
                if lab not in labels:
                    raise InputError(f"{p}:{i}: unknown label {lab!r}; labels are {', '.join(labels)}")
                y[labels.index(lab)] = 1.0
            clip = Path(r["clip"])
            rows.append((str(clip if clip.is_absolute() else (p.parent / clip)), y))
    if not rows:
        raise InputError(f"{p}: the manifest has no rows")
    return rows


def clip_features(path: str, pipeline: Any, cache: Path | None = None) -> dict[str, np.ndarray]:
    """Feature sequences of one whole video file as one clip (cached by path, size and mtime)."""
    try:
        st = Path(path).stat()
    except OSError:
        raise InputError(f"{path}: no such file") from None
    key = hashlib.sha1(f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    f = cache / f"{key}.npz" if cache else None
    if f is not None and f.exists():
        with np.load(f) as z:
            return {m: z[m] for m in MODALITIES}
    ev = pipeline.clip_evidence(path)
    arrs = evidence_arrays(ev)
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **arrs)
        from hhikit.io.atomic import atomic_write_bytes

        atomic_write_bytes(f, buf.getvalue())
    return arrs


def pos_weight(y: np.ndarray) -> torch.Tensor:
    """negatives / positives per label (1 where a label has no positive)."""
    pos = y.sum(0)
    neg = len(y) - pos
    return torch.tensor(np.where(pos > 0, neg / np.maximum(pos, 1), 1.0), dtype=torch.float32)


def train_video(
    manifest: str | Path,
    out: str | Path,
    pipeline: Any = None,
    epochs: int = 20,
    batch_size: int = 8,
    lr: float = 3e-5,
    hidden: int = 64,
    seed: int = 0,
    resume: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train the fusion classifier; ``out/last.pt`` is written each epoch and resumed from.
    Returns ``{"history": [loss per epoch], "checkpoint": path, "skipped": [...]}``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = read_manifest(manifest)
    if pipeline is None:
        from hhikit.video.pipeline import VideoPipeline

        pipeline = VideoPipeline()
    items, ys, skipped = [], [], []
    for path, y in rows:
        try:
            items.append(clip_features(path, pipeline, out / "features"))
            ys.append(y)
        except InputError as exc:  # a bad clip is reported and skipped; training goes on
            skipped.append(str(exc))
            log(f"skipped: {exc}")
    if not items:
        raise InputError(f"{manifest}: no usable clip")
    y = np.stack(ys)
    torch.manual_seed(seed)
    model = FusionClassifier(FusionConfig(hidden=hidden))
    optim = torch.optim.AdamW(model.parameters(), lr=lr)
    ck_path = out / "last.pt"
    history: list[float] = []
    start = 0
    if resume and ck_path.exists():
        ck = torch.load(ck_path, map_location="cpu", weights_only=True)
        model.load_state_dict(ck["model"])
        if ck.get("optim"):
            optim.load_state_dict(ck["optim"])
        start, history = int(ck["epoch"]), list(ck.get("history", []))
        log(f"resumed from {ck_path} at epoch {start}")
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight(y))
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(items), generator=gen).tolist()
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            batch = collate([items[j] for j in idx])
            loss = loss_fn(model(batch), torch.from_numpy(y[idx]))
            optim.zero_grad()
            loss.backward()
            optim.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(items))
        save_checkpoint(ck_path, model, optim, epoch + 1, history)
        log(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f} ({time.perf_counter() - t0:.2f} s)")
    (out / "history.json").write_text(json.dumps({"loss": history, "labels": list(LABELS)}) + "\n")
    return {"history": history, "checkpoint": str(ck_path), "skipped": skipped}
