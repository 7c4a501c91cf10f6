"""BLEURT (BLEURT-20 in the ICCV 2023 paper) from a local checkpoint, scored as
``BleurtScorer.score(references=..., candidates=...)``: one logit of the pair
``[CLS] reference [SEP] candidate [SEP]``.

Two layouts load:

- the PyTorch port of BLEURT-20 (``bleurt-pytorch``; ``config.json`` with
  ``model_type: "bleurt"``, weights ``bleurt.embeddings.*``, ``bleurt.encoder.embedding_projection``,
  ``bleurt.encoder.layer.N.*``, ``bleurt.pooler.dense``, ``classifier``). The ``bleurt-pytorch``
  package (0.0.1) no longer imports beside the pinned transformers (it needs
  ``transformers.pytorch_utils.find_pruneable_heads_and_indices``), so hhikit runs that
  architecture itself (:class:`BleurtPort`: BERT layers after an embedding projection, tanh
  pooler, linear head), loading the state dict by its own names and shapes; a checkpoint that
  does not fit is refused in one line naming what differs.
- any transformers sequence-classification directory with one output (``AutoModel...``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import ModelUnavailable


def _torch_modules():  # type: ignore[no-untyped-def]
    import torch
    from torch import nn
    from transformers.activations import ACT2FN

    class Layer(nn.Module):
        """One BERT layer with BLEURT's parameter names."""

        def __init__(self, c: dict[str, Any]) -> None:
            super().__init__()
            h, eps = c["hidden_size"], c.get("layer_norm_eps", 1e-12)
            self.heads = c["num_attention_heads"]
            self.attention = nn.ModuleDict({
                "self": nn.ModuleDict({k: nn.Linear(h, h) for k in ("query", "key", "value")}),
                "output": nn.ModuleDict({"dense": nn.Linear(h, h), "LayerNorm": nn.LayerNorm(h, eps=eps)}),
            })  # fmt: skip
            self.intermediate = nn.ModuleDict({"dense": nn.Linear(h, c["intermediate_size"])})
            self.output = nn.ModuleDict(
                {"dense": nn.Linear(c["intermediate_size"], h), "LayerNorm": nn.LayerNorm(h, eps=eps)}
            )
            self.act = ACT2FN[c.get("hidden_act", "gelu")]

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            b, n, h = x.shape
            d = h // self.heads
            att = self.attention["self"]

            def split(t: torch.Tensor) -> torch.Tensor:
                return t.view(b, n, self.heads, d).transpose(1, 2)

            q, k, v = split(att["query"](x)), split(att["key"](x)), split(att["value"](x))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
            ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, h)
            out = self.attention["output"]
            x = out["LayerNorm"](out["dense"](ctx) + x)
            y = self.output["dense"](self.act(self.intermediate["dense"](x)))
            return self.output["LayerNorm"](y + x)

    class BleurtPort(nn.Module):
        """``BleurtForSequenceClassification`` of bleurt-pytorch, same state-dict names."""

        def __init__(self, c: dict[str, Any]) -> None:
            super().__init__()
            h = c["hidden_size"]
            e = c.get("embedding_size") or h
            eps = c.get("layer_norm_eps", 1e-12)
            emb = nn.ModuleDict({
                "word_embeddings": nn.Embedding(c["vocab_size"], e),
                "position_embeddings": nn.Embedding(c["max_position_embeddings"], e),
                "token_type_embeddings": nn.Embedding(c.get("type_vocab_size", 2), e),
                "LayerNorm": nn.LayerNorm(e, eps=eps),
            })  # fmt: skip
            enc = nn.ModuleDict({"layer": nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])})
            if e != h:
                enc["embedding_projection"] = nn.Linear(e, h)
            self.bleurt = nn.ModuleDict({"embeddings": emb, "encoder": enc,
                                         "pooler": nn.ModuleDict({"dense": nn.Linear(h, h)})})  # fmt: skip
            self.classifier = nn.Linear(h, c.get("num_labels", 1) if "id2label" not in c else len(c["id2label"]))

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                    token_type_ids: torch.Tensor | None = None, **_: Any) -> torch.Tensor:  # fmt: skip
            emb, enc = self.bleurt["embeddings"], self.bleurt["encoder"]
            n = input_ids.shape[1]
            tt = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
            pos = torch.arange(n, device=input_ids.device)[None]
            x = emb["word_embeddings"](input_ids) + emb["token_type_embeddings"](tt) + emb["position_embeddings"](pos)
            x = emb["LayerNorm"](x)
            if "embedding_projection" in enc:
                x = enc["embedding_projection"](x)
            m = attention_mask if attention_mask is not None else torch.ones_like(input_ids)
            mask = (1.0 - m[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            for layer in enc["layer"]:
                x = layer(x, mask)
            pooled = torch.tanh(self.bleurt["pooler"]["dense"](x[:, 0]))
            return self.classifier(pooled)

    return BleurtPort


def _state_dict(root: Path) -> dict[str, Any]:
    import torch

    st = root / "model.safetensors"
    if st.exists():
        from safetensors.torch import load_file

        return load_file(str(st))
    pt = root / "pytorch_model.bin"
    if pt.exists():
        return torch.load(str(pt), map_location="cpu", weights_only=True)
    raise ModelUnavailable(f"BLEURT checkpoint {root}: no model.safetensors or pytorch_model.bin")


def load_bleurt_port(root: Path, cfg: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The bleurt-pytorch model of ``root``, or a one-line refusal naming what does not fit."""
    try:
        model = _torch_modules()(cfg)
    except KeyError as exc:
        raise ModelUnavailable(f"BLEURT checkpoint {root}: config.json lacks {exc}") from None
    sd = {k: v for k, v in _state_dict(root).items() if not k.endswith(("position_ids", "token_type_ids"))}
    want = model.state_dict()
    missing = sorted(set(want) - set(sd))
    extra = sorted(set(sd) - set(want))
    shapes = [k for k in want if k in sd and tuple(sd[k].shape) != tuple(want[k].shape)]
    if missing or extra or shapes:
        what = (f"missing {missing[:3]}" if missing else f"unexpected {extra[:3]}" if extra
                else f"shape of {shapes[0]} is {tuple(sd[shapes[0]].shape)}, config gives {tuple(want[shapes[0]].shape)}")  # fmt: skip
        raise ModelUnavailable(f"BLEURT checkpoint {root} is not a bleurt-pytorch BLEURT model: {what}")
    model.load_state_dict(sd)
    return model.eval()


def load_tokenizer(root: Path):  # type: ignore[no-untyped-def]
    """The checkpoint's tokenizer: ``tokenizer.json``, a WordPiece ``vocab.txt`` or a
    SentencePiece model (BLEURT-20; needs the ``sentencepiece`` package)."""
    from transformers import BertTokenizerFast, PreTrainedTokenizerFast

    cfg_path = root / "tokenizer_config.json"
    tcfg = json.loads(cfg_path.read_text()) if cfg_path.exists() else {}
    if (root / "vocab.txt").exists():  # WordPiece, as BERT-based BLEURT checkpoints
        return BertTokenizerFast(vocab_file=str(root / "vocab.txt"), do_lower_case=tcfg.get("do_lower_case", True))
    if (root / "tokenizer.json").exists():  # segment ids matter: BLEURT encodes (reference, candidate) pairs
        specials = {k: tcfg[k] for k in ("cls_token", "sep_token", "pad_token", "unk_token", "mask_token") if k in tcfg}
        return PreTrainedTokenizerFast(tokenizer_file=str(root / "tokenizer.json"),
                                       model_input_names=["input_ids", "token_type_ids", "attention_mask"], **specials)  # fmt: skip
    spm = sorted(root.glob("*.model"))
    if spm:
        try:
            from transformers import DebertaV2Tokenizer

            return DebertaV2Tokenizer(vocab_file=str(spm[0]), do_lower_case=tcfg.get("do_lower_case", False))
        except Exception as exc:
            raise ModelUnavailable(f"BLEURT tokenizer {spm[0]} could not be read ({exc}); "
                                   "SentencePiece models need the sentencepiece package") from None  # fmt: skip
    raise ModelUnavailable(f"BLEURT checkpoint {root}: no tokenizer.json, vocab.txt or SentencePiece model")


def score_pairs(model: Any, tokenizer: Any, references: Sequence[str], candidates: Sequence[str],
                batch_size: int = 16) -> np.ndarray:  # fmt: skip
    """One BLEURT score per (reference, candidate), in batches."""
    import torch

    out = []
    for i in range(0, len(references), batch_size):
        enc = tokenizer(list(references[i : i + batch_size]), list(candidates[i : i + batch_size]),
                        padding=True, truncation=True, max_length=512, return_tensors="pt")  # fmt: skip
        with torch.inference_mode():
            res = model(**enc)
        logits = res if isinstance(res, torch.Tensor) else res.logits
        out.append(logits[:, 0].float().numpy())
    return np.concatenate(out).astype(float) if out else np.zeros(0)
