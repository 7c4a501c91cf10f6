"""The default describer: ranks vocabulary interactions from observable cues, offline.

For each non-suppressed pair the log-score of every vocabulary entry is its
general-knowledge prior plus the weights of the cues (pose geometry, faces, context
objects, scene text) whose tags it carries; a softmax gives a posterior over the
vocabulary. The ranked list is chosen for expected similarity rather than probability
alone (minimum Bayes risk): the first answer maximises the expected similarity to the
posterior, each further answer the expected gain of the best answer so far, using the
vocabulary's similarity matrix (GloVe verbs + MiniLM phrases). With weak evidence this
gives a central, safe answer; with strong evidence, the evidenced one. Every answer
lists the cues that raised it.

The image-level list is the list of the most salient pair: the highest
``interactiveness x sqrt(area_a x area_b) / image area``. With fewer than two people
found, it is built from image-level cues (objects, scene text) and priors alone, and
says so in its cues.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hhikit.describe.base import TOP_K, register_describer
from hhikit.describe.cues import Body, Cue, crowd_cues, object_cues, pair_cues, pose_cues_one, scene_cues, text_cues
from hhikit.describe.vocabulary import Vocabulary, default_vocabulary
from hhikit.errors import ConfigError
from hhikit.types import ImageResult, Interaction, Pair, Person


def fallback_pairs(people: list[Person], max_people: int = 6) -> list[Pair]:
    """Pairs with a geometric interactiveness, for records that come without pairs.

    Used only when no pair stage ran: closeness (box gap in body heights) times size
    similarity. Pairs scoring under a fifth of the best are suppressed.
    """
    top = sorted(people, key=lambda p: -p.area)[:max_people]
    pairs = []
    for i, pa in enumerate(top):
        for pb in top[i + 1 :]:
            a, b = (pa, pb) if pa.id < pb.id else (pb, pa)
            h = (Body(a).h + Body(b).h) / 2
            gap = max(0.0, max(a.box[0], b.box[0]) - min(a.box[2], b.box[2])) / h
            size = min(a.area, b.area) / max(a.area, b.area, 1.0)
            pairs.append(Pair(a.id, b.id, interactiveness=float(math.exp(-2.0 * gap) * size**0.25)))
    if pairs:
        best = max(p.interactiveness for p in pairs)
        for p in pairs:
            p.suppressed = p.interactiveness < 0.2 * best
    return sorted(pairs, key=lambda p: (p.a, p.b))


def scene_text(image: np.ndarray, engine: Any, target: int = 400) -> list[str]:
    """Words read by the OCR engine (upscaled when the image is small)."""
    import cv2

    h, w = image.shape[:2]
    f = max(1.0, target / max(h, w))
    img = cv2.resize(image, (int(w * f), int(h * f))) if f > 1 else image
    res, _ = engine(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return [r[1] for r in (res or []) if float(r[2]) >= 0.6]


class DefaultDescriber:
    """Cue rules + priors over the HHI vocabulary; see the module docstring."""

    name = "default"

    def __init__(self, vocabulary: Vocabulary | None = None, ocr: bool | str = False, risk: str = "mbr",
                 top_k: int = TOP_K, image_level: str = "salient") -> None:  # fmt: skip
        if image_level not in ("salient", "mixture"):
            raise ConfigError(f"image_level must be 'salient' or 'mixture', not {image_level!r}")
        self.image_level = image_level
        self.vocab = vocabulary or default_vocabulary()
        self.risk = risk
        self.top_k = top_k
        tags = sorted({t for e in self.vocab.entries for t in e.tags})
        self.tag_index = {t: i for i, t in enumerate(tags)}
        self.M = np.zeros((len(self.vocab), len(tags)))
        for i, e in enumerate(self.vocab.entries):
            for t in e.tags:
                self.M[i, self.tag_index[t]] = 1.0
        self.ocr = None
        if ocr:
            try:
                from rapidocr_onnxruntime import RapidOCR

                self.ocr = RapidOCR()
            except Exception:  # optional: OCR is a cheap extra cue, never required
                if ocr is True:
                    raise
                self.ocr = None

    # -- scoring
    def posterior(self, cues: list[Cue]) -> np.ndarray:
        logit = np.log(self.vocab.priors)
        for c in cues:
            v = np.zeros(len(self.tag_index))
            for t, w in c.tags.items():
                if t in self.tag_index:
                    v[self.tag_index[t]] += w
            logit = logit + self.M @ v
        p = np.exp(logit - logit.max())
        return p / p.sum()

    def rank(self, p: np.ndarray) -> list[tuple[int, float]]:
        """Indices and scores of the top answers (MBR greedy, or by probability with risk='map')."""
        if self.risk == "map":
            order = np.argsort(-p)[: self.top_k]
            return [(int(i), float(p[i])) for i in order]
        S = self.vocab.sim
        expected = S @ p  # expected similarity of each answer to the posterior
        best = np.full(len(p), -1.0)
        out: list[tuple[int, float]] = []
        for _ in range(min(self.top_k, len(p))):
            gain = np.maximum(S, best[None, :]) @ p
            gain[[i for i, _ in out]] = -np.inf
            j = int(np.argmax(gain))
            out.append((j, float(expected[j])))
            best = np.maximum(best, S[j])
        return out

    def interactions(
        self, cues: list[Cue], extra_cue: str | None = None, p: np.ndarray | None = None
    ) -> list[Interaction]:
        """The ranked top answers for these cues (or for a given posterior ``p``), with explanations."""
        p = self.posterior(cues) if p is None else p
        out = []
        for j, score in self.rank(p):
            e = self.vocab.entries[j]
            why = [c.name for c in cues if any(w > 0 and t in e.tags for t, w in c.tags.items())]
            why.append(f"prior {e.prior:g}, p={p[j]:.2f}")
            if extra_cue:
                why.insert(0, extra_cue)
            out.append(Interaction(e.text, score, why))
        return out

    # -- the Describer protocol
    def describe(self, image: np.ndarray, result: ImageResult) -> None:
        people = {p.id: p for p in result.people}
        image_cues = crowd_cues(len(result.people)) + scene_cues(image)
        if self.ocr is not None:
            image_cues += text_cues(scene_text(image, self.ocr))
        if not result.pairs and len(result.people) >= 2:
            result.pairs = fallback_pairs(result.people)
            result.extra.setdefault("pairs_source", "describe.fallback_pairs")
        best: tuple[float, Pair] | None = None
        mix: list[tuple[float, np.ndarray]] = []
        area = max(1.0, float(result.width * result.height))
        for pr in result.pairs:
            if pr.suppressed or pr.a not in people or pr.b not in people:
                continue
            pa, pb = people[pr.a], people[pr.b]
            region = np.array([min(pa.box[0], pb.box[0]), min(pa.box[1], pb.box[1]),
                               max(pa.box[2], pb.box[2]), max(pa.box[3], pb.box[3])])  # fmt: skip
            cues = pair_cues(pa, pb) + pose_cues_one(Body(pa), f"#{pa.id}") + pose_cues_one(Body(pb), f"#{pb.id}")
            cues += object_cues(result.objects, [pa, pb], region) + image_cues
            pr.interactions = self.interactions(cues)
            sal = max(pr.interactiveness, 1e-3) * math.sqrt(pa.area * pb.area) / area
            mix.append((sal, self.posterior(cues)))
            if best is None or sal > best[0]:
                best = (sal, pr)
        if best is not None and self.image_level == "mixture" and len(mix) > 1:
            # Which pair the photo is about is uncertain: average the pairs' posteriors,
            # weighted by saliency squared, and rank for that mixture.
            w = np.array([m[0] for m in mix]) ** 2
            pm = sum(wi * m[1] for wi, m in zip(w / w.sum(), mix))
            sal, pr = best
            why = f"mixture of {len(mix)} pairs by saliency; most salient #{pr.a}-#{pr.b} ({sal:.3f})"
            result.interactions = self.interactions([], extra_cue=why, p=pm)
            by_text = {i.text: i.cues for i in pr.interactions}
            for it in result.interactions:
                it.cues[1:1] = [c for c in by_text.get(it.text, []) if not c.startswith("prior")]
        elif best is not None:
            sal, pr = best
            result.interactions = [
                Interaction(i.text, i.score, [f"salient pair #{pr.a}-#{pr.b} (saliency {sal:.3f})", *i.cues])
                for i in pr.interactions
            ]
        else:
            cues = object_cues(result.objects, result.people) + image_cues
            for p in sorted(result.people, key=lambda q: -q.area)[:2]:
                cues += pose_cues_one(Body(p), f"#{p.id}")
            why = f"no interacting pair found among {len(result.people)} people: image cues and priors only"
            result.interactions = self.interactions(cues, extra_cue=why)


@register_describer("default", options_of=DefaultDescriber)
def _default(arg: str | None = None, **options: Any) -> DefaultDescriber:
    vocab = Vocabulary.load(arg) if arg else None
    return DefaultDescriber(vocabulary=vocab, **options)
