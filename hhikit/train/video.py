"""Training of the video models: hhikit's fusion classifier (``--model hhikit``) and the
ICCCI paper's ``MultimodalLSTM`` on scene sequences (``--model iccci``).

``train_video`` reads a manifest ``clip,labels`` (a clip is a video file), takes each clip's
evidence from ``VideoPipeline`` (cached), and trains ``FusionClassifier``. ``train_iccci``
reads the paper's layout (or a ``clip,scene,labels`` manifest), extracts BERT, AST and
ViViT features per clip (cached), groups clips into scenes with OR-ed labels, zero-pads,
splits 78 / 22, and trains as the paper's notebook: BCE with ``pos_weight = (N - n_c) /
n_c``, AdamW lr 3e-5 weight decay 1e-4, 16 scenes a batch, threshold 0.6 (``>``), macro and
micro P/R/F1 on the validation scenes each epoch. Both write ``out/last.pt`` every epoch
and resume from it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hhikit.errors import ConfigError, InputError
from hhikit.options import opt
from hhikit.video.classifier import FusionClassifier, FusionConfig, collate, evidence_arrays, save_checkpoint
from hhikit.video.labels import LABELS

MODALITIES = ("text", "audio", "visual")


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
    if f is not None and f.is_file():
        try:
            with np.load(f) as z:
                return {m: z[m] for m in MODALITIES}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # a damaged cache entry (empty, truncated, foreign) is recomputed
    ev = pipeline.clip_evidence(path)
    arrs = evidence_arrays(ev)
    if f is not None:
        from hhikit.io.atomic import atomic_path

        with atomic_path(f) as tmp:
            np.savez(tmp, **arrs)
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


# ---------------------------------------------------------------- the paper's model


def _prf(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, dict[str, float]]:
    """Macro and micro P/R/F1 with the paper's strict ``p > threshold`` (scikit-learn's
    definitions, ``zero_division=0``, from ``hhikit.eval.multilabel``)."""
    from hhikit.eval.multilabel import prf_at

    r = prf_at(y, p.astype(np.float64), float(np.nextafter(threshold, 1.0)))  # >= next float == > threshold
    return {"macro": r["macro"], "micro": r["micro"]}


def _features(items: Sequence[Any], extractors: Any, cache: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from hhikit.video.scenes import clip_features

    feats: dict[str, Any] = {}
    t0 = time.perf_counter()
    for k, it in enumerate(items, 1):
        try:
            feats[it.name] = clip_features(it, extractors, cache)
        except InputError as exc:  # a bad clip is reported and skipped; training goes on
            log(f"skipped: {exc}")
        if k % 50 == 0:
            log(f"features: {k}/{len(items)} clips ({time.perf_counter() - t0:.0f} s)")
    return feats


def _batches(model: nn.Module, s: Any, idx: Sequence[int], batch_size: int) -> Any:
    for i in range(0, len(idx), batch_size):
        j = list(idx[i : i + batch_size])
        t = [torch.from_numpy(a[j]) for a in (s.visual, s.text, s.audio)]
        yield model(*t), torch.from_numpy(s.labels[j])


def _evaluate(model: nn.Module, s: Any, idx: Sequence[int], loss_fn: Any, threshold: float) -> dict[str, Any]:
    model.eval()
    losses, probs = [], []
    with torch.no_grad():
        for logits, y in _batches(model, s, idx, 16):
            losses.append(float(loss_fn(logits, y)))
            probs.append(torch.sigmoid(logits).numpy())
    p = np.concatenate(probs) if probs else np.zeros((0, s.labels.shape[1]), np.float32)
    return {"loss": float(np.mean(losses)) if losses else 0.0, "probs": p,
            **_prf(s.labels[list(idx)], p, threshold)}  # fmt: skip


def write_scene_jsonl(out: Path, stem: str, scenes: Any, probs: np.ndarray) -> tuple[Path, Path]:
    """``<stem>_predictions.jsonl`` (``{id, scores}``) and ``<stem>_truth.jsonl`` (``{id,
    labels}``) per scene: the inputs of ``hhi eval multilabel``."""
    from hhikit.io.atomic import atomic_write_bytes
    from hhikit.video.iccci_model import ICCCI_LABELS

    pred = "".join(json.dumps({"id": n, "scores": {lab: round(float(v), 6) for lab, v in zip(ICCCI_LABELS, row, strict=True)}})
                   + "\n" for n, row in zip(scenes.names, probs, strict=True))  # fmt: skip
    truth = "".join(json.dumps({"id": n, "labels": [lab for lab, v in zip(ICCCI_LABELS, y, strict=True) if v > 0]})
                    + "\n" for n, y in zip(scenes.names, scenes.labels, strict=True))  # fmt: skip
    pp, tp = out / f"{stem}_predictions.jsonl", out / f"{stem}_truth.jsonl"
    atomic_write_bytes(pp, pred.encode())
    atomic_write_bytes(tp, truth.encode())
    return pp, tp


@dataclass
class ICCCITrainConfig:
    """Options of ``hhi train video --model iccci``: the paper's recipe as defaults (defined
    once: the CLI's options come from these fields)."""

    data: str | None = opt(None, flag="--iccci-data", help="the paper's layout (clip_train/, dialogue_train/, ...)")
    manifest: str | None = opt(None, help="a clips manifest: clip,scene,labels (iccci) or clip,labels (hhikit)")
    bert: str | None = opt(None, help="local BERT folder (e.g. bert-base-uncased)")
    ast: str | None = opt(None, help="local AST folder (e.g. MIT/ast-finetuned-audioset-10-10-0.4593)")
    vivit: str | None = opt(None, help="a pretrained Hugging Face ViViT folder (default: the paper's random ViViT)")
    vivit_frames: int = opt(256, bounds=(2, None), help="frames per clip of the paper's ViViT")
    vivit_options: dict[str, Any] = opt(
        {}, help="a size of the paper's ViViT: dim, depth, heads, dim_head, mlp_dim, image_size, seed"
    )
    epochs: int = opt(60, bounds=(1, None), help="epochs (the hhikit model: 20 when not given)")
    batch_size: int = opt(16, bounds=(1, None), help="scenes per batch (the hhikit model: 8 clips when not given)")
    hidden_dim: int = opt(
        512, bounds=(1, None), flag="--hidden", help="LSTM units per direction (the hhikit model: 64 when not given)"
    )
    lr: float = opt(3e-5, bounds=(0.0, None), help="AdamW learning rate")
    weight_decay: float = opt(1e-4, bounds=(0.0, None), help="AdamW weight decay")
    threshold: float = opt(0.6, bounds=(0.0, 1.0), help="decision threshold (p > t)")
    train_fraction: float = opt(0.78, bounds=(0.01, 1.0), help="share of the training scenes trained on")
    seed: int = opt(0, help="seed of the scene split, the initialisation and the shuffles")
    feature_cache: str | None = opt(None, help="folder of cached clip features (default OUT/features)")
    resume: bool = opt(True, help="resume from OUT/last.pt when it exists")


