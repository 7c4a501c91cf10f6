"""The full TIN network (Li et al., CVPR 2019) in PyTorch, trainable where images exist.

- Backbone: a ResNet (``transformers`` ``ResNetModel`` from a local Hugging Face directory,
  ResNet-50 in the paper): stem + stages 1-3 give the stride-16 head (1024 channels for
  ResNet-50); stage 4 (``res5``) runs on each 7x7 RoI (``roi_align``) and is mean-pooled
  to ``fc7_H`` / ``fc7_O`` (2048).
- Human stream ``fc8_SH`` - ``fc9_SH`` - ``cls_score_H``; object stream ``fc8_SO`` - ``fc9_SO``
  - ``cls_score_O``; spatial stream ``conv1_sp`` .. ``conv2_sp`` on the pattern's two box
  channels, ``Concat_SHsp`` (fc7_H + sp) - ``fc7_SHsp`` - ``cls_score_sp``.
- Interactiveness discriminator: ``conv1_pose_map`` .. ``conv2_pose_map`` on the pose
  map; ``fc8_binary_1`` (fc7_H + sp + pose), ``fc8_binary_2`` (fc7_O), ``fc9_binary`` on
  both, ``cls_score_binary`` (two sigmoids: interactive, not interactive).
- HOI score ``(P_H + P_O) * P_sp``; loss: the sum of the four sigmoid cross-entropies of
  logits weighted by ``ln(N / n_c)`` (``hoi_loss`` of the spatial model for sp + binary).

Differences from TIN's TensorFlow code, named: no iCAN attention context (``head_phi``,
``head_g``; TIN concatenates it into fc8_SH / fc8_SO and fc8_binary), ``res5`` keeps the
Hugging Face stage's stride 2 (TIN sets it to 1), RoIAlign instead of ``crop_and_resize``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable
from hhikit.hoi.roi_align import roi_align
from hhikit.hoi.spatial import POSE_FLAT, SP_FLAT
from hhikit.io.atomic import atomic_path
from hhikit.pairs.tin import load_checkpoint

PIXEL_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
PIXEL_STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_backbone(path: str | Path | None, config: Any = None) -> Any:
    """A ``transformers`` ResNetModel: from a local directory, or random from ``config``."""
    try:
        from transformers import ResNetConfig, ResNetModel
    except ImportError:
        raise ModelUnavailable("the full TIN network needs `transformers` (ResNetModel)") from None
    if path is not None:
        p = Path(path)
        if not (p / "config.json").is_file():
            raise ModelUnavailable(f"{p}: not a local Hugging Face ResNet directory (no config.json)")
        return ResNetModel.from_pretrained(str(p), local_files_only=True)
    return ResNetModel(config or ResNetConfig())


def build_tin_net(backbone: Any, n_classes: int, width: int = 1024, dropout: float = 0.5) -> Any:
    import torch
    from torch import nn
    from torch.nn import functional as F

    fc7 = int(backbone.config.hidden_sizes[3])

    class TINNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = backbone
            for name, cin in (("SH", fc7), ("SO", fc7)):
                setattr(self, f"fc8_{name}", nn.Linear(cin, width))
                setattr(self, f"fc9_{name}", nn.Linear(width, width))
            self.cls_score_H = nn.Linear(width, n_classes)
            self.cls_score_O = nn.Linear(width, n_classes)
            self.conv1_sp, self.conv2_sp = nn.Conv2d(2, 64, 5), nn.Conv2d(64, 32, 5)
            self.Concat_SHsp = nn.Linear(fc7 + SP_FLAT, width)
            self.fc7_SHsp = nn.Linear(width, width)
            self.cls_score_sp = nn.Linear(width, n_classes)
            self.conv1_pose_map, self.conv2_pose_map = nn.Conv2d(1, 32, 5), nn.Conv2d(32, 16, 5)
            self.fc8_binary_1 = nn.Linear(fc7 + SP_FLAT + POSE_FLAT, width)
            self.fc8_binary_2 = nn.Linear(fc7, width)
            self.fc9_binary = nn.Linear(2 * width, width)
            self.cls_score_binary = nn.Linear(width, 2)
            self.drop = nn.Dropout(dropout)

        def head(self, image: torch.Tensor) -> torch.Tensor:
            x = self.backbone.embedder(image)
            for stage in self.backbone.encoder.stages[:3]:
                x = stage(x)
            return x

        def res5(self, crops: torch.Tensor) -> torch.Tensor:
            return self.backbone.encoder.stages[3](crops).mean(dim=(2, 3))

        def _mlp(self, x: torch.Tensor, *layers: nn.Module) -> torch.Tensor:
            for layer in layers:
                x = self.drop(F.relu(layer(x)))
            return x

        def forward(self, image: torch.Tensor, box_h: torch.Tensor, box_o: torch.Tensor,
                    pattern: torch.Tensor) -> dict[str, torch.Tensor]:  # fmt: skip
            head = self.head(image)
            scale = head.shape[-1] / image.shape[-1]
            idx = torch.zeros((len(box_h), 1), dtype=head.dtype)
            fc7_h = self.res5(roi_align(head, torch.cat([idx, box_h], 1), 7, scale, 2))
            fc7_o = self.res5(roi_align(head, torch.cat([idx, box_o], 1), 7, scale, 2))
            sp = F.max_pool2d(F.relu(self.conv1_sp(pattern[:, :2])), 2)
            sp = F.max_pool2d(F.relu(self.conv2_sp(sp)), 2).flatten(1)
            pose = F.max_pool2d(F.relu(self.conv1_pose_map(pattern[:, 2:3])), 2)
            pose = F.max_pool2d(F.relu(self.conv2_pose_map(pose)), 2).flatten(1)
            h = self._mlp(fc7_h, self.fc8_SH, self.fc9_SH)
            o = self._mlp(fc7_o, self.fc8_SO, self.fc9_SO)
            s = self._mlp(torch.cat([fc7_h, sp], 1), self.Concat_SHsp, self.fc7_SHsp)
            b1 = self._mlp(torch.cat([fc7_h, sp, pose], 1), self.fc8_binary_1)
            b2 = self._mlp(fc7_o, self.fc8_binary_2)
            b = self._mlp(torch.cat([b1, b2], 1), self.fc9_binary)
            return {"H": self.cls_score_H(h), "O": self.cls_score_O(o), "sp": self.cls_score_sp(s),
                    "binary": self.cls_score_binary(b)}  # fmt: skip

    return TINNet()


def tin_loss(torch: Any, out: dict[str, Any], labels: Any, inter: Any, w_hoi: Any, w_bin: Any) -> Any:
    """TIN's loss: H + O + sp + binary sigmoid cross-entropies of class-weighted logits."""
    f = torch.nn.functional.binary_cross_entropy_with_logits
    target_bin = torch.stack([inter, 1 - inter], 1)
    hoi = sum(f(out[k] * w_hoi, labels) for k in ("H", "O", "sp"))
    return hoi + f(out["binary"] * w_bin, target_bin)


