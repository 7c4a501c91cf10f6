"""Small helpers shared by the ``transformers``-based describers: offline set-up, quiet
loading, CLIP image preprocessing and configs from Hugging Face directories."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def _torch():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    return torch


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No progress bars or load reports from ``transformers`` while loading (restored after)."""
    from transformers.utils import logging as tl

    level, bars = tl.get_verbosity(), tl.is_progress_bar_enabled()
    tl.set_verbosity_error()
    tl.disable_progress_bar()
    try:
        yield
    finally:
        tl.set_verbosity(level)
        if bars:
            tl.enable_progress_bar()


def preprocess(images: list[np.ndarray], size: int, processor: Any | None = None) -> Any:
    """RGB uint8 arrays -> CLIP pixel values. With the CLIP directory's image processor
    (``CLIPProcessor``, as the paper): its own resize, crop and normalisation; without one:
    resize the shortest side (OpenCV bicubic), centre crop, CLIP's mean and std."""
    torch = _torch()
    if processor is not None:
        return processor(images=[np.ascontiguousarray(im) for im in images], return_tensors="pt")["pixel_values"]
    import cv2

    out = []
    for im in images:
        h, w = im.shape[:2]
        f = size / min(h, w)
        r = cv2.resize(im, (max(size, round(w * f)), max(size, round(h * f))), interpolation=cv2.INTER_CUBIC)
        y0, x0 = (r.shape[0] - size) // 2, (r.shape[1] - size) // 2
        c = r[y0 : y0 + size, x0 : x0 + size].astype(np.float32) / 255.0
        c = (c - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
        out.append(torch.from_numpy(c.transpose(2, 0, 1).copy()))
    return torch.stack(out)


def read_config(model_dir: str | Path, what: str = "Hugging Face") -> dict[str, Any]:
    """The ``config.json`` of a model directory as a dict; ``ModelUnavailable`` (one line)
    when it is missing, unreadable or not a JSON object."""
    p = Path(model_dir, "config.json")
    if not p.is_file():
        raise ModelUnavailable(f"{model_dir}: no config.json; put a {what} directory there (nothing is downloaded)")
    try:
        cfg = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelUnavailable(f"{p}: unreadable ({' '.join(str(exc).split())[:160]})") from None
    if not isinstance(cfg, dict):
        raise ModelUnavailable(f"{p}: not a JSON object")
    return cfg


def vision_config_of(clip_dir: str | Path) -> Any:
    """The CLIP vision config (with ``projection_dim``) of a ``CLIPModel`` or vision directory."""
    _torch()
    from transformers import CLIPVisionConfig

    cfg = read_config(clip_dir, "Hugging Face CLIP")
    vcfg = CLIPVisionConfig.from_pretrained(str(clip_dir))
    if "projection_dim" in cfg:  # a CLIPModel config keeps projection_dim at the top level
        vcfg.projection_dim = int(cfg["projection_dim"])
    return vcfg


def image_processor_of(clip_dir: str | Path) -> Any | None:
    """The image processor of a CLIP directory (``preprocessor_config.json``), or None."""
    if not Path(clip_dir, "preprocessor_config.json").exists():
        return None
    _torch()
    from transformers import CLIPImageProcessor

    try:
        with quiet_transformers():
            return CLIPImageProcessor.from_pretrained(str(clip_dir))
    except (OSError, ValueError) as exc:
        msg = " ".join(str(exc).split())[:160]
        raise ModelUnavailable(f"{clip_dir}: unreadable preprocessor_config.json: {msg}") from None
