"""A TIN-style interactiveness network (PyTorch): spatial map + pose map + box features.

After Li et al., *Transferable Interactiveness Network* (CVPR 2019): a binary
"is this pair interacting" classifier whose inputs include the pair's spatial
configuration and the people's poses. Our own small design (no appearance stream, since
the pipeline has no CNN backbone on CPU):

- spatial-pose branch: the 2-channel spatial map and the 2-channel pose map
  (``hhikit.pairs.maps``) stacked to ``(4, 64, 64)``, three conv blocks (conv, ReLU,
  max-pool), global average pooling to 64 values;
- geometry branch: the symmetric box features (``hhikit.pairs.features``), standardised,
  through a 32-unit layer;
- fusion: concatenation, a 64-unit layer and one logit.

A pair is scored in both orders (a, b) and (b, a) and the probabilities averaged, so the
score of an unordered pair does not depend on who is "a". Trained with random order swaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.pairs.features import BOX_FEATURES, box_features
from hhikit.pairs.interactiveness import Keypoints, register_interactiveness
from hhikit.pairs.maps import MAP_SIZE, pose_map, spatial_maps


def load_checkpoint(
    path: str | Path, build: Any, what: str, missing: str, fmt: str | None = None
) -> tuple[dict[str, Any], Any]:
    """``(state, build(state))`` of a torch checkpoint: ``ModelUnavailable(missing)`` if
    ``path`` is not a file; any unreadable, untagged (``fmt``: its ``"format"`` value) or
    mismatched file is one ``ModelUnavailable`` line saying it is not ``what``."""
    import torch

    p = Path(path)
    if not p.is_file():
        raise ModelUnavailable(missing)
    try:
        state = torch.load(p, map_location="cpu", weights_only=False)
        if fmt is not None and state.get("format") != fmt:
            raise ValueError(f"no {fmt} format tag")
        return state, build(state)
    except ModelUnavailable:
        raise
    except Exception as exc:  # any unreadable or mismatched checkpoint is one clear message
        raise ModelUnavailable(f"{p}: not {what} ({exc})") from None


def tin_inputs(
    boxes_a: Any, boxes_b: Any, keypoints_a: Keypoints = None, keypoints_b: Keypoints = None, size: int = MAP_SIZE
) -> tuple[np.ndarray, np.ndarray]:
    """``maps (N, 4, S, S)`` (spatial a, spatial b, pose a, pose b) and ``box features (N, F)``."""
    a = np.asarray(boxes_a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float64).reshape(-1, 4)
    n = len(a)
    maps = np.zeros((n, 4, size, size), dtype=np.float32)
    maps[:, :2] = spatial_maps(a, b, size)
    if keypoints_a is not None or keypoints_b is not None:
        ka = list(keypoints_a) if keypoints_a is not None else [None] * n
        kb = list(keypoints_b) if keypoints_b is not None else [None] * n
        if len(ka) != n or len(kb) != n:
            raise ConfigError(f"{n} pairs but {len(ka)} and {len(kb)} keypoint sets")
        for i in range(n):
            if ka[i] is not None or kb[i] is not None:
                maps[i, 2:] = pose_map(a[i], b[i], ka[i], kb[i], size)
    return maps, box_features(a, b)


def _swap(maps: np.ndarray) -> np.ndarray:
    return maps[:, [1, 0, 3, 2]]


def build_net(n_features: int = len(BOX_FEATURES), width: int = 16) -> Any:
    """The network: ``net(maps, feats) -> logits (N,)``."""
    import torch
    from torch import nn

    class TinNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.maps = nn.Sequential(
                nn.Conv2d(4, width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(width, 2 * width, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
            )  # fmt: skip
            self.geom = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU())
            self.head = nn.Sequential(nn.Linear(4 * width + 32, 64), nn.ReLU(), nn.Linear(64, 1))

        def forward(self, maps: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
            return self.head(torch.cat([self.maps(maps), self.geom(feats)], dim=1)).squeeze(1)

    return TinNet()


@dataclass
class TinTrainConfig:
    epochs: int = 5
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    width: int = 16
    seed: int = 0
    threads: int = 1  # small convolutions: one thread is faster on a shared CPU, and reproducible


class TinInteractiveness:
    """The trained network with its feature standardisation and NIS threshold."""

    name = "tin"

    def __init__(self, net: Any, mean: np.ndarray, std: np.ndarray, threshold: float = 0.5, width: int = 16) -> None:
        self.net = net.eval()
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)
        self.threshold = float(threshold)
        self.width = int(width)

    def logits(self, maps: np.ndarray, feats: np.ndarray) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for i in range(0, len(maps), 256):
                m = torch.from_numpy(np.ascontiguousarray(maps[i : i + 256]))
                f = torch.from_numpy((feats[i : i + 256] - self.mean) / self.std)
                out.append(self.net(m, f).numpy())
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def score(
        self, boxes_a: Any, boxes_b: Any, keypoints_a: Keypoints = None, keypoints_b: Keypoints = None
    ) -> np.ndarray:
        maps, feats = tin_inputs(boxes_a, boxes_b, keypoints_a, keypoints_b)
        if len(maps) == 0:
            return np.zeros(0, dtype=np.float32)
        p1 = 1.0 / (1.0 + np.exp(-self.logits(maps, feats)))
        p2 = 1.0 / (1.0 + np.exp(-self.logits(_swap(maps), feats)))
        return ((p1 + p2) / 2).astype(np.float32)

    def save(self, path: str | Path) -> None:
        import torch

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        state = {
            "state_dict": self.net.state_dict(),
            "mean": self.mean,
            "std": self.std,
            "threshold": self.threshold,
            "width": self.width,
            "features": list(BOX_FEATURES),
        }
        from hhikit.io.atomic import atomic_path

        with atomic_path(path) as tmp:
            torch.save(state, tmp)

    @classmethod
    def load(cls, path: str | Path) -> TinInteractiveness:
        def build(state: dict[str, Any]) -> Any:
            net = build_net(len(state["features"]), int(state["width"]))
            net.load_state_dict(state["state_dict"])
            return net

        state, net = load_checkpoint(
            path,
            build,
            "a TIN interactiveness checkpoint",
            f"TIN interactiveness weights not found: {path} (train them with `hhi train interactiveness --model tin`)",
        )
        return cls(net, state["mean"], state["std"], float(state["threshold"]), int(state["width"]))


def train_tin(
    boxes_a: Any,
    boxes_b: Any,
    labels: Any,
    keypoints_a: Keypoints = None,
    keypoints_b: Keypoints = None,
    config: TinTrainConfig | None = None,
    history: list[float] | None = None,
) -> TinInteractiveness:
    """Train the network on labelled pairs (mini-batch AdamW, logistic loss, random a/b swaps).

    ``history`` (if given) receives the mean training loss of every epoch.
    """
    import torch

    cfg = config or TinTrainConfig()
    y = np.asarray(labels, dtype=np.float32).ravel()
    if len(y) == 0 or y.min() == y.max():
        raise ConfigError("training needs both positive and negative pairs")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    maps, feats = tin_inputs(boxes_a, boxes_b, keypoints_a, keypoints_b)
    mean, std = feats.mean(0), feats.std(0) + 1e-3
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        net = _fit(torch, cfg, maps, feats, mean, std, y, rng, history)
    finally:
        torch.set_num_threads(threads)
    return TinInteractiveness(net, mean, std, 0.5, cfg.width)


def _fit(
    torch: Any,
    cfg: TinTrainConfig,
    maps: np.ndarray,
    feats: np.ndarray,
    mean: np.ndarray,
    std: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    history: list[float] | None,
) -> Any:
    net = build_net(feats.shape[1], cfg.width)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    fz = torch.from_numpy(((feats - mean) / std).astype(np.float32))
    yt = torch.from_numpy(y)
    net.train()
    for _ in range(cfg.epochs):
        order = rng.permutation(len(y))
        total = 0.0
        for i in range(0, len(y), cfg.batch):
            idx = order[i : i + cfg.batch]
            m = maps[idx]
            flip = rng.random(len(idx)) < 0.5
            m[flip] = _swap(m[flip])
            logits = net(torch.from_numpy(m), fz[idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if history is not None:
            history.append(total / len(y))
    return net


@register_interactiveness("tin")
def tin(weights: str | Path | None = None) -> TinInteractiveness:
    """The TIN-style network from a checkpoint written by ``hhi train interactiveness --model tin``."""
    if weights is None:
        raise ModelUnavailable(
            "the 'tin' interactiveness model has no packaged weights (no V-COCO images or poses here); "
            "train it with `hhi train interactiveness --model tin --vcoco FILE ... --out PATH` and pass weights=PATH"
        )
    return TinInteractiveness.load(weights)


__all__: Sequence[str] = ["TinInteractiveness", "TinTrainConfig", "build_net", "tin_inputs", "train_tin"]
