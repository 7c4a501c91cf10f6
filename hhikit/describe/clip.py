"""A CLIP-family describer: rank the HHI vocabulary by image-text similarity (``clip:DIR``).

The zero-shot baseline a user with CLIP weights tries first. ``DIR`` is a Hugging Face
``CLIPModel`` or ``SiglipModel`` directory (config, weights, tokenizer, image processor);
nothing is downloaded. Every vocabulary entry is written as a sentence (``_ hugging _`` ->
"a person hugging another person") in a few prompt templates; the text embeddings are
averaged over the templates (prompt ensembling) and computed once. Each non-suppressed pair
is scored on the crop of its union box (with a margin), the image on the whole image:

* CLIP: softmax over the vocabulary of ``logit_scale * cosine`` (the model's own scale);
* SigLIP: ``sigmoid(logit_scale * cosine + logit_bias)`` per entry, as SigLIP is trained.

The top 8 are kept with those scores; the cues say which crop was scored, the template that
matched the entry best and the ensemble cosine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hhikit.describe.base import TOP_K, register_describer
from hhikit.describe.vocabulary import Vocabulary, default_vocabulary
from hhikit.errors import ConfigError, ModelUnavailable
from hhikit.types import ImageResult, Interaction

TEMPLATES = ("a photo of {}.", "a picture of {}.", "{}.")
MARGIN = 0.1  # of the union box's size on each side


def sentence(text: str) -> str:
    """``_ shaking hands with _`` -> "a person shaking hands with another person"."""
    words = text.split()
    if words and words[0] == "_":
        words[0] = "a person"
    for i in range(len(words) - 1, 0, -1):
        if words[i] == "_":
            words[i] = "another person"
            break
    return " ".join(w if w != "_" else "a person" for w in words)


def union_crop(image: np.ndarray, a: Any, b: Any, margin: float = MARGIN) -> tuple[np.ndarray, list[int]]:
    """The crop of two boxes' union, grown by ``margin`` on each side, clipped to the image."""
    h, w = image.shape[:2]
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[2], b[2]), max(a[3], b[3])
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    box = [int(max(0, np.floor(x0 - mx))), int(max(0, np.floor(y0 - my))),
           int(min(w, np.ceil(x1 + mx))), int(min(h, np.ceil(y1 + my)))]  # fmt: skip
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return image, [0, 0, w, h]
    return image[box[1] : box[3], box[0] : box[2]], box


