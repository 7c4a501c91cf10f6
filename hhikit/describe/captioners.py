"""The paper's image captioners for interactions, built with ``transformers``.

* **EncDec**: a frozen CLIP vision encoder; its projected image embedding goes through a
  linear layer into the cross-attention of a GPT-2 decoder.
* **ClipCap**: the CLIP image embedding goes through an MLP to ``prefix_len`` (10) prefix
  token embeddings that are prepended to the GPT-2 input (no cross-attention).

Weights come from local directories in Hugging Face layout (nothing is downloaded):
``build_captioner(kind, clip_dir, gpt2_dir)`` starts from pretrained CLIP and GPT-2;
``save_captioner`` / ``load_captioner`` keep a trained model in one directory::

    DIR/hhi_captioner.json   kind, prefix length, image size
    DIR/clip/config.json     CLIP vision config (with projection)
    DIR/gpt2/                GPT-2 config and tokenizer files
    DIR/model.pt             every weight (state dict)

Inference is the paper's beam search (``beam_search``): beam 32, at most 20 new tokens,
scores are summed log-probabilities with no length normalisation, beams that emit the end
token are set aside, and the top 8 finished beams are kept. It is written here rather than
taken from ``generate`` so that scores and stopping match the paper exactly (``generate``
with ``num_beams=32, length_penalty=0, num_return_sequences=8`` is the close equivalent).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.describe.base import TOP_K, register_describer
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import ImageResult, Interaction

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
KINDS = ("encdec", "clipcap")
BEAM, MAX_STEPS = 32, 20


def _torch():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    return torch


def preprocess(images: list[np.ndarray], size: int) -> Any:
    """RGB uint8 arrays -> CLIP pixel values (resize shortest side, centre crop, normalise)."""
    import cv2

    torch = _torch()
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


def _make_module(kind: str, vision_config: Any, gpt2_config: Any, prefix_len: int = 10) -> Any:
    """The captioner as a torch module (random weights)."""
    torch = _torch()
    from torch import nn
    from transformers import CLIPVisionModelWithProjection, GPT2LMHeadModel

    if kind not in KINDS:
        raise ConfigError(f"unknown captioner kind {kind!r}; expected one of {KINDS}")

    class Captioner(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.prefix_len = prefix_len
            self.clip = CLIPVisionModelWithProjection(vision_config)
            for p in self.clip.parameters():
                p.requires_grad = False  # frozen encoder
            if kind == "encdec":
                gpt2_config.add_cross_attention = True
                gpt2_config.is_decoder = True
            self.gpt2 = GPT2LMHeadModel(gpt2_config)
            d_img, d = vision_config.projection_dim, gpt2_config.n_embd
            if kind == "encdec":
                self.proj = nn.Linear(d_img, d)
            else:
                hidden = d * prefix_len // 2
                self.proj = nn.Sequential(nn.Linear(d_img, hidden), nn.Tanh(), nn.Linear(hidden, d * prefix_len))

        def train(self, mode: bool = True) -> Captioner:
            super().train(mode)
            self.clip.eval()  # frozen: no dropout either
            return self

        def encode(self, pixel_values: Any) -> Any:
            """Image -> decoder memory: (b, 1, d) for EncDec, (b, prefix_len, d) for ClipCap."""
            with torch.no_grad():
                e = self.clip(pixel_values=pixel_values).image_embeds
            m = self.proj(e)
            return m.unsqueeze(1) if self.kind == "encdec" else m.view(e.shape[0], self.prefix_len, -1)

        def logits(self, memory: Any, input_ids: Any, attention_mask: Any | None = None) -> Any:
            """Next-token logits at every text position: (b, t, vocab)."""
            if self.kind == "encdec":
                return self.gpt2(
                    input_ids=input_ids, attention_mask=attention_mask, encoder_hidden_states=memory
                ).logits
            emb = self.gpt2.transformer.wte(input_ids)
            x = torch.cat([memory, emb], dim=1)
            mask = None
            if attention_mask is not None:
                ones = torch.ones(memory.shape[:2], dtype=attention_mask.dtype, device=attention_mask.device)
                mask = torch.cat([ones, attention_mask], dim=1)
            return self.gpt2(inputs_embeds=x, attention_mask=mask).logits[:, memory.shape[1] :]

        def forward(self, pixel_values: Any, input_ids: Any, attention_mask: Any | None = None) -> Any:
            return self.logits(self.encode(pixel_values), input_ids, attention_mask)

    return Captioner()


class CaptionerModel:
    """A captioner module with its tokenizer and image size: train, save, caption."""

    def __init__(self, module: Any, tokenizer: Any, image_size: int) -> None:
        self.module = module
        self.tokenizer = tokenizer
        self.image_size = image_size
        eos = tokenizer.eos_token_id
        if eos is None:
            raise ConfigError("captioner tokenizer has no end-of-text token")
        self.eos = int(eos)
        self.bos = int(tokenizer.bos_token_id if tokenizer.bos_token_id is not None else eos)

    @property
    def kind(self) -> str:
        return self.module.kind

    def encode_texts(self, texts: list[str], max_len: int = 32) -> tuple[Any, Any, Any]:
        """``[BOS] text [EOS]`` token ids (padded) and labels (-100 on padding)."""
        torch = _torch()
        seqs = [[self.bos, *self.tokenizer.encode(" " + t.strip(), add_special_tokens=False)[: max_len - 2], self.eos]
                for t in texts]  # fmt: skip
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), self.eos, dtype=torch.long)
        labels = torch.full((len(seqs), n), -100, dtype=torch.long)
        mask = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            labels[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        return ids, labels, mask

    def loss(self, pixel_values: Any, texts: list[str], weights: Any, module: Any | None = None) -> Any:
        """Per-token cross-entropy, each sample's tokens weighted by its weight (mean over
        real tokens). ``module`` is the (possibly distributed-wrapped) module to call."""
        torch = _torch()
        ids, labels, mask = self.encode_texts(texts)
        dev = pixel_values.device
        logits = (module or self.module)(pixel_values, ids.to(dev), mask.to(dev))
        shift_logits, shift_labels = logits[:, :-1], labels[:, 1:].to(dev)
        per_tok = torch.nn.functional.cross_entropy(
            shift_logits.reshape(-1, shift_logits.shape[-1]),
            shift_labels.reshape(-1),
            ignore_index=-100,
            reduction="none",
        ).view(shift_labels.shape)
        valid = (shift_labels != -100).float()
        w = weights.to(dev).float().unsqueeze(1)
        return (per_tok * valid * w).sum() / valid.sum().clamp(min=1.0)

    def beam_search(
        self, image: np.ndarray, beam: int = BEAM, max_steps: int = MAX_STEPS, keep: int = TOP_K
    ) -> list[tuple[str, float]]:
        """The paper's beam search; returns ``(text, summed log-prob)`` best first."""
        torch = _torch()
        m = self.module
        m.eval()
        dev = next(m.parameters()).device
        with torch.no_grad():
            memory = m.encode(preprocess([image], self.image_size).to(dev))
            beams: list[tuple[list[int], float]] = [([self.bos], 0.0)]
            finished: list[tuple[list[int], float]] = []
            for _ in range(max_steps):
                if not beams:
                    break
                ids = torch.tensor([b[0] for b in beams], device=dev)
                logp = m.logits(memory.expand(len(beams), -1, -1), ids)[:, -1].log_softmax(-1)
                k = min(beam, logp.shape[-1])
                top = logp.topk(k, dim=-1)
                cand = [
                    ([*seq, int(top.indices[j, t])], score + float(top.values[j, t]))
                    for j, (seq, score) in enumerate(beams)
                    for t in range(k)
                ]
                cand.sort(key=lambda c: -c[1])
                beams = []
                for seq, score in cand[:beam]:
                    (finished if seq[-1] == self.eos else beams).append((seq, score))
            if not finished:
                finished = beams[:1]
            finished.sort(key=lambda c: -c[1])
        out = []
        for seq, score in finished[:keep]:
            toks = [t for t in seq[1:] if t != self.eos]
            out.append((self.tokenizer.decode(toks).strip(), score))
        return out


