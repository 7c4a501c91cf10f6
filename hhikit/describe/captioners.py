"""The paper's image captioners for interactions, built with ``transformers``.

* **EncDec** (the paper's ``HHIModel``): a frozen CLIP vision encoder; its projected image
  embedding goes through ``proj`` (Linear) into the cross-attention of ``gpt2``.
* **ClipCap** (the paper's ``HHICCModel``): CLIPCap's ``ClipCaptionModel`` as ``cc``: the
  CLIP image embedding goes through ``cc.clip_project`` (MLP 512 -> 3840 -> 7680, Tanh) to
  ``prefix_len`` (10) prefix embeddings prepended to the input of ``cc.gpt``.

The state-dict names are the paper's, so its Lightning checkpoint and CLIPCap's ``.pt`` load
as they are (``hhikit.describe.checkpoints``). Weights come from local directories in
Hugging Face layout (nothing is downloaded): ``build_captioner(kind, clip_dir, gpt2_dir)``
starts from pretrained CLIP and GPT-2; ``save_captioner`` / ``load_captioner`` keep a
captioner in one directory::

    DIR/hhi_captioner.json   kind, prefix length, mapper, image size, targets, source
    DIR/clip/config.json     CLIP vision config (with projection)
    DIR/gpt2/                GPT-2 config and tokenizer files
    DIR/model.pt             every weight (state dict, the paper's names)

Targets and decoding are the paper's: the decoder learns ``pseudolabel[2:]`` and ``_ `` is
put back in front of the decoded beam. Inference is the paper's beam search
(``beam_search``): beam 32, at most 20 new tokens, scores are summed log-probabilities with
no length normalisation, beams that emit the end token are set aside, and the top 8
finished beams are kept. It is written here rather than taken from ``generate`` so that
scores and stopping match the paper exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.describe.base import TOP_K
from hhikit.describe.hf import _torch, image_processor_of, preprocess, quiet_transformers, vision_config_of
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.io.atomic import atomic_path

KINDS = ("encdec", "clipcap")
MAPPERS = ("mlp", "linear")
TARGETS = ("paper", "hhikit")
BEAM, MAX_STEPS = 32, 20


def _make_module(kind: str, vision_config: Any, gpt2_config: Any, prefix_len: int = 10, mapper: str = "mlp") -> Any:
    """The captioner as a torch module (random weights), with the paper's module names.

    EncDec (``HHIModel``): ``clip`` (vision tower + ``visual_projection``), ``gpt2`` (GPT-2
    with cross-attention), ``proj`` (Linear 512 -> 768). ClipCap (``HHICCModel``): ``clip``
    and ``cc``, CLIPCap's ``ClipCaptionModel``: ``cc.clip_project`` (``mapper="mlp"``:
    ``model.0`` Linear(512, 768*P/2), Tanh, ``model.2`` Linear(768*P/2, 768*P); ``"linear"``:
    one Linear, CLIPCap's choice for P > 10) and ``cc.gpt``. So the paper's Lightning
    checkpoint and the official CLIPCap ``.pt`` load with their own state-dict names.
    """
    torch = _torch()
    from torch import nn
    from transformers import CLIPVisionModelWithProjection, GPT2LMHeadModel

    if kind not in KINDS:
        raise ConfigError(f"unknown captioner kind {kind!r}; expected one of {KINDS}")
    if mapper not in MAPPERS:
        raise ConfigError(f"unknown ClipCap mapping network {mapper!r}; expected one of {MAPPERS}")

    class MLP(nn.Module):
        """CLIPCap's ``MLP``: Linear layers with Tanh between them, in ``self.model``."""

        def __init__(self, sizes: tuple[int, ...]) -> None:
            super().__init__()
            layers: list[Any] = []
            for i in range(len(sizes) - 1):
                layers.append(nn.Linear(sizes[i], sizes[i + 1]))
                if i < len(sizes) - 2:
                    layers.append(nn.Tanh())
            self.model = nn.Sequential(*layers)

        def forward(self, x: Any) -> Any:
            return self.model(x)

    class ClipCaptionModel(nn.Module):
        """CLIPCap's prefix model: ``clip_project`` maps a CLIP embedding to P GPT-2 embeddings."""

        def __init__(self, prefix_size: int) -> None:
            super().__init__()
            self.prefix_length = prefix_len
            self.gpt = GPT2LMHeadModel(gpt2_config)
            self.gpt_embedding_size = d = gpt2_config.n_embd
            if mapper == "linear":
                self.clip_project: Any = nn.Linear(prefix_size, d * prefix_len)
            else:
                self.clip_project = MLP((prefix_size, d * prefix_len // 2, d * prefix_len))

    class Captioner(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.prefix_len = prefix_len
            self.mapper = mapper
            self.clip = CLIPVisionModelWithProjection(vision_config)
            for p in self.clip.parameters():
                p.requires_grad = False  # frozen encoder
            if kind == "encdec":
                gpt2_config.add_cross_attention = True
                gpt2_config.is_decoder = True
                self.gpt2 = GPT2LMHeadModel(gpt2_config)
                self.proj = nn.Linear(vision_config.projection_dim, gpt2_config.n_embd)
            else:
                self.cc = ClipCaptionModel(vision_config.projection_dim)

        @property
        def decoder(self) -> Any:
            """The GPT-2 language model of either kind."""
            return self.gpt2 if self.kind == "encdec" else self.cc.gpt

        def train(self, mode: bool = True) -> Captioner:
            super().train(mode)
            self.clip.eval()  # frozen: no dropout either
            return self

        def encode(self, pixel_values: Any) -> Any:
            """Image -> decoder memory: (b, 1, d) for EncDec, (b, prefix_len, d) for ClipCap.
            The image embedding is ``visual_projection(pooler_output)``, as the paper's code."""
            with torch.no_grad():
                e = self.clip(pixel_values=pixel_values).image_embeds
            if self.kind == "encdec":
                return self.proj(e).unsqueeze(1)
            return self.cc.clip_project(e).reshape(e.shape[0], self.prefix_len, -1)

        def logits(self, memory: Any, input_ids: Any, attention_mask: Any | None = None) -> Any:
            """Next-token logits at every text position: (b, t, vocab)."""
            if self.kind == "encdec":
                return self.gpt2(
                    input_ids=input_ids, attention_mask=attention_mask, encoder_hidden_states=memory
                ).logits
            emb = self.cc.gpt.transformer.wte(input_ids)
            x = torch.cat([memory, emb], dim=1)
            mask = None
            if attention_mask is not None:
                ones = torch.ones(memory.shape[:2], dtype=attention_mask.dtype, device=attention_mask.device)
                mask = torch.cat([ones, attention_mask], dim=1)
            return self.cc.gpt(inputs_embeds=x, attention_mask=mask).logits[:, memory.shape[1] :]

        def forward(self, pixel_values: Any, input_ids: Any, attention_mask: Any | None = None) -> Any:
            return self.logits(self.encode(pixel_values), input_ids, attention_mask)

    return Captioner()


class CaptionerModel:
    """A captioner module with its tokenizer and image size: train, save, caption.

    ``targets="paper"``: the decoder learns ``[BOS] pseudolabel[2:] [EOS]`` (the leading
    ``_ `` is predictable, so it is dropped) and ``_ `` is put back when decoding, as the
    paper's ``Collator`` and ``test.py``; ``"hhikit"``: the whole text with a leading space
    (captioners trained by hhikit before the paper's recipe).
    """

    def __init__(self, module: Any, tokenizer: Any, image_size: int, targets: str = "paper") -> None:
        if targets not in TARGETS:
            raise ConfigError(f"unknown captioner targets {targets!r}; expected one of {TARGETS}")
        self.module = module
        self.tokenizer = tokenizer
        self.image_size = image_size
        self.targets = targets
        self.source: dict[str, Any] = {}
        self.processor: Any | None = None  # the CLIP directory's image processor, when it has one
        eos = tokenizer.eos_token_id
        if eos is None:
            raise ConfigError("captioner tokenizer has no end-of-text token")
        self.eos = int(eos)
        self.bos = int(tokenizer.bos_token_id if tokenizer.bos_token_id is not None else eos)

    @property
    def kind(self) -> str:
        return self.module.kind

    def pixels(self, images: list[np.ndarray]) -> Any:
        """CLIP pixel values of RGB uint8 images (the image processor's when known)."""
        return preprocess(images, self.image_size, self.processor)

    def target_text(self, text: str) -> str:
        """What the decoder is trained to emit for an interaction text."""
        if self.targets == "paper":
            return text[2:] if text.startswith("_ ") else text  # the paper: pseudolabel[2:]
        return " " + text.strip()

    def decode(self, tokens: list[int]) -> str:
        """Generated tokens (without BOS/EOS) -> interaction text."""
        if self.targets == "paper":  # the paper's test.py: '_ ' + decode(indices[1:-1]), whose
            # transformers (4.18) cleaned up tokenization spaces by default (" 's" -> "'s")
            return "_ " + self.tokenizer.decode(tokens, clean_up_tokenization_spaces=True)
        text = self.tokenizer.decode(tokens)
        return normalise_caption(text.strip())

    def encode_texts(self, texts: list[str], max_len: int | None = None) -> tuple[Any, Any, Any]:
        """``[BOS] target [EOS]`` token ids (padded) and labels (-100 on padding)."""
        torch = _torch()
        limit = max_len or int(getattr(self.module.decoder.config, "n_positions", 1024)) - self.module.prefix_len
        seqs = [[self.bos, *self.tokenizer.encode(self.target_text(t), add_special_tokens=False)[: limit - 2], self.eos]
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

    def loss(
        self, pixel_values: Any, texts: list[str], weights: Any, module: Any | None = None, normalise: str = "paper"
    ) -> Any:
        """Per-token cross-entropy, each sample's tokens times its weight. ``normalise="paper"``:
        the mean over all batch x length positions, padding (loss 0) included, as the paper's
        ``training_step``; ``"tokens"``: the mean over real tokens. ``module`` is the (possibly
        distributed-wrapped) module to call."""
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
        ).view(shift_labels.shape)  # 0 at ignored (padding) positions
        w = weights.to(dev).float().unsqueeze(1)
        if normalise == "paper":
            return (per_tok * w).mean()
        if normalise != "tokens":
            raise ConfigError(f"unknown loss normalisation {normalise!r}; expected paper or tokens")
        valid = (shift_labels != -100).float()
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
            memory = m.encode(self.pixels([image]).to(dev))
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
        return [(self.decode([t for t in seq[1:] if t != self.eos]), score) for seq, score in finished[:keep]]


def build_captioner(
    kind: str, clip_dir: str | Path, gpt2_dir: str | Path, prefix_len: int = 10, targets: str = "paper"
) -> CaptionerModel:
    """A new captioner from a pretrained CLIP and GPT-2 (local Hugging Face directories)."""
    _torch()
    from transformers import AutoTokenizer, CLIPVisionModelWithProjection, GPT2Config, GPT2LMHeadModel

    if not Path(gpt2_dir, "config.json").exists():
        raise ModelUnavailable(
            f"{gpt2_dir}: no config.json; put a Hugging Face GPT-2 directory there (nothing is downloaded)"
        )
    vcfg = vision_config_of(clip_dir)
    gcfg = GPT2Config.from_pretrained(str(gpt2_dir))
    cap = _make_module(kind, vcfg, gcfg, prefix_len)
    with quiet_transformers():
        cap.clip = CLIPVisionModelWithProjection.from_pretrained(str(clip_dir), config=vcfg)
        pre = GPT2LMHeadModel.from_pretrained(str(gpt2_dir))
    for p in cap.clip.parameters():
        p.requires_grad = False
    cap.decoder.load_state_dict(pre.state_dict(), strict=False)  # cross-attention stays newly initialised
    tok = AutoTokenizer.from_pretrained(str(gpt2_dir))
    model = CaptionerModel(cap, tok, vcfg.image_size, targets)
    model.source = {"format": "pretrained", "clip": str(clip_dir), "gpt2": str(gpt2_dir)}
    model.processor = image_processor_of(clip_dir)
    return model


def from_configs(
    kind: str,
    vision_config: Any,
    gpt2_config: Any,
    tokenizer: Any,
    prefix_len: int = 10,
    targets: str = "paper",
    mapper: str = "mlp",
) -> CaptionerModel:
    """A captioner with random weights from configs (tests, or training from scratch)."""
    return CaptionerModel(
        _make_module(kind, vision_config, gpt2_config, prefix_len, mapper), tokenizer, vision_config.image_size, targets
    )


def save_captioner(model: CaptionerModel, out_dir: str | Path) -> Path:
    """Write a captioner directory (config, tokenizer, weights) that ``load_captioner`` reads;
    ``hhi_captioner.json`` also records where the weights came from (``source``)."""
    torch = _torch()
    out = Path(out_dir)
    (out / "clip").mkdir(parents=True, exist_ok=True)
    (out / "gpt2").mkdir(parents=True, exist_ok=True)
    m = model.module
    m.clip.config.save_pretrained(str(out / "clip"))
    m.decoder.config.save_pretrained(str(out / "gpt2"))
    model.tokenizer.save_pretrained(str(out / "gpt2"))
    if model.processor is not None:
        model.processor.save_pretrained(str(out / "clip"))
    meta = {"kind": m.kind, "prefix_len": m.prefix_len, "mapper": m.mapper, "image_size": model.image_size,
            "targets": model.targets, "format": FORMAT, "source": model.source}  # fmt: skip
    with atomic_path(out / "model.pt") as tmp:
        torch.save(m.state_dict(), tmp)
    (out / "hhi_captioner.json").write_text(json.dumps(meta, indent=1) + "\n")
    return out


FORMAT = "hhikit-captioner/2"


def _legacy_keys(state: dict[str, Any], kind: str) -> dict[str, Any]:
    """State-dict names of ``hhikit-captioner/1`` (ClipCap as ``proj.{0,2}`` and ``gpt2``) ->
    the paper's (``cc.clip_project.model.{0,2}``, ``cc.gpt``)."""
    if kind != "clipcap":
        return state
    out = {}
    for k, v in state.items():
        if k.startswith("proj."):
            k = "cc.clip_project.model." + k[len("proj.") :]
        elif k.startswith("gpt2."):
            k = "cc.gpt." + k[len("gpt2.") :]
        out[k] = v
    return out


def load_captioner(model_dir: str | Path, kind: str | None = None) -> CaptionerModel:
    """Read a captioner directory saved by ``save_captioner`` (or by older hhikit)."""
    torch = _torch()
    from transformers import AutoTokenizer, CLIPVisionConfig, GPT2Config

    d = Path(model_dir)
    meta_p = d / "hhi_captioner.json"
    if not meta_p.exists() or not (d / "model.pt").exists():
        raise ModelUnavailable(
            f"{d}: not a trained captioner directory (needs hhi_captioner.json and model.pt); "
            "train one with `hhi train captioner` or convert released weights with `hhi models import`"
        )
    meta = json.loads(meta_p.read_text())
    if kind and meta["kind"] != kind:
        raise ConfigError(f"{d}: is a {meta['kind']} captioner, not {kind}")
    legacy = meta.get("format") != FORMAT
    vcfg = CLIPVisionConfig.from_pretrained(str(d / "clip"))
    gcfg = GPT2Config.from_pretrained(str(d / "gpt2"))
    tok = AutoTokenizer.from_pretrained(str(d / "gpt2"))
    targets = meta.get("targets", "hhikit" if legacy else "paper")
    model = from_configs(meta["kind"], vcfg, gcfg, tok, int(meta.get("prefix_len", 10)), targets,
                         meta.get("mapper", "mlp"))  # fmt: skip
    state = torch.load(d / "model.pt", map_location="cpu", weights_only=True)
    if legacy:
        state = _legacy_keys(state, meta["kind"])
    check_state(model.module, state, d / "model.pt")
    model.module.load_state_dict(state)
    model.module.eval()
    model.source = dict(meta.get("source") or {})
    model.processor = image_processor_of(d / "clip")
    return model


def normalise_caption(text: str) -> str:
    """Make a generated caption a phrase of the form ``_ <verb>ing ... _`` where possible."""
    t = " ".join(text.replace("\n", " ").split())
    if not t.startswith("_"):
        t = "_ " + t
    return t


def _short(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (f" (+{len(keys) - n} more)" if len(keys) > n else "")


def check_state(module: Any, state: dict[str, Any], path: str | Path) -> None:
    """Raise ``ModelUnavailable`` (one line) unless ``state`` has exactly the module's keys
    and shapes. A tied ``lm_head.weight`` may be absent."""
    want = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    got = {k: tuple(getattr(v, "shape", ())) for k, v in state.items()}
    missing = sorted(k for k in set(want) - set(got) if not k.endswith("lm_head.weight"))
    extra = sorted(set(got) - set(want))
    shaped = sorted(k for k in set(want) & set(got) if want[k] != got[k])
    if not (missing or extra or shaped):
        return
    parts = []
    if missing:
        parts.append(f"missing {_short(missing)}")
    if extra:
        parts.append(f"unexpected {_short(extra)}")
    if shaped:
        k = shaped[0]
        more = f" (+{len(shaped) - 1} more)" if len(shaped) > 1 else ""
        parts.append(f"mis-shaped {k}: checkpoint {list(got[k])}, model {list(want[k])}{more}")
    raise ModelUnavailable(f"{path}: does not fit the {module.kind} captioner: " + "; ".join(parts))


def __getattr__(name: str) -> Any:
    # The describer backend moved to hhikit.describe.captioner_backend (kept here for one release).
    if name == "CaptionerDescriber":
        from hhikit.describe import captioner_backend

        return captioner_backend.CaptionerDescriber
    raise AttributeError(name)