@dataclass
class TINModel:
    """A trained full TIN network with its classes (``predict`` needs the image)."""

    net: Any
    dataset: str
    classes: list[str]
    no_interaction: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    name: str = "tin"

    def predict_image(
        self, image: np.ndarray, box_h: Any, box_o: Any, keypoints: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``image (H, W, 3)`` uint8 RGB -> ``P(hoi) (N, C)`` = (P_H + P_O) * P_sp and ``P(binary) (N, 2)``."""
        import torch

        from hhikit.pairs.tin_maps import tin_patterns

        bh = np.asarray(box_h, np.float32).reshape(-1, 4)
        bo = np.asarray(box_o, np.float32).reshape(-1, 4)
        pat = tin_patterns(bh, bo, keypoints)
        with torch.no_grad():
            out = self.net.eval()(
                image_tensor(image), torch.from_numpy(bh), torch.from_numpy(bo), torch.from_numpy(pat)
            )
        p = (torch.sigmoid(out["H"]) + torch.sigmoid(out["O"])) * torch.sigmoid(out["sp"])
        return p.numpy(), torch.sigmoid(out["binary"]).numpy()

    def save(self, path: str | Path) -> None:
        import torch

        state = {"format": "hhikit-tin/1", "state_dict": self.net.state_dict(), "dataset": self.dataset,
                 "classes": self.classes, "no_interaction": self.no_interaction, "meta": self.meta,
                 "backbone_config": self.net.backbone.config.to_dict(),
                 "width": self.net.fc7_SHsp.out_features}  # fmt: skip
        with atomic_path(path) as tmp:  # it makes the folder
            torch.save(state, tmp)

    @classmethod
    def load(cls, path: str | Path, backbone: str | Path | None = None) -> TINModel:
        def build(s: dict[str, Any]) -> Any:
            from transformers import ResNetConfig

            bb = load_backbone(None, ResNetConfig.from_dict(s["backbone_config"]))
            net = build_tin_net(bb, len(s["classes"]), int(s.get("width", 1024)))
            net.load_state_dict(s["state_dict"])
            return net

        s, net = load_checkpoint(
            path, build, "an hhikit TIN checkpoint", f"TIN checkpoint not found: {path}", "hhikit-tin/1"
        )
        return cls(net, s["dataset"], s["classes"], np.asarray(s["no_interaction"], bool), s.get("meta") or {})


def image_tensor(image: np.ndarray) -> Any:
    """``(H, W, 3)`` uint8 RGB -> normalised ``(1, 3, H, W)`` float tensor (ImageNet statistics)."""
    import torch

    x = (np.asarray(image, np.float32) / 255.0 - PIXEL_MEAN) / PIXEL_STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