def build_captioner(kind: str, clip_dir: str | Path, gpt2_dir: str | Path, prefix_len: int = 10) -> CaptionerModel:
    """A new captioner from a pretrained CLIP and GPT-2 (local Hugging Face directories)."""
    _torch()
    from transformers import AutoTokenizer, CLIPVisionConfig, CLIPVisionModelWithProjection, GPT2Config, GPT2LMHeadModel

    for d in (clip_dir, gpt2_dir):
        if not Path(d, "config.json").exists():
            raise ModelUnavailable(
                f"{d}: no config.json; put a Hugging Face model directory there (nothing is downloaded)"
            )
    vcfg = CLIPVisionConfig.from_pretrained(str(clip_dir))
    gcfg = GPT2Config.from_pretrained(str(gpt2_dir))
    cap = _make_module(kind, vcfg, gcfg, prefix_len)
    cap.clip = CLIPVisionModelWithProjection.from_pretrained(str(clip_dir))
    for p in cap.clip.parameters():
        p.requires_grad = False
    pre = GPT2LMHeadModel.from_pretrained(str(gpt2_dir))
    cap.gpt2.load_state_dict(pre.state_dict(), strict=False)  # cross-attention stays newly initialised
    tok = AutoTokenizer.from_pretrained(str(gpt2_dir))
    return CaptionerModel(cap, tok, vcfg.image_size)


