"""The offline HOI model: TIN's spatial stream and interactiveness discriminator on TIN's
interaction patterns, plus the object category and the box geometry (no image needed).

Layers keep TIN's names and shapes (``hhikit.hoi.tin_net`` has the full network):

- spatial stream ``conv1_sp`` (2 -> 64, 5x5, valid) - max-pool 2 - ``conv2_sp`` (64 -> 32,
  5x5) - max-pool 2 - flatten (5408) on the human and object channels;
- pose stream ``conv1_pose_map`` (1 -> 32, 5x5) - pool - ``conv2_pose_map`` (32 -> 16) -
  pool - flatten (2704) on the pose map (TIN's 0.05 box fill when there is no pose);
- context (hhikit's addition, standing in for the appearance streams): a one-hot COCO-80
  object category and the standardised box-pair features (``BOX_FEATURES``);
- HOI head ``Concat_SHsp`` - ``fc7_SHsp`` - ``cls_score_sp`` (TIN: fc7_H + sp; here
  context + sp), plus hhikit's ``cls_score_context``, a linear path from the context to the
  HOI logits, initialised at the training split's class frequencies per object category
  (``init_context_prior``; without it the object category, the strongest cue here, is learnt
  too slowly: V-COCO val role AP 0.19 after two epochs against 0.58 for the object prior),
  discriminator ``fc8_binary_1`` - ``fc9_binary`` - ``cls_score_binary``
  (sp + pose + context), ReLU and dropout 0.5 after every hidden layer, as in TIN.

Loss as in TIN: sigmoid cross-entropy on logits multiplied by class weights ``ln(N / n_c)``
(HOI classes and the two discriminator outputs ``[interactive, not interactive]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError
from hhikit.hoi.data import COCO80, HOIPairs
from hhikit.io.atomic import atomic_path
from hhikit.pairs.features import BOX_FEATURES, box_features
from hhikit.pairs.tin import load_checkpoint
from hhikit.pairs.tin_maps import tin_patterns

SP_FLAT = 32 * 13 * 13
POSE_FLAT = 16 * 13 * 13


def class_weights(counts: Any, total: int) -> np.ndarray:
    """TIN's class weights ``ln(N / n_c)`` (``n_c`` at least 1)."""
    c = np.maximum(np.asarray(counts, np.float64), 1.0)
    return np.log(max(total, 1) / c).astype(np.float32)


