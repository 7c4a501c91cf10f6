"""Clip feature extractors of the ICCCI system, behind one small protocol.

A ``ClipFeature`` turns one clip's inputs (subtitle lines, 16 kHz mono audio, sampled
frames) into one vector of its modality. Backends register by name
(``@register_clip_feature``) and each one loads from a local folder (Hugging Face layout)
or, for the paper's random ViViT, from its seed; ``card()`` says which folder, model type
and versions were used, and is written into every run so inference rebuilds the same
extractors.

- ``bert-cls`` (text): the paper's text: the clip's ``.srt`` lines cleaned (HTML tags,
  ``(...)``, ``[...]`` removed, spaces collapsed), the Python list of lines written as a
  string with every character outside ``[\\w\\s.,!?-]`` removed, BERT tokens (at most 512),
  ``[CLS]`` of the last hidden state.
- ``ast-mean`` (audio): the audio as mono 16 kHz, the AST feature extractor (its
  ``max_length`` frames: 10.24 s for the AudioSet model), the mean over all tokens of the
  last hidden state.
- ``vivit-paper`` (visual): ``hhikit.video.vivit.PaperViViT`` with the seed's random
  weights on 256 uniformly sampled 128 x 128 BGR frames; ``vivit-hf``: a pretrained
  Hugging Face ViViT folder, ``[CLS]`` of its last hidden state on ``num_frames`` RGB frames.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hhikit.errors import ConfigError, InputError, ModelUnavailable
from hhikit.registry import Registry

_CLIP_FEATURES = Registry("clip_feature", "clip feature")
register_clip_feature = _CLIP_FEATURES.register
AUDIO_RATE = 16000


@dataclass
class ClipInputs:
    """What one clip gives the extractors; ``frames`` are already prepared by the visual one."""

    lines: list[str] = field(default_factory=list)
    audio: np.ndarray | None = None
    frames: list[np.ndarray] = field(default_factory=list)


@runtime_checkable
class ClipFeature(Protocol):
    modality: str  # "text", "audio" or "visual"
    dim: int

    def card(self) -> dict[str, Any]: ...

    def encode(self, clip: ClipInputs) -> np.ndarray: ...


def get_clip_feature(name: str, **options: Any) -> ClipFeature:
    return _CLIP_FEATURES.build(name, **options)


# ---------------------------------------------------------------- text


def clean_subtitle(text: str) -> str:
    """The paper's cleaning of one subtitle: tags, ``(...)`` and ``[...]`` removed, spaces collapsed."""
    text = re.sub(r"<.*?>", "", text)
    text = re.sub(r"\([^\)]+\)", "", text)
    text = re.sub(r"\[[^\]]+\]", "", text)
    return re.sub(r"\s+", " ", text).strip()


_SRT_TIME = re.compile(r"\d+:\d+:\d+[,.]\d+\s*-->\s*\d+:\d+:\d+[,.]\d+")


def read_srt_lines(path: str | Path) -> list[str]:
    """The cleaned text of every subtitle of an ``.srt`` file (a subtitle's lines joined by a
    newline before cleaning, as pysrt gives them)."""
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{p}: cannot read subtitles ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: subtitles are not UTF-8") from None
    out: list[str] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        rows = block.strip("\n").split("\n")
        k = next((i for i, r in enumerate(rows) if _SRT_TIME.search(r)), None)
        if k is None:
            continue
        out.append(clean_subtitle("\n".join(rows[k + 1 :])))
    return out


def bert_text(lines: list[str]) -> str:
    """The string the paper gives BERT: ``str(lines)`` with ``[^\\w\\s.,!?-]`` removed."""
    return re.sub(r"[^\w\s.,!?-]", "", str(list(lines)))