def from_configs(
    kind: str, vision_config: Any, gpt2_config: Any, tokenizer: Any, prefix_len: int = 10
) -> CaptionerModel:
    """A captioner with random weights from configs (tests, or training from scratch)."""
    return CaptionerModel(
        _make_module(kind, vision_config, gpt2_config, prefix_len), tokenizer, vision_config.image_size
    )


def save_captioner(model: CaptionerModel, out_dir: str | Path) -> Path:
    """Write a captioner directory (config, tokenizer, weights) that ``load_captioner`` reads."""
    torch = _torch()
    out = Path(out_dir)
    (out / "clip").mkdir(parents=True, exist_ok=True)
    (out / "gpt2").mkdir(parents=True, exist_ok=True)
    m = model.module
    m.clip.config.save_pretrained(str(out / "clip"))
    m.gpt2.config.save_pretrained(str(out / "gpt2"))
    model.tokenizer.save_pretrained(str(out / "gpt2"))
    meta = {"kind": m.kind, "prefix_len": m.prefix_len, "image_size": model.image_size, "format": "hhikit-captioner/1"}
    tmp = out / "model.pt.tmp"
    torch.save(m.state_dict(), tmp)
    os.replace(tmp, out / "model.pt")
    (out / "hhi_captioner.json").write_text(json.dumps(meta, indent=1) + "\n")
    return out


def load_captioner(model_dir: str | Path, kind: str | None = None) -> CaptionerModel:
    """Read a captioner saved by ``save_captioner``."""
    torch = _torch()
    from transformers import AutoTokenizer, CLIPVisionConfig, GPT2Config

    d = Path(model_dir)
    meta_p = d / "hhi_captioner.json"
    if not meta_p.exists() or not (d / "model.pt").exists():
        raise ModelUnavailable(
            f"{d}: not a trained captioner directory (needs hhi_captioner.json and model.pt); "
            "train one with `hhi train captioner` (no weights are downloaded)"
        )
    meta = json.loads(meta_p.read_text())
    if kind and meta["kind"] != kind:
        raise ConfigError(f"{d}: is a {meta['kind']} captioner, not {kind}")
    vcfg = CLIPVisionConfig.from_pretrained(str(d / "clip"))
    gcfg = GPT2Config.from_pretrained(str(d / "gpt2"))
    tok = AutoTokenizer.from_pretrained(str(d / "gpt2"))
    model = from_configs(meta["kind"], vcfg, gcfg, tok, int(meta.get("prefix_len", 10)))
    state = torch.load(d / "model.pt", map_location="cpu", weights_only=True)
    model.module.load_state_dict(state)
    model.module.eval()
    return model


def normalise_caption(text: str) -> str:
    """Make a generated caption a phrase of the form ``_ <verb>ing ... _`` where possible."""
    t = " ".join(text.replace("\n", " ").split())
    if not t.startswith("_"):
        t = "_ " + t
    return t


class CaptionerDescriber:
    """Describer backed by a trained captioner: the image's top 8 beams, for the image and
    for every non-suppressed pair (the captioner sees the whole image, as in the paper)."""

    def __init__(self, model_dir: str | Path, kind: str, beam: int = BEAM, max_steps: int = MAX_STEPS) -> None:
        self.name = kind
        self.model = load_captioner(model_dir, kind)
        self.beam, self.max_steps = beam, max_steps

    def describe(self, image: np.ndarray, result: ImageResult) -> None:
        beams = self.model.beam_search(image, self.beam, self.max_steps, TOP_K)
        cue = f"{self.name} captioner beam search (beam {self.beam}, summed log-prob)"
        result.interactions = [
            Interaction(normalise_caption(t), float(np.exp(s)), [cue, f"log-prob {s:.2f}"]) for t, s in beams
        ]
        for pr in result.pairs:
            if not pr.suppressed:
                pr.interactions = [Interaction(i.text, i.score, list(i.cues)) for i in result.interactions]


def _factory(kind: str):
    def make(arg: str | None = None, **options: Any) -> CaptionerDescriber:
        if not arg:
            raise ConfigError(f"describer {kind!r} needs a model directory: --describer {kind}:DIR")
        return CaptionerDescriber(arg, kind, **options)

    return make


register_describer("encdec", options_of=CaptionerDescriber)(_factory("encdec"))
register_describer("clipcap", options_of=CaptionerDescriber)(_factory("clipcap"))
