"""Filter synthetic pairs: keep a pair when its caption entails its interaction.

With a local NLI model (any sequence classifier in Hugging Face layout whose labels name
``entailment``, e.g. BART-large-MNLI), a pair is kept when p(entailment) > 0.5 with the
caption as premise and the interaction with the caption's names filled in as hypothesis,
as in the paper. No NLI model ships with hhikit, so without one a documented *fallback*
scores instead: MiniLM similarity of caption and interaction above ``min_similarity``, the
interaction's verb (or a listed synonym) in the caption, and at least two people in the
caption (records say ``"filter": "fallback"``). Then the paper's rules apply to both: a
spaCy verb, no other capitalised word, no banned word, two people, the format rule; kept
interactions lose their prepositional phrases without people (the student's target).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from hhikit.errors import ModelUnavailable
from hhikit.pseudolabel.format import DUMMY_NAMES, is_valid_interaction

#: Verbs (base form) and words in a caption that may express them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "talk": ("chat", "speak", "convers", "discuss", "tell", "say", "interview"),
    "chat": ("talk", "speak", "convers"),
    "hug": ("embrac", "cuddl", "hold"),
    "embrace": ("hug",),
    "fight": ("battl", "box", "spar", "punch", "wrestl", "brawl"),
    "box": ("fight", "spar", "punch"),
    "spar": ("fight", "box"),
    "help": ("assist", "aid", "support", "teach", "show"),
    "teach": ("show", "instruct", "help", "lesson"),
    "play": ("game", "match", "compet"),
    "compete": ("play", "match", "race"),
    "greet": ("welcom", "shak", "hug", "meet"),
    "meet": ("greet", "visit", "shak"),
    "congratulate": ("prais", "celebrat", "shak", "hug"),
    "celebrate": ("cheer", "toast", "party", "hug"),
    "hold": ("carr", "grab", "clasp", "cradl"),
    "carry": ("hold", "lift"),
    "photograph": ("photo", "pictur", "shoot", "camera"),
    "dance": ("waltz", "tango", "ballet"),
    "kiss": ("smooch",),
    "feed": ("spoon", "bottle"),
    "comfort": ("console", "hug", "support"),
    "tackle": ("block", "challeng"),
    "walk": ("stroll", "hike", "wander"),
    "eat": ("dine", "dinner", "lunch", "breakfast", "meal"),
    "argue": ("disput", "quarrel", "shout"),
    "examine": ("check", "treat"),
    "interview": ("question", "ask", "talk"),
}


class PairFilter(Protocol):
    """Scores (caption, interaction) pairs; ``kind`` is written into each record."""

    kind: str

    def scores(self, captions: list[str], interactions: list[str]) -> list[tuple[bool, float]]: ...


_MASK = re.compile(r"(?<![A-Za-z0-9])_(?![A-Za-z0-9])")
#: Words that reject a synthetic interaction (the paper's filter list, whole words).
BANNED_INTERACTION = re.compile(r"\b(photo|image|picture|in this|In this)\b")


def hypothesis(interaction: str, names: Sequence[str] | None = None) -> str:
    """The NLI hypothesis: with ``names`` (the people of the caption), each ``_`` becomes
    the next name, as in the paper (``_ hugging _`` -> ``Anna hugging Ben``); without,
    ``person`` (``person hugging person``)."""
    if not names:
        return _MASK.sub("person", interaction)
    parts = _MASK.split(interaction)
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += names[min(i, len(names) - 1)] + part
    return out


def unknown_capitalised(named: str, names: Sequence[str]) -> list[str]:
    """Capitalised words of an interaction that are not one of ``names`` (or ``Name's``)."""
    known = set(names)
    return [
        w for w in named.split() if w != w.lower() and w not in known and not (w.endswith("'s") and w[:-2] in known)
    ]


def has_verb(text: str, nlp: Any) -> bool:
    """spaCy tags some token of ``text`` as a VERB (the paper's rule)."""
    return any(t.pos_ == "VERB" for t in nlp(text))


def rule_problem(interaction: str, names: Sequence[str], nlp: Any) -> str | None:
    """The paper's checks after the entailment score, on the interaction with the names
    filled in: a spaCy verb, no other capitalised word, no banned word, two people, the
    format rule. ``None``: it passes."""
    named = hypothesis(interaction, names) if names else interaction
    if not has_verb(named, nlp):
        return "no verb (spaCy)"
    if names and unknown_capitalised(named.replace("\u2019", "'"), names):
        return "other capitalised word"
    if BANNED_INTERACTION.search(interaction):
        return "banned word"
    if interaction.count("_") > 2:
        return "more than two people"
    if not is_valid_interaction(interaction):
        return "format"
    return None


def premise(caption: str) -> str:
    return _MASK.sub("person", caption)


# ---------------------------------------------------------------- NLI


class NLIFilter:
    """Entailment probability of a local NLI model > ``threshold`` (the paper's rule)."""

    kind = "nli"
    #: the hypothesis carries the caption's names (the paper), not ``person``
    wants_names = True

    def __init__(self, model_dir: str | Path, threshold: float = 0.5, batch_size: int = 16) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tok = AutoTokenizer.from_pretrained(str(model_dir))
            self.model = AutoModelForSequenceClassification.from_pretrained(str(model_dir)).eval()
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(f"cannot load an NLI model from {model_dir}: {exc}") from None
        labels = {str(v).lower(): int(k) for k, v in self.model.config.id2label.items()}
        ent = [i for name, i in labels.items() if name.startswith("entail")]
        if not ent:
            raise ModelUnavailable(f"NLI model {model_dir} has no 'entailment' label (labels: {sorted(labels)})")
        self.entail = ent[0]
        self.threshold = threshold
        self.batch_size = batch_size

    def scores(self, captions: list[str], interactions: list[str]) -> list[tuple[bool, float]]:
        import torch

        out: list[tuple[bool, float]] = []
        for s in range(0, len(captions), self.batch_size):
            prem = [premise(c) for c in captions[s : s + self.batch_size]]
            hyp = [hypothesis(i) for i in interactions[s : s + self.batch_size]]  # no-op when names are in
            enc = self.tok(prem, hyp, return_tensors="pt", padding=True, truncation=True, max_length=256)
            with torch.no_grad():
                probs = self.model(**enc).logits.softmax(-1)[:, self.entail].tolist()
            out.extend((p > self.threshold, float(p)) for p in probs)
        return out


# ---------------------------------------------------------------- fallback


def verb_stems(ing_word: str) -> set[str]:
    """Candidate base forms of an -ing word: ``hugging`` -> {hugg, hug, hugge}, ``dancing`` -> {danc, dance}."""
    w = ing_word.lower()
    if not w.endswith("ing") or len(w) < 5:
        return {w}
    base = w[:-3]
    out = {base, base + "e"}
    if len(base) >= 2 and base[-1] == base[-2]:
        out.add(base[:-1])
    if base.endswith("y"):
        out.add(base[:-1] + "ie")
    return {s for s in out if len(s) >= 2}


def verb_in_caption(interaction: str, caption: str) -> bool:
    """The interaction's verb (second word) or a listed synonym starts a word of the caption."""
    words = interaction.split()
    if len(words) < 2:
        return False
    stems = verb_stems(words[1])
    extra = {syn for s in stems for syn in SYNONYMS.get(s, ())}
    cap_words = re.findall(r"[a-z]+", caption.lower())
    for cw in cap_words:
        for s in stems:
            if len(s) >= 3 and (cw == s or (cw.startswith(s.rstrip("e")) and len(cw) - len(s) <= 4)):
                return True
        if any(cw.startswith(x) for x in extra):
            return True
    return False


def count_people(caption: str, names: Iterable[str] = DUMMY_NAMES) -> int:
    """People a caption mentions: names and ``_``, person nouns (plural ones count two),
    ``each other``/``together``/``couple`` (two). A cheap lexical count, capped at 3."""
    from hhikit.pseudolabel.parser import PERSON_NOUNS, PLURAL_MARKERS

    words = re.findall(r"[A-Za-z_']+", caption)
    lows = [w.lower().removesuffix("'s") for w in words]
    names = set(names)
    n = sum(1 for w in words if w.removesuffix("'s") in names or w.startswith("_"))
    for i, w in enumerate(lows):
        if w in PERSON_NOUNS:
            plural = (
                (w.endswith("s") and w not in {"boss", "actress", "waitress", "princess"})
                or w in {"people", "men", "women", "children", "couple", "family", "group", "crowd", "team", "police"}
                or (i > 0 and lows[i - 1] in PLURAL_MARKERS)
            )
            n += 2 if plural else 1
    low = caption.lower()
    if "each other" in low or "one another" in low or "together" in low:
        n = max(n, 2)
    return min(n, 3)


class FallbackFilter:
    """MiniLM similarity + verb check + two people (used when no NLI model is given)."""

    kind = "fallback"
    wants_names = False

    def __init__(self, min_similarity: float = 0.3, encoder: Any | None = None) -> None:
        self.min_similarity = min_similarity
        self.encoder = encoder if encoder is not None else load_minilm()

    def scores(self, captions: list[str], interactions: list[str]) -> list[tuple[bool, float]]:
        import numpy as np

        if not captions:
            return []
        a = self.encoder.encode([premise(c) for c in captions], normalize_embeddings=True, convert_to_numpy=True)
        b = self.encoder.encode([hypothesis(i) for i in interactions], normalize_embeddings=True, convert_to_numpy=True)
        sims = (np.asarray(a) * np.asarray(b)).sum(1)
        out = []
        for cap, inter, sim in zip(captions, interactions, sims):
            ok = bool(sim >= self.min_similarity and verb_in_caption(inter, cap) and count_people(cap) >= 2)
            out.append((ok, float(sim)))
        return out


def load_minilm() -> Any:
    """The packaged all-MiniLM-L6-v2 sentence encoder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from hhikit.models.store import resolve

    return SentenceTransformer(str(resolve("minilm").root), device="cpu")


def make_filter(nli_dir: str | Path | None = None, **kw: Any) -> PairFilter:
    """An ``NLIFilter`` on ``nli_dir`` when given, else the ``FallbackFilter``."""
    return NLIFilter(nli_dir, **kw) if nli_dir else FallbackFilter(**kw)


@dataclass(frozen=True)
class KeptPair:
    caption: str
    interaction: str
    score: float
    filter: str


def filter_pairs(
    records: Iterable[dict[str, Any]], flt: PairFilter, nlp: Any, batch_size: int = 64
) -> Iterator[dict[str, Any]]:
    """Score raw teacher records and yield each with ``kept``, ``score``, ``filter``, ``why``
    (the reason it was rejected, ``""`` when kept) and the student target ``target`` (the
    interaction without its person-less PPs, the paper's ``interaction_no_pp``)."""
    from hhikit.pseudolabel.parser import drop_pps_without_people

    batch: list[dict[str, Any]] = []
    named = bool(getattr(flt, "wants_names", False))

    def flush() -> Iterator[dict[str, Any]]:
        hyps = [hypothesis(r["interaction"], r.get("names") if named else None) for r in batch]
        scored = flt.scores([r["caption"] for r in batch], hyps)
        for rec, (ok, score) in zip(batch, scored):
            why = "" if ok else f"{flt.kind} rejected (score {score:.2f})"
            why = why or rule_problem(rec["interaction"], rec.get("names") or (), nlp) or ""
            target = drop_pps_without_people(rec["interaction"], nlp) if not why else ""
            if not why and not target:
                why = "empty after removing PPs"
            keep = not why
            yield {**rec, "kept": keep, "score": round(score, 4), "filter": flt.kind, "why": why,
                   "target": target if keep else ""}  # fmt: skip
        batch.clear()

    for rec in records:
        if not rec.get("ok", True) or not rec.get("caption"):
            continue
        batch.append(rec)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()