def _hf_card(root: Path, kind: str) -> dict[str, Any]:
    """Folder, model type and versions of a local Hugging Face model (for the run card)."""
    cfg: dict[str, Any] = {}
    try:
        cfg = json.loads((root / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    weights = sorted(p for p in root.iterdir() if p.suffix in (".safetensors", ".bin", ".pt"))
    h = hashlib.sha1()
    for w in weights:
        h.update(f"{w.name}|{w.stat().st_size}".encode())
    return {"kind": kind, "dir": str(root), "model_type": cfg.get("model_type"),
            "name_or_path": cfg.get("_name_or_path"), "transformers_version": cfg.get("transformers_version"),
            "weights": [w.name for w in weights], "weights_digest": h.hexdigest()[:12]}  # fmt: skip


def _local_dir(path: str | Path | None, what: str) -> Path:
    if not path:
        raise ConfigError(f"the {what} feature needs a local Hugging Face folder")
    p = Path(path).expanduser().resolve()
    if not (p / "config.json").is_file():
        raise ModelUnavailable(f"{p}: no {what} model here (a Hugging Face folder with config.json)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return p


def _card_dir(name: str) -> Path:
    """The local folder of a model card; ``ModelUnavailable`` (saying how to get it) without one."""
    import hhikit.video.models  # noqa: F401  (registers the cards)
    from hhikit.models.store import resolve

    return resolve(name).root


def _loading(p: Path, what: str, fn: Any) -> Any:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # no load reports or progress bars for a head left unused
    hf_logging.disable_progress_bar()
    try:
        return fn()
    except (OSError, ValueError, KeyError) as exc:
        msg = " ".join(str(exc).split())[:300]
        raise ModelUnavailable(f"{p}: cannot load the {what} model ({type(exc).__name__}: {msg})") from None


@register_clip_feature("bert-cls")
class BertCLS:
    modality = "text"

    def __init__(self, model_dir: str | Path | None = None, max_length: int = 512) -> None:
        self.root = _local_dir(model_dir, "BERT")
        from transformers import AutoModel, AutoTokenizer

        self.tok = _loading(self.root, "BERT", lambda: AutoTokenizer.from_pretrained(
            str(self.root), local_files_only=True, clean_up_tokenization_spaces=True))  # fmt: skip
        self.model = _loading(self.root, "BERT", lambda: AutoModel.from_pretrained(
            str(self.root), local_files_only=True).eval())  # fmt: skip
        self.max_length = max_length
        self.dim = int(self.model.config.hidden_size)

    def card(self) -> dict[str, Any]:
        return {**_hf_card(self.root, "bert-cls"), "max_length": self.max_length}

    def encode(self, clip: ClipInputs) -> np.ndarray:
        import torch

        enc = self.tok([bert_text(clip.lines)], padding=True, truncation=True, max_length=self.max_length,
                       return_tensors="pt")  # fmt: skip
        with torch.inference_mode():
            out = self.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        return out.last_hidden_state[0, 0].float().numpy()


# ---------------------------------------------------------------- audio


@register_clip_feature("ast-mean")
class ASTMean:
    modality = "audio"

    def __init__(self, model_dir: str | Path | None = None) -> None:
        self.root = _local_dir(model_dir, "AST")
        from transformers import ASTModel, AutoFeatureExtractor

        self.fe = _loading(self.root, "AST", lambda: AutoFeatureExtractor.from_pretrained(
            str(self.root), local_files_only=True))  # fmt: skip
        self.model = _loading(self.root, "AST", lambda: ASTModel.from_pretrained(
            str(self.root), local_files_only=True).eval())  # fmt: skip
        self.dim = int(self.model.config.hidden_size)
        frames = int(getattr(self.fe, "max_length", 1024))
        self.max_seconds = frames * 0.01 + 0.025  # 10 ms hop, 25 ms window: what the extractor keeps

    def card(self) -> dict[str, Any]:
        return {**_hf_card(self.root, "ast-mean"), "sampling_rate": AUDIO_RATE}

    def encode(self, clip: ClipInputs) -> np.ndarray:
        import torch

        a = clip.audio
        if a is None or not len(a):
            a = np.zeros(AUDIO_RATE, np.float32)  # no audio: one second of silence
        a = np.asarray(a, np.float32).reshape(1, -1)  # (1, n): a batch of one, as the paper passes it
        inputs = self.fe(a, sampling_rate=AUDIO_RATE, return_tensors="pt", padding=True)
        with torch.inference_mode():
            out = self.model(**inputs)
        return out.last_hidden_state.mean(dim=1)[0].float().numpy()


# ---------------------------------------------------------------- visual


@register_clip_feature("vivit-paper")
class PaperViViTFeature:
    """The paper's random-weight ViViT; ``card()`` says it is random and from which seed."""

    modality = "visual"

    def __init__(self, frames: int = 256, seed: int = 42, image_size: int = 128, **sizes: Any) -> None:
        from hhikit.video.vivit import PaperViViTConfig, build_paper_vivit

        try:
            self.cfg = PaperViViTConfig(frames=frames, seed=seed, image_size=image_size, **sizes)
            self.model = build_paper_vivit(self.cfg)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"paper ViViT: {exc}") from None
        self.dim = self.cfg.dim
        self.num_frames = self.cfg.frames

    def card(self) -> dict[str, Any]:
        return {"kind": "vivit-paper", "weights": f"random, torch.manual_seed({self.cfg.seed}) (as the paper)",
                "config": self.cfg.to_dict(), "colour": "BGR", "resize": "cv2.INTER_AREA"}  # fmt: skip

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        from hhikit.video.vivit import resize_bgr

        return resize_bgr(rgb, self.cfg.image_size)

    def encode(self, clip: ClipInputs) -> np.ndarray:
        import torch

        from hhikit.video.vivit import frames_tensor

        if not clip.frames:
            raise InputError("a clip without frames has no visual feature")
        self.model.train(self.cfg.dropout_at_extraction)  # dropout on only when asked (the paper's path)
        with torch.inference_mode():
            return self.model.extract_features(frames_tensor(clip.frames))[0].float().numpy()


@register_clip_feature("vivit-hf")
class HFViViTFeature:
    """A pretrained Hugging Face ViViT (e.g. google/vivit-b-16x2-kinetics400) from a local folder."""

    modality = "visual"

    def __init__(self, model_dir: str | Path | None = None) -> None:
        self.root = _local_dir(model_dir, "ViViT")
        from transformers import AutoImageProcessor, VivitModel

        self.model = _loading(self.root, "ViViT", lambda: VivitModel.from_pretrained(
            str(self.root), local_files_only=True, add_pooling_layer=False).eval())  # fmt: skip
        try:
            self.proc = AutoImageProcessor.from_pretrained(str(self.root), local_files_only=True)
        except (OSError, ValueError):
            self.proc = None
        c = self.model.config
        self.dim, self.num_frames, self.size = int(c.hidden_size), int(c.num_frames), int(c.image_size)

    def card(self) -> dict[str, Any]:
        return {**_hf_card(self.root, "vivit-hf"), "num_frames": self.num_frames}

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        import cv2

        return cv2.resize(np.ascontiguousarray(rgb), (self.size, self.size), interpolation=cv2.INTER_AREA)

    def encode(self, clip: ClipInputs) -> np.ndarray:
        import torch

        if not clip.frames:
            raise InputError("a clip without frames has no visual feature")
        if self.proc is not None:
            px = self.proc(list(clip.frames), return_tensors="pt")["pixel_values"]
        else:  # no processor saved: [0, 1] -> [-1, 1] as the Kinetics model was trained
            px = torch.from_numpy(np.stack(clip.frames).astype(np.float32) / 127.5 - 1.0).permute(0, 3, 1, 2)[None]
        with torch.inference_mode():
            return self.model(pixel_values=px).last_hidden_state[0, 0].float().numpy()


# ---------------------------------------------------------------- the three together


@dataclass
class ICCCIExtractors:
    """The text, audio and visual extractors of one run."""

    text: Any
    audio: Any
    visual: Any

    def card(self) -> dict[str, Any]:
        return {"text": self.text.card(), "audio": self.audio.card(), "visual": self.visual.card()}

    def dims(self) -> dict[str, int]:
        return {"text_dim": self.text.dim, "audio_dim": self.audio.dim, "visual_dim": self.visual.dim}

    def encode(self, clip: ClipInputs) -> dict[str, np.ndarray]:
        return {"text": self.text.encode(clip), "audio": self.audio.encode(clip), "visual": self.visual.encode(clip)}


def build_extractors(bert: str | Path | None, ast: str | Path | None, vivit: str | Path | None = None,
                     vivit_frames: int = 256, vivit_seed: int = 42, **vivit_sizes: Any) -> ICCCIExtractors:  # fmt: skip
    """BERT and AST from their folders (default: the folders of the cards ``bert-base-uncased``
    and ``ast-audioset``); ViViT from a folder, or the paper's random one."""
    bert = bert or _card_dir("bert-base-uncased")
    ast = ast or _card_dir("ast-audioset")
    visual = (get_clip_feature("vivit-hf", model_dir=vivit) if vivit
              else get_clip_feature("vivit-paper", **{"frames": vivit_frames, "seed": vivit_seed, **vivit_sizes}))  # fmt: skip
    return ICCCIExtractors(get_clip_feature("bert-cls", model_dir=bert), get_clip_feature("ast-mean", model_dir=ast),
                           visual)  # fmt: skip


def extractors_from_card(card: dict[str, Any], overrides: dict[str, str | None] | None = None) -> ICCCIExtractors:
    """Rebuild a run's extractors from its card; ``overrides`` (``bert``/``ast``/``vivit``) move folders."""
    o = {k: v for k, v in (overrides or {}).items() if v}
    vis = card.get("visual", {})
    if o.get("vivit") or vis.get("kind") == "vivit-hf":
        visual = get_clip_feature("vivit-hf", model_dir=o.get("vivit") or vis.get("dir"))
    else:
        c = dict(vis.get("config", {}))
        visual = get_clip_feature("vivit-paper", **c) if c else get_clip_feature("vivit-paper")
    return ICCCIExtractors(
        get_clip_feature("bert-cls", model_dir=o.get("bert") or card.get("text", {}).get("dir")),
        get_clip_feature("ast-mean", model_dir=o.get("ast") or card.get("audio", {}).get("dir")),
        visual,
    )
