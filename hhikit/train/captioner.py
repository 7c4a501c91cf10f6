"""Training loop of the interaction captioners (EncDec, ClipCap).

``recipe="paper"`` (the default) is the paper's ``train.py`` / ``training_step``: targets
``[BOS] pseudolabel[2:] [EOS]``; per-token cross-entropy times the sample's weight, averaged
over all batch x length positions (padding counts as 0); AdamW lr 1e-5, betas (0.9, 0.999),
weight decay 0.1 over the trainable parameters (CLIP frozen); batch 16 drawn uniformly at
random for every step (``df.sample(16)``), ``len(data) // 16`` steps per epoch.
``recipe="hhikit"`` keeps hhikit's earlier variant: whole texts as targets, the loss averaged
over real tokens, shuffled epochs that visit every sample once.

Data: a manifest (CSV with a header, or JSON Lines) of ``image`` (path, relative to the
manifest), ``text`` (e.g. ``_ hugging _``) and an optional ``weight`` (1 when absent); or
the paper's ``phhi.csv`` (``id,pseudolabel,weight``) with ``images_dir``, images at
``<images_dir>/<id>/image.jpg`` (Who's Waldo). Start from pretrained CLIP and GPT-2
directories, or ``init``: a captioner directory, the paper's Lightning checkpoint or the
official CLIPCap ``.pt`` (``hhikit.describe.checkpoints``). Runs on the CPU as is and on
several GPUs with ``accelerate launch -m hhikit train captioner ...``.

Checkpoints: ``OUT/checkpoint-<step>/`` holds a full captioner directory plus
``trainer_state.pt`` (optimiser, step, epoch); ``resume=True`` continues from the newest
one. The final model is written to ``OUT/`` itself (loadable with ``--describer KIND:OUT``).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhikit.describe.captioners import CaptionerModel, build_captioner, load_captioner, save_captioner
from hhikit.describe.checkpoints import load_any
from hhikit.errors import ConfigError, HHIError, InputError
from hhikit.options import opt


@dataclass
class Sample:
    image: Path
    text: str
    weight: float = 1.0


@dataclass
class TrainReport:
    steps: int = 0
    epochs: int = 0
    losses: list[float] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    out_dir: str = ""


RECIPES = ("paper", "hhikit")
BETAS = (0.9, 0.999)


@dataclass
class CaptionerTrainConfig:
    """Options of ``hhi train captioner``, the paper's recipe as defaults (defined once: the
    CLI's options come from these fields; the names are ``train_captioner``'s arguments)."""

    images_dir: str | None = opt(None, flag="--images", help="image directory of an id manifest: DIR/<id>/image.jpg")
    recipe: str = opt("paper", choices=RECIPES,
                      help="paper: its loss, targets and uniform sampling; hhikit: whole texts, loss over real tokens")  # fmt: skip
    kind: str | None = opt(None, choices=("encdec", "clipcap"), help="default: encdec, or that of --init")
    init: str | None = opt(None, help="a captioner directory, the paper's Lightning .ckpt or CLIPCap's .pt")
    clip_dir: str | None = opt(None, flag="--clip", help="pretrained CLIP directory (Hugging Face layout)")
    gpt2_dir: str | None = opt(None, flag="--gpt2", help="pretrained GPT-2 directory (Hugging Face layout)")
    epochs: int = opt(1, bounds=(1, None), help="epochs (the paper: len(data) // batch steps each)")
    max_steps: int | None = opt(None, bounds=(1, None), help="stop after this many steps")
    batch_size: int = opt(16, bounds=(1, None), help="samples per step")
    lr: float = opt(1e-5, bounds=(0.0, None), help="AdamW learning rate")
    weight_decay: float = opt(0.1, bounds=(0.0, None), help="AdamW weight decay")
    save_every: int = opt(500, bounds=(0, None), help="steps between checkpoints (0: only at the end)")
    keep_checkpoints: int = opt(2, bounds=(0, None), flag="--keep", help="newest checkpoints kept")
    resume: bool = opt(False, help="continue from the newest checkpoint in --out")
    seed: int = opt(0, help="seed of the sampler and the initialisation")


def read_manifest(path: str | Path, images_dir: str | Path | None = None) -> tuple[list[Sample], list[str]]:
    """Samples of a CSV/JSONL manifest, and one message per bad row (skipped). Rows with
    ``id`` and ``pseudolabel`` (the paper's ``phhi.csv``) take their image from
    ``<images_dir>/<id>/image.jpg``."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: manifest not found")
    rows: list[dict[str, Any]] = []
    try:
        if p.suffix.lower() in (".jsonl", ".json"):
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        rows.append({"_error": f"line {i}: bad JSON ({exc.msg})"})
        else:
            with open(p, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{p}: cannot read manifest: {exc}") from None
    samples, bad = [], []
    for i, r in enumerate(rows, 1):
        if "_error" in r:
            bad.append(f"{p}: {r['_error']}")
            continue
        img = r.get("image") or r.get("path") or r.get("image_path")
        text = r.get("text") or r.get("label") or r.get("interaction") or r.get("pseudolabel")
        if not img and r.get("id"):
            if images_dir is None:
                raise ConfigError(f"{p}: rows name an id (phhi.csv layout); give the image directory "
                                  "(--images DIR, images at DIR/<id>/image.jpg)")  # fmt: skip
            img = str(Path(images_dir, str(r["id"]), "image.jpg"))
        try:
            w = float(r.get("weight") or 1.0)
        except (TypeError, ValueError):
            bad.append(f"{p}: row {i}: weight {r.get('weight')!r} is not a number")
            continue
        if not img or not text:
            bad.append(f"{p}: row {i}: needs an image path and a text")
            continue
        ip = Path(img)
        samples.append(Sample(ip if ip.is_absolute() else p.parent / ip, str(text), w))
    if not samples:
        raise InputError(
            f"{p}: no usable rows (columns: image, text, weight or id, pseudolabel, weight)"
            + (f"; e.g. {bad[0]}" if bad else "")
        )
    return samples, bad


def _batches(samples: list[Sample], batch_size: int, seed: int, epoch: int, uniform: bool) -> list[list[Sample]]:
    """One epoch's batches: ``uniform`` draws each batch at random without replacement
    within it (the paper's ``df.sample``), ``len // batch_size`` of them (at least one);
    otherwise a shuffled pass over every sample."""
    if uniform:
        n, b = max(1, len(samples) // batch_size), min(batch_size, len(samples))
        return [random.Random(f"{seed}:{epoch}:{i}").sample(samples, b) for i in range(n)]
    order = list(range(len(samples)))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return [[samples[i] for i in order[k : k + batch_size]] for k in range(0, len(order), batch_size)]


def _load_batch(
    batch: list[Sample], model: CaptionerModel, cache: dict[Path, Any], skipped: list[str]
) -> tuple[Any, list[str], list[float]]:
    from hhikit.io.images import read_image

    pix, texts, weights = [], [], []
    for s in batch:
        if s.image not in cache:
            try:
                cache[s.image] = model.pixels([read_image(s.image)])[0]
            except HHIError as exc:
                cache[s.image] = None
                skipped.append(str(exc))
        if cache[s.image] is not None:
            pix.append(cache[s.image])
            texts.append(s.text)
            weights.append(s.weight)
    return pix, texts, weights


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    cks = sorted(
        Path(out_dir).glob("checkpoint-*"),
        key=lambda p: int(p.name.split("-")[-1]) if p.name.split("-")[-1].isdigit() else -1,
    )
    cks = [c for c in cks if (c / "trainer_state.pt").exists()]
    return cks[-1] if cks else None


def train_captioner(
    data: str | Path | list[Sample],
    out_dir: str | Path,
    model: CaptionerModel | None = None,
    init: str | Path | None = None,
    kind: str | None = None,
    clip_dir: str | Path | None = None,
    gpt2_dir: str | Path | None = None,
    epochs: int = 1,
    max_steps: int | None = None,
    batch_size: int = 16,
    lr: float = 1e-5,
    weight_decay: float = 0.1,
    save_every: int = 500,
    keep_checkpoints: int = 2,
    resume: bool = False,
    seed: int = 0,
    cache_images: bool = True,
    log: Callable[[str], None] | None = print,
    recipe: str = "paper",
    images_dir: str | Path | None = None,
) -> TrainReport:
    """Train (or continue training) a captioner; see the module docstring."""
    import torch
    from accelerate import Accelerator

    if recipe not in RECIPES:
        raise ConfigError(f"unknown training recipe {recipe!r}; expected one of {RECIPES}")
    out = Path(out_dir)
    report = TrainReport(out_dir=str(out))
    if isinstance(data, list):
        samples = data
    else:
        samples, bad = read_manifest(data, images_dir)
        report.skipped += bad
    ckpt = latest_checkpoint(out) if resume else None
    if ckpt is not None:
        model = load_captioner(ckpt)
    elif model is None:
        if init:  # a captioner directory, the paper's .ckpt or CLIPCap's .pt (with clip/gpt2 dirs)
            model = load_any(init, kind, clip=clip_dir, gpt2=gpt2_dir)
        elif clip_dir and gpt2_dir:
            targets = "paper" if recipe == "paper" else "hhikit"
            model = build_captioner(kind or "encdec", clip_dir, gpt2_dir, targets=targets)
        else:
            raise ConfigError("give a captioner to start from (--init PATH) or pretrained --clip DIR and --gpt2 DIR")
    torch.manual_seed(seed)
    acc = Accelerator(cpu=not torch.cuda.is_available())
    params = [p for p in model.module.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, betas=BETAS, weight_decay=weight_decay)
    step, start_epoch = 0, 0
    if ckpt is not None:
        st = torch.load(ckpt / "trainer_state.pt", map_location="cpu", weights_only=False)
        opt.load_state_dict(st["optimizer"])
        step, start_epoch = int(st["step"]), int(st["epoch"])
        if log:
            log(f"resumed from {ckpt} at step {step}")
    wrapped, opt = acc.prepare(model.module, opt)
    model.module.train()
    cache: dict[Path, Any] = {}
    done = False
    for epoch in range(start_epoch, epochs):
        batches = _batches(samples, batch_size, seed, epoch, uniform=recipe == "paper")
        for bi, batch in enumerate(batches):
            if epoch == start_epoch and step > 0 and bi < step - epoch * len(batches):
                continue  # already trained on this batch before the checkpoint
            pix, texts, weights = _load_batch(batch, model, cache if cache_images else {}, report.skipped)
            if not pix:
                continue
            norm = "paper" if recipe == "paper" else "tokens"
            loss = model.loss(torch.stack(pix).to(acc.device), texts, torch.tensor(weights), wrapped, norm)
            opt.zero_grad()
            acc.backward(loss)
            opt.step()
            step += 1
            report.losses.append(float(loss.detach()))
            if log and (step % 10 == 0 or step == 1):
                log(f"epoch {epoch} step {step} loss {report.losses[-1]:.4f}")
            if save_every and step % save_every == 0 and acc.is_main_process:
                _checkpoint(model, opt, out, step, epoch, keep_checkpoints)
            if max_steps and step >= max_steps:
                done = True
                break
        report.epochs = epoch + 1
        if done:
            break
    report.steps = step
    if acc.is_main_process:
        model.module.load_state_dict(acc.unwrap_model(wrapped).state_dict())
        model.module.eval()
        save_captioner(model, out)
        _checkpoint(model, opt, out, step, report.epochs - 1 if done else report.epochs, keep_checkpoints)
    return report


def _checkpoint(model: CaptionerModel, opt: Any, out: Path, step: int, epoch: int, keep: int) -> None:
    import torch

    d = out / f"checkpoint-{step}"
    save_captioner(model, d)
    torch.save({"optimizer": opt.state_dict(), "step": step, "epoch": epoch}, d / "trainer_state.pt")
    cks = sorted(
        out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]) if p.name.split("-")[-1].isdigit() else -1
    )
    for old in cks[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