def build_spatial_net(n_classes: int, n_context: int, width: int = 1024, dropout: float = 0.5) -> Any:
    import torch
    from torch import nn
    from torch.nn import functional as F

    class HOISpatialNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1_sp = nn.Conv2d(2, 64, 5)
            self.conv2_sp = nn.Conv2d(64, 32, 5)
            self.conv1_pose_map = nn.Conv2d(1, 32, 5)
            self.conv2_pose_map = nn.Conv2d(32, 16, 5)
            self.Concat_SHsp = nn.Linear(SP_FLAT + n_context, width)
            self.fc7_SHsp = nn.Linear(width, width)
            self.cls_score_sp = nn.Linear(width, n_classes)
            self.cls_score_context = nn.Linear(n_context, n_classes)  # hhikit: direct object/geometry path
            self.fc8_binary_1 = nn.Linear(SP_FLAT + POSE_FLAT + n_context, width)
            self.fc9_binary = nn.Linear(width, width)
            self.cls_score_binary = nn.Linear(width, 2)
            self.drop = nn.Dropout(dropout)

        def forward(self, pattern: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            sp = F.max_pool2d(F.relu(self.conv1_sp(pattern[:, :2])), 2)
            sp = F.max_pool2d(F.relu(self.conv2_sp(sp)), 2).flatten(1)
            pose = F.max_pool2d(F.relu(self.conv1_pose_map(pattern[:, 2:3])), 2)
            pose = F.max_pool2d(F.relu(self.conv2_pose_map(pose)), 2).flatten(1)
            h = self.drop(F.relu(self.Concat_SHsp(torch.cat([sp, context], 1))))
            h = self.drop(F.relu(self.fc7_SHsp(h)))
            b = self.drop(F.relu(self.fc8_binary_1(torch.cat([sp, pose, context], 1))))
            b = self.drop(F.relu(self.fc9_binary(b)))
            return self.cls_score_sp(h) + self.cls_score_context(context), self.cls_score_binary(b)

    return HOISpatialNet()


def context_features(box_h: Any, box_o: Any, obj: Any) -> np.ndarray:
    """``(N, 80 + len(BOX_FEATURES))``: object one-hot and raw box-pair features."""
    o = np.asarray(obj, np.int64)
    onehot = np.zeros((len(o), len(COCO80)), np.float32)
    onehot[np.arange(len(o)), o] = 1.0
    return np.concatenate([onehot, box_features(box_h, box_o)], 1)


@dataclass
class SpatialTrainConfig:
    epochs: int = 5
    batch: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    width: int = 128
    seed: int = 0
    threads: int = 2


class HOISpatialModel:
    """The trained network with its classes, feature standardisation and training figures."""

    name = "tin-spatial"

    def __init__(self, net: Any, dataset: str, classes: list[str], mean: np.ndarray, std: np.ndarray,
                 width: int, no_interaction: np.ndarray | None = None, meta: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.net = net.eval()
        self.dataset = dataset
        self.classes = list(classes)
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)
        self.width = int(width)
        self.no_interaction = (
            np.zeros(len(self.classes), bool) if no_interaction is None else np.asarray(no_interaction, bool)
        )
        self.meta = dict(meta or {})

    def _context(self, box_h: Any, box_o: Any, obj: Any) -> np.ndarray:
        c = context_features(box_h, box_o, obj)
        c[:, len(COCO80) :] = (c[:, len(COCO80) :] - self.mean) / self.std
        return c

    def predict(
        self, box_h: Any, box_o: Any, obj: Any, keypoints: Any = None, batch: int = 512
    ) -> tuple[np.ndarray, np.ndarray]:
        """``P(hoi) (N, C)`` and the discriminator's ``[P(interactive), P(not)] (N, 2)``."""
        import torch

        bh = np.asarray(box_h, np.float64).reshape(-1, 4)
        bo = np.asarray(box_o, np.float64).reshape(-1, 4)
        ctx = self._context(bh, bo, obj)
        kps = list(keypoints) if keypoints is not None else [None] * len(bh)
        hoi, binary = [], []
        with torch.no_grad():
            for i in range(0, len(bh), batch):
                pat = tin_patterns(bh[i : i + batch], bo[i : i + batch], kps[i : i + batch])
                a, b = self.net(torch.from_numpy(pat), torch.from_numpy(ctx[i : i + batch]))
                hoi.append(torch.sigmoid(a).numpy())
                binary.append(torch.sigmoid(b).numpy())
        if not hoi:
            return np.zeros((0, len(self.classes)), np.float32), np.zeros((0, 2), np.float32)
        return np.concatenate(hoi), np.concatenate(binary)

    def save(self, path: str | Path, half: bool = True) -> None:
        """A torch file of the state dict (``half``: float16 to keep the packaged file small)."""
        import torch

        sd = {k: (v.half() if half and v.is_floating_point() else v) for k, v in self.net.state_dict().items()}
        state = {"format": "hhikit-hoi-spatial/1", "state_dict": sd, "dataset": self.dataset, "classes": self.classes,
                 "mean": self.mean, "std": self.std, "width": self.width,
                 "no_interaction": self.no_interaction, "meta": self.meta}  # fmt: skip
        with atomic_path(path) as tmp:
            torch.save(state, tmp)

    @classmethod
    def load(cls, path: str | Path) -> HOISpatialModel:
        def build(s: dict[str, Any]) -> Any:
            net = build_spatial_net(len(s["classes"]), len(COCO80) + len(BOX_FEATURES), int(s["width"]))
            net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in s["state_dict"].items()})
            return net

        s, net = load_checkpoint(
            path,
            build,
            "an hhikit HOI spatial model",
            f"HOI model weights not found: {path} (train them with `hhi train hoi-spatial`)",
            "hhikit-hoi-spatial/1",
        )
        return cls(net, s["dataset"], s["classes"], s["mean"], s["std"], int(s["width"]), s["no_interaction"],
                   s.get("meta"))  # fmt: skip