def train_iccci(
    out: str | Path, config: ICCCITrainConfig | None = None, log: Callable[[str], None] = print, **options: Any
) -> dict[str, Any]:
    """Train the paper's model (``options`` override fields of ``config``); returns
    ``{"history", "checkpoint", "scenes", "test"}``."""
    from dataclasses import asdict, replace

    from hhikit.options import check_fields

    cfg = replace(config or ICCCITrainConfig(), **options)
    check_fields(cfg)
    c = asdict(cfg)
    data, manifest, bert, ast, vivit = c["data"], c["manifest"], c["bert"], c["ast"], c["vivit"]
    epochs, batch_size, threshold, seed, resume = c["epochs"], c["batch_size"], c["threshold"], c["seed"], c["resume"]
    train_fraction, feature_cache = c["train_fraction"], c["feature_cache"]
    from hhikit.video.features import build_extractors, extractors_from_card
    from hhikit.video.iccci import read_checkpoint, save_iccci_checkpoint
    from hhikit.video.iccci_model import ICCCIConfig, MultimodalLSTM
    from hhikit.video.scenes import (
        build_scenes,
        group_scenes,
        pos_weight_from_counts,
        read_iccci_split,
        read_scene_manifest,  # fmt: skip
        split_scenes,
    )

    if (data is None) == (manifest is None):
        raise ConfigError("give either the paper's data folder (--iccci-data) or a scene manifest (--manifest)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ck_path = out / "last.pt"
    ck = read_checkpoint(ck_path) if resume and ck_path.exists() else None
    if ck is not None and ck.get("format") != "hhikit-video-iccci/1":
        raise ConfigError(f"{ck_path}: not an ICCCI run; use another --out or --no-resume")
    if ck is not None:  # a resumed run keeps its extractors (the cached features depend on them)
        extractors = extractors_from_card(ck["features"], {"bert": bert, "ast": ast, "vivit": vivit})
    else:
        extractors = build_extractors(bert, ast, vivit, vivit_frames=cfg.vivit_frames, **cfg.vivit_options)
    card = extractors.card()
    vis = card["visual"]
    log("visual feature: " + (f"the paper's ViViT, weights {vis['weights']}" if vis.get("kind") == "vivit-paper"
                              else f"pretrained ViViT {vis.get('dir')}"))  # fmt: skip
    if data is not None:
        items, warns, counts = read_iccci_split(data, "train")
        test_dir = Path(data) / "clip_test"
        test_items = read_iccci_split(data, "test")[0] if test_dir.is_dir() else []
    else:
        items, warns, counts = read_scene_manifest(manifest)  # type: ignore[arg-type]
        test_items = []
    for w in warns:
        log(f"warning: {w}")
    cache = Path(feature_cache) if feature_cache else out / "features"
    feats = _features(items, extractors, cache, log)
    scenes = build_scenes(group_scenes(items), feats)
    tr, va = split_scenes(len(scenes.names), train_fraction, seed)
    if not tr:
        raise InputError(
            f"{data or manifest}: {len(scenes.names)} scene(s) is too few for a {train_fraction:.0%} split"
        )
    log(f"{len(items)} clips, {len(scenes.names)} scenes (longest {scenes.visual.shape[1]} clips): "
        f"{len(tr)} train, {len(va)} validation")  # fmt: skip
    torch.manual_seed(seed)
    mcfg = ICCCIConfig(hidden_dim=cfg.hidden_dim, **extractors.dims())
    if ck is not None:  # a resumed run keeps its sizes
        mcfg = ICCCIConfig(**{**mcfg.to_dict(), **ck.get("config", {})})
    model = MultimodalLSTM(mcfg)
    optim = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    pw = pos_weight_from_counts(counts)
    history: dict[str, list] = {"loss": [], "val_loss": [], "val_macro": [], "val_micro": []}
    start = 0
    if ck is not None:
        try:
            model.load_state_dict(ck["model"])
        except RuntimeError as exc:
            raise ConfigError(f"{ck_path}: the saved model does not fit this data ({str(exc)[:200]})") from None
        if ck.get("optim"):
            optim.load_state_dict(ck["optim"])
        start, history = int(ck["epoch"]), dict(ck.get("history", history))
        log(f"resumed from {ck_path} at epoch {start}")
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pw))
    gen = torch.Generator().manual_seed(seed + 1)
    for _ in range(start):  # the same shuffles as an uninterrupted run
        torch.randperm(len(tr), generator=gen)
    extra = {"pos_weight": pw.tolist(), "split": {"seed": seed, "train_fraction": train_fraction,
             "train": [scenes.names[i] for i in tr], "val": [scenes.names[i] for i in va]},
             "max_len": int(scenes.visual.shape[1])}  # fmt: skip
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        model.train()
        order = [tr[i] for i in torch.randperm(len(tr), generator=gen).tolist()]
        running, nb = 0.0, 0
        for logits, y in _batches(model, scenes, order, batch_size):
            loss = loss_fn(logits, y)
            optim.zero_grad()
            loss.backward()
            optim.step()
            running, nb = running + float(loss.detach()), nb + 1
        history["loss"].append(running / max(nb, 1))
        msg = f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}"
        if va:
            ev = _evaluate(model, scenes, va, loss_fn, threshold)
            history["val_loss"].append(ev["loss"])
            history["val_macro"].append(ev["macro"])
            history["val_micro"].append(ev["micro"])
            msg += (f", val loss {ev['loss']:.4f}, macro F1 {ev['macro']['f1']:.4f}, "
                    f"micro F1 {ev['micro']['f1']:.4f}")  # fmt: skip
        save_iccci_checkpoint(ck_path, model, card, optim=optim, epoch=epoch + 1, history=history,
                              threshold=threshold, extra=extra)  # fmt: skip
        log(f"{msg} ({time.perf_counter() - t0:.2f} s)")
    result: dict[str, Any] = {"history": history, "checkpoint": str(ck_path), "scenes": len(scenes.names)}
    if test_items:
        tf = _features(test_items, extractors, cache, log)
        ts = build_scenes(group_scenes(test_items), tf)  # padded to the longest test scene, as the paper
        ev = _evaluate(model, ts, range(len(ts.names)), loss_fn, threshold)
        write_scene_jsonl(out, "test", ts, ev["probs"])
        result["test"] = {"scenes": len(ts.names), "macro": ev["macro"], "micro": ev["micro"]}
        log(f"test ({len(ts.names)} scenes): macro P/R/F1 " + "/".join(f"{v:.4f}" for v in ev["macro"].values())
            + ", micro P/R/F1 " + "/".join(f"{v:.4f}" for v in ev["micro"].values()))  # fmt: skip
    from hhikit.io.atomic import atomic_write_bytes

    run_card = {"model": "iccci", "options": c, "features": card, "threshold": threshold, "epochs": epochs, **extra,
                "history": history, "test": result.get("test")}  # fmt: skip
    atomic_write_bytes(out / "card.json", (json.dumps(run_card, indent=1) + "\n").encode())
    return result