class ClipDescriber:
    """Zero-shot CLIP / SigLIP ranking of the HHI vocabulary; see the module docstring."""

    name = "clip"

    def __init__(
        self,
        model_dir: str | Path,
        vocabulary: Vocabulary | None = None,
        templates: tuple[str, ...] | list[str] = TEMPLATES,
        top_k: int = TOP_K,
        batch_size: int = 64,
    ) -> None:
        from hhikit.describe.hf import _torch, quiet_transformers, read_config

        torch = _torch()
        d = Path(model_dir)
        self.family = str(read_config(d, "Hugging Face CLIPModel or SiglipModel").get("model_type", ""))
        if self.family not in ("clip", "siglip"):
            raise ConfigError(f"{d}: model_type {self.family!r}; the clip describer takes a clip or siglip model")
        if not templates or any("{}" not in t for t in templates):
            raise ConfigError("clip describer: every template needs a {} for the interaction")
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel, SiglipModel

        try:
            with quiet_transformers():
                cls = CLIPModel if self.family == "clip" else SiglipModel
                self.model = cls.from_pretrained(str(d)).eval()
                self.tokenizer = AutoTokenizer.from_pretrained(str(d))
                self.processor = AutoImageProcessor.from_pretrained(str(d))
        except (OSError, ValueError) as exc:
            msg = " ".join(str(exc).split())[:200]
            raise ModelUnavailable(
                f"{d}: cannot load the {self.family} model, tokenizer or image processor: {msg}"
            ) from None
        self.vocab = vocabulary or default_vocabulary()
        self.templates = tuple(templates)
        self.top_k, self.batch_size = int(top_k), int(batch_size)
        self._torch = torch
        texts = [t.format(sentence(e.text)) for t in self.templates for e in self.vocab.entries]
        emb = torch.cat([self._text(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)])
        emb = emb / emb.norm(dim=-1, keepdim=True)
        self.per_template = emb.view(len(self.templates), len(self.vocab), -1)  # (T, V, D), unit rows
        ens = self.per_template.mean(0)
        self.ensemble = ens / ens.norm(dim=-1, keepdim=True)  # (V, D)
        self.scale = float(self.model.logit_scale.detach().exp())
        self.bias = float(self.model.logit_bias.detach()) if self.family == "siglip" else 0.0

    @staticmethod
    def _features(out: Any) -> Any:
        return out if hasattr(out, "norm") else out.pooler_output  # a tensor, or a model output

    def _text(self, texts: list[str]) -> Any:
        kw: dict[str, Any] = {
            "padding": "max_length",
            "max_length": self.model.config.text_config.max_position_embeddings,
        }
        if self.family == "clip":
            kw = {"padding": True}
        tok = self.tokenizer(texts, return_tensors="pt", truncation=True, **kw)
        args = {"input_ids": tok["input_ids"]}
        if self.family == "clip" and "attention_mask" in tok:
            args["attention_mask"] = tok["attention_mask"]
        with self._torch.no_grad():
            return self._features(self.model.get_text_features(**args))

    def image_embeddings(self, crops: list[np.ndarray]) -> Any:
        """Unit image embeddings of RGB uint8 crops: (n, D)."""
        px = self.processor(images=list(crops), return_tensors="pt")["pixel_values"]
        with self._torch.no_grad():
            e = self._features(self.model.get_image_features(pixel_values=px))
        return e / e.norm(dim=-1, keepdim=True)

    def rank(self, emb: Any, where: str) -> list[Interaction]:
        """The top entries for one unit image embedding, with scores and cues."""
        cos = (self.ensemble @ emb).numpy().astype(np.float64)  # (V,)
        logits = self.scale * cos + self.bias
        if self.family == "siglip":
            scores = 1.0 / (1.0 + np.exp(-logits))
        else:
            z = np.exp(logits - logits.max())
            scores = z / z.sum()
        per_t = (self.per_template @ emb).numpy()  # (T, V)
        out = []
        for j in np.argsort(-scores, kind="stable")[: self.top_k]:
            t = int(np.argmax(per_t[:, j]))
            cues = [
                f"{self.family} image-text similarity on {where}",
                f"best template {self.templates[t]!r} (cos {per_t[t, j]:.3f})",
                f"ensemble of {len(self.templates)} templates: cos {cos[j]:.3f}, "
                + ("sigmoid" if self.family == "siglip" else "softmax over the vocabulary"),
            ]
            out.append(Interaction(self.vocab.entries[j].text, float(scores[j]), cues))
        return out

    def describe(self, image: np.ndarray, result: ImageResult) -> None:
        from hhikit.describe.default import fallback_pairs

        people = {p.id: p for p in result.people}
        if not result.pairs and len(result.people) >= 2:
            result.pairs = fallback_pairs(result.people)
            result.extra.setdefault("pairs_source", "describe.fallback_pairs")
        todo = [pr for pr in result.pairs if not pr.suppressed and pr.a in people and pr.b in people]
        crops, wheres = [image], [f"the whole image ({image.shape[1]}x{image.shape[0]})"]
        for pr in todo:
            crop, box = union_crop(image, people[pr.a].box, people[pr.b].box)
            crops.append(crop)
            wheres.append(f"the crop of pair #{pr.a}-#{pr.b} (union box {box})")
        embs = self.image_embeddings(crops)
        result.interactions = self.rank(embs[0], wheres[0])
        for k, pr in enumerate(todo, 1):
            pr.interactions = self.rank(embs[k], wheres[k])


@register_describer("clip", options_of=ClipDescriber)
def _clip(arg: str | None = None, **options: Any) -> ClipDescriber:
    if not arg:
        raise ConfigError("describer 'clip' needs a model directory: --describer clip:DIR")
    if isinstance(options.get("vocabulary"), str):
        options["vocabulary"] = Vocabulary.load(options["vocabulary"])
    return ClipDescriber(arg, **options)