def init_context_prior(net: Any, train: HOIPairs, w_hoi: np.ndarray, smoothing: float = 0.5) -> None:
    """Start the context path at the training prior: the object one-hot's weight for class
    ``c`` is ``logit(P(c | object)) / w_c``, so that ``sigmoid(w_c * logit)``, what TIN's
    weighted loss fits, equals the class frequency of that object category (hhikit's;
    Adam at lr 1e-3 moves a weight ~1e-3 a step, far too slow to learn logits of -5)."""
    import torch

    from hhikit.hoi.predict import prior_table

    p = np.clip(prior_table(train, smoothing), 1e-4, 1 - 1e-4)
    z = np.log(p / (1 - p)) / np.maximum(w_hoi, 1e-3)[None, :]  # (80, C)
    with torch.no_grad():
        net.cls_score_context.weight.zero_()
        net.cls_score_context.bias.zero_()
        net.cls_score_context.weight[:, : len(COCO80)] = torch.from_numpy(z.T.astype(np.float32))


def hoi_loss(torch: Any, logits: Any, binary_logits: Any, labels: Any, inter: Any, w_hoi: Any, w_bin: Any) -> Any:
    """TIN's loss: mean sigmoid cross-entropy of weighted logits, HOI classes + discriminator."""
    f = torch.nn.functional.binary_cross_entropy_with_logits
    target_bin = torch.stack([inter, 1 - inter], 1)
    return f(logits * w_hoi, labels) + f(binary_logits * w_bin, target_bin)


def train_spatial(
    train: HOIPairs,
    config: SpatialTrainConfig | None = None,
    select: Any = None,
    history: list[dict[str, float]] | None = None,
    progress: Any = None,
    save_best: str | Path | None = None,
) -> HOISpatialModel:
    """Train on ``train`` (every human x object combination; annotated classes are targets).

    ``select(model) -> float`` (optional) is called after every epoch; the epoch with the
    highest value is kept (model selection on a validation split, never on test);
    ``progress(record)`` (optional) receives each epoch's loss and selection value."""
    import copy

    import torch

    cfg = config or SpatialTrainConfig()
    if len(train) == 0:
        raise ConfigError("no training pairs")
    if cfg.epochs < 1 or cfg.batch < 1 or cfg.width < 1:
        raise ConfigError(f"epochs, batch and width must be at least 1 (got {cfg.epochs}, {cfg.batch}, {cfg.width})")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    ctx = context_features(train.box_h, train.box_o, train.obj)
    k = len(COCO80)
    mean, std = ctx[:, k:].mean(0), ctx[:, k:].std(0) + 1e-3
    ctx[:, k:] = (ctx[:, k:] - mean) / std
    y = train.labels.astype(np.float32)
    inter = train.interactive.astype(np.float32)
    n = len(y)
    w_hoi = torch.from_numpy(class_weights(y.sum(0), n))
    w_bin = torch.from_numpy(class_weights([inter.sum(), n - inter.sum()], n))
    net = build_spatial_net(y.shape[1], ctx.shape[1], cfg.width)
    init_context_prior(net, train, w_hoi.numpy())
    meta = {"pose": False}  # box annotations only: TIN's no-pose fill in training
    model = HOISpatialModel(net, train.dataset, train.classes, mean, std, cfg.width, train.no_interaction, meta)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    best: tuple[float, Any, int] | None = None
    try:
        for epoch in range(cfg.epochs):
            net.train()
            total = 0.0
            order = rng.permutation(n)
            for i in range(0, n, cfg.batch):
                idx = order[i : i + cfg.batch]
                pat = torch.from_numpy(tin_patterns(train.box_h[idx], train.box_o[idx]))
                a, b = net(pat, torch.from_numpy(ctx[idx]))
                loss = hoi_loss(torch, a, b, torch.from_numpy(y[idx]), torch.from_numpy(inter[idx]), w_hoi, w_bin)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            net.eval()
            rec = {"epoch": epoch + 1, "loss": total / n}
            if select is not None:
                rec["select"] = float(select(model))
                if best is None or rec["select"] > best[0]:
                    best = (rec["select"], copy.deepcopy(net.state_dict()), epoch + 1)
                    if save_best is not None:  # the best so far is on disk if a long run stops
                        model.meta.update(selected_epoch=epoch + 1, selected_value=rec["select"])
                        model.save(save_best)
            if history is not None:
                history.append(rec)
            if progress is not None:
                progress(rec)
    finally:
        torch.set_num_threads(threads)
    if best is not None:
        net.load_state_dict(best[1])
        model.meta["selected_epoch"] = best[2]
        model.meta["selected_value"] = best[0]
    return model.__class__(net, model.dataset, model.classes, mean, std, cfg.width, model.no_interaction, model.meta)
