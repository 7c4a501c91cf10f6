"""Training of the full TIN network (``hhikit.hoi.tin_net``) on annotated images.

One image per step, as TIN: its pairs are every annotated human box with every annotated
object box (annotated classes are the targets; the others are the discriminator's
negatives). SGD with momentum 0.9 and weight decay 1e-4 (TIN's optimiser; its learning-rate
schedule and positive/negative augmentation are not reproduced). Images that cannot be
read are skipped and listed in the report; the test split is refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, InputError
from hhikit.hoi.data import load_hicodet_hoi_pairs, load_vcoco_pairs
from hhikit.hoi.spatial import class_weights
from hhikit.hoi.tin_net import TINModel, build_tin_net, image_tensor, load_backbone, tin_loss
from hhikit.pairs.tin_maps import tin_patterns


@dataclass
class TINTrainConfig:
    epochs: int = 1
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 1e-4
    seed: int = 0
    max_images: int | None = None
    max_side: int = 640  # images are downscaled so their longer side is at most this
    width: int = 1024  # TIN's fc width


def _read_image(path: Path, max_side: int) -> tuple[np.ndarray, float]:
    """RGB, downscaled to ``max_side``; ``read_image`` refuses a FIFO or device (never read)."""
    import cv2

    from hhikit.io.images import read_image

    img = read_image(path)
    s = min(1.0, max_side / max(img.shape[:2]))
    if s < 1.0:
        img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return img, s


def train_tin_network(
    vcoco: str | Path | None,
    hicodet: str | Path | None,
    images: str | Path,
    out: str | Path,
    backbone: str | Path | None = None,
    config: TINTrainConfig | None = None,
    backbone_config: Any = None,
) -> dict[str, Any]:
    """Train and save (``out``) a TIN network; returns a report with the loss of every epoch."""
    import torch

    cfg = config or TINTrainConfig()
    if (vcoco is None) == (hicodet is None):
        raise ConfigError("give a V-COCO or a HICO-DET training annotation file")
    if cfg.epochs < 1 or (cfg.max_images is not None and cfg.max_images < 1):
        raise ConfigError(f"epochs and max_images must be at least 1 (got {cfg.epochs}, {cfg.max_images})")
    src = Path(vcoco or hicodet)  # type: ignore[arg-type]
    if "test" in src.name.lower():
        raise InputError(f"{src}: a test split is never used for training")
    if not Path(images).is_dir():
        raise InputError(f"{images}: not a folder of images")
    pairs = load_vcoco_pairs(src) if vcoco is not None else load_hicodet_hoi_pairs(src)
    names = list(dict.fromkeys(pairs.images))[: cfg.max_images]
    if not names:
        raise ConfigError(f"{src}: no annotated pairs")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    n = len(pairs)
    w_hoi = torch.from_numpy(class_weights(pairs.labels.sum(0), n))
    inter_all = pairs.interactive
    w_bin = torch.from_numpy(class_weights([inter_all.sum(), n - inter_all.sum()], n))
    net = build_tin_net(load_backbone(backbone, backbone_config), len(pairs.classes), cfg.width)
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    by_image: dict[str, list[int]] = {}
    for i, name in enumerate(pairs.images):
        by_image.setdefault(name, []).append(i)
    skipped: list[str] = []
    losses: list[float] = []
    t0 = time.time()
    for _ in range(cfg.epochs):
        net.train()
        total, count = 0.0, 0
        for name in rng.permutation(names):
            try:
                img, s = _read_image(Path(images) / name, cfg.max_side)
            except InputError as exc:
                if str(exc) not in skipped:
                    skipped.append(str(exc))
                continue
            idx = np.asarray(by_image[name])
            bh, bo = pairs.box_h[idx] * s, pairs.box_o[idx] * s
            pat = torch.from_numpy(tin_patterns(bh, bo))
            outp = net(
                image_tensor(img), torch.from_numpy(bh.astype(np.float32)), torch.from_numpy(bo.astype(np.float32)), pat
            )
            y = torch.from_numpy(pairs.labels[idx].astype(np.float32))
            inter = torch.from_numpy(inter_all[idx].astype(np.float32))
            loss = tin_loss(torch, outp, y, inter, w_hoi, w_bin)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
            count += 1
        if count == 0:
            raise InputError(f"{images}: none of the annotated images could be read")
        losses.append(total / count)
    model = TINModel(net, pairs.dataset, pairs.classes, pairs.no_interaction, {"train": str(src), "losses": losses})
    model.save(out)
    return {"out": str(out), "images": len(names), "pairs": n, "epoch_losses": losses,
            "seconds": round(time.time() - t0, 1), "skipped": skipped}  # fmt: skip
