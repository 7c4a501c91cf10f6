"""The syntactic baseline: read ``_ <verb>ing ... _`` off a caption's dependency parse.

For every verb of the caption (people masked as ``_`` become dummy names first, so the
parser sees ``Anna hugs Ben``), collect its subject and its objects; when at least two
people take part and one of them is the subject, write the verb in its -ing form with
the direct object and only the prepositional phrases that carry a person, mask the
people again, and keep the result if it passes the format rule. Who counts as a person:
a dummy name, a PERSON entity, a person noun (``man``, ``player``, ``bride``), a personal
pronoun object, or ``each other``. Plural or coordinated subjects (``two men``, ``a man
and a woman``) count as two people: ``_ V ... with _``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hhikit.errors import ModelUnavailable
from hhikit.pseudolabel.format import (
    DUMMY_NAMES,
    encode_people,
    is_valid_interaction,
    mask_names,
    normalise_interaction,
)
from hhikit.pseudolabel.inflect import gerund
from hhikit.pseudolabel.lexicon import PERSON_NOUNS, PERSON_PRONOUNS, PLURAL_MARKERS

__all__ = [
    "PERSON_NOUNS",
    "PERSON_PRONOUNS",
    "PLURAL_MARKERS",
    "ParseExtractor",
    "drop_pps_without_people",
    "load_spacy",
]

_PERSON_ENTS = {"PERSON"}
_SKIP_VERBS = frozenset(["be", "have", "do", "say", "show", "feature", "pose", "include", "depict"])


@dataclass(frozen=True)
class ParseCandidate:
    """One verb's reading: the interaction text and the verb lemma it came from."""

    interaction: str
    lemma: str
    verb_index: int


def spacy_model_path(card: str = "spacy-en-sm", local_dir: str | Path | None = None) -> Path:
    """The folder of a packaged spaCy pipeline (the one holding ``config.cfg``)."""
    from hhikit.models.store import resolve

    root = resolve(card, local_dir=local_dir).root
    if (root / "config.cfg").exists():
        return root
    for sub in sorted(root.iterdir()):
        if (sub / "config.cfg").exists():
            return sub
    raise ModelUnavailable(f"model {card!r}: no spaCy pipeline (config.cfg) under {root}")


def load_spacy(card: str = "spacy-en-sm", local_dir: str | Path | None = None) -> Any:
    import spacy

    return spacy.load(spacy_model_path(card, local_dir))


class ParseExtractor:
    """Caption -> ``_ <verb>ing ... _`` with spaCy dependency parses (the paper's baseline)."""

    def __init__(self, nlp: Any | None = None, card: str = "spacy-en-sm") -> None:
        self.nlp = nlp if nlp is not None else load_spacy(card)

    # ---------------------------------------------------------------- people

    def _names(self, doc: Any) -> set[str]:
        return {t.text for t in doc if t.text in DUMMY_NAMES}

    def _is_person(self, tok: Any) -> bool:
        if tok.text in DUMMY_NAMES or tok.ent_type_ in _PERSON_ENTS:
            return True
        if tok.pos_ == "PRON":
            return tok.lower_ in PERSON_PRONOUNS
        if tok.pos_ in {"NOUN", "PROPN"}:
            if tok.lemma_.lower() in PERSON_NOUNS or tok.lower_ in PERSON_NOUNS:
                return True
            # "group of friends", "couple of kids"
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "of":
                    return any(g.dep_ == "pobj" and self._is_person(g) for g in c.children)
        return False

    def _is_each_other(self, tok: Any) -> bool:
        return tok.lower_ in {"other", "another"} and any(c.lower_ in {"each", "one"} for c in tok.children)

    def _is_plural_person(self, tok: Any) -> bool:
        if not self._is_person(tok):
            return False
        if tok.tag_ in {"NNS", "NNPS"} or tok.lower_ in {
            "people",
            "couple",
            "couples",
            "family",
            "group",
            "team",
            "crowd",
            "pair",
            "we",
            "they",
        }:
            return True
        return any(c.lower_ in PLURAL_MARKERS for c in tok.children)

    def _conj_people(self, tok: Any) -> list[Any]:
        """``tok`` and the people coordinated with it (``Anna, Ben and Carla``)."""
        out = [tok]
        for c in tok.children:
            if c.dep_ == "conj" and self._is_person(c):
                out.extend(self._conj_people(c))
        return out

    # ---------------------------------------------------------------- phrases

    def _render_np(self, tok: Any) -> str:
        """A compact noun phrase: ``_`` for a person; otherwise det/poss/modifiers + noun."""
        if self._is_person(tok) or self._is_each_other(tok):
            return "_"
        words: list[tuple[int, str]] = [(tok.i, tok.text)]
        for c in tok.children:
            if c.dep_ in {"det", "amod", "compound", "nummod", "nmod"} and c.i < tok.i:
                words.append((c.i, c.text))
            elif c.dep_ == "poss":
                words.append((c.i, "_'s" if self._is_person(c) else c.text))
            elif c.dep_ == "prt":
                words.append((c.i, c.text))
        text = " ".join(w for _, w in sorted(words))
        for c in tok.children:  # "an award to Ben", "the hand of Ben"
            if c.dep_ == "prep" and c.i > tok.i and self._pp_people(c):
                sub = self._render_pp(c)
                if sub:
                    text += " " + sub
        return text

    def _pp_people(self, prep: Any) -> list[Any]:
        return [t for t in prep.subtree if self._is_person(t) or self._is_each_other(t)]

    def _render_pp(self, prep: Any) -> str | None:
        objs = [c for c in prep.children if c.dep_ in {"pobj", "pcomp"}]
        if not objs:
            return None
        obj = objs[0]
        text = f"{prep.text} {self._render_np(obj)}"
        # a person inside a nested PP: "on the shoulder of Ben"
        for c in obj.children:
            if c.dep_ == "prep" and self._pp_people(c):
                sub = self._render_pp(c)
                if sub:
                    text += " " + sub
        return text

    # ---------------------------------------------------------------- verbs

    def _is_verb(self, tok: Any) -> bool:
        """A verb, or a root the small parser mistook for a plural noun after a name
        (``Anna hugs Ben`` read as the compound noun ``Anna hugs``)."""
        if tok.pos_ == "VERB":
            return True
        return (
            tok.dep_ == "ROOT"
            and tok.tag_ == "NNS"
            and any(c.dep_ == "compound" and self._is_person(c) for c in tok.children)
            and any(c.dep_ in {"dobj", "prep", "npadvmod", "appos"} for c in tok.children)
        )

    def _subjects(self, verb: Any) -> list[Any]:
        subj = [c for c in verb.children if c.dep_ in {"nsubj"}]
        if not subj and verb.pos_ != "VERB":
            subj = [c for c in verb.children if c.dep_ == "compound" and self._is_person(c)][-1:]
        if not subj and verb.dep_ in {"acl", "relcl"} and verb.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            subj = [verb.head]
        if not subj and verb.dep_ in {"conj", "xcomp", "advcl"} and verb.head.pos_ in {"VERB", "AUX"}:
            return self._subjects(verb.head)
        if not subj and verb.dep_ == "ROOT" and verb.tag_ == "VBG":
            return []
        return subj

    def candidates(self, caption: str) -> Iterator[ParseCandidate]:
        """Every verb reading with two people, in caption order."""
        text, _names = encode_people(caption)
        doc = self.nlp(text)
        yield from self._candidates_doc(doc)

    def _candidates_doc(self, doc: Any) -> Iterator[ParseCandidate]:
        names = list(DUMMY_NAMES)
        for verb in doc:
            if not self._is_verb(verb) or verb.lemma_.lower() in _SKIP_VERBS:
                continue
            subjects = [p for s in self._subjects(verb) for p in self._conj_people(s) if self._is_person(p)]
            if not subjects:
                continue
            n_subj = len(subjects) + (1 if len(subjects) == 1 and self._is_plural_person(subjects[0]) else 0)
            parts: list[str] = []
            prt = [c.text for c in verb.children if c.dep_ == "prt"]
            for c in sorted(verb.children, key=lambda t: t.i):
                if c.dep_ in {"dobj", "dative", "obj", "attr", "oprd", "npadvmod", "appos"} and c.pos_ in {
                    "NOUN",
                    "PROPN",
                    "PRON",
                }:
                    parts.append(self._render_np(c))
                elif c.dep_ == "prep":
                    people = self._pp_people(c)
                    if not people:
                        continue  # drop prepositional phrases without people
                    rendered = self._render_pp(c)
                    if rendered:
                        parts.append(rendered)
            body = " ".join(p for p in parts if p)
            n_obj = len(re.findall(r"(?<![A-Za-z0-9])_(?![A-Za-z0-9])", body))
            if n_subj + n_obj < 2:
                continue
            # the parser's lemmas are unreliable ("riding" -> "rid"): keep a present participle as written
            verb_text = verb.lower_ if verb.tag_ == "VBG" else gerund(verb.lemma_.lower())
            if prt:
                verb_text += " " + " ".join(prt)
            if n_obj == 0:
                body = (body + " with _").strip()
            out = normalise_interaction(mask_names(f"_ {verb_text} {body}", names))
            # several people in the object ("_ hugging _ and _"): keep the first one
            while out.count("_") > 2:
                out = _drop_extra_person(out)
            if is_valid_interaction(out):
                yield ParseCandidate(out, verb.lemma_.lower(), verb.i)

    def extract(self, caption: str) -> str | None:
        """The first valid interaction of the caption, or ``None``."""
        for cand in self.candidates(caption):
            return cand.interaction
        return None

    def extract_many(self, captions: Iterable[str], batch_size: int = 64) -> Iterator[str | None]:
        """``extract`` over many captions with spaCy's batched ``pipe`` (faster)."""
        encoded = (encode_people(c)[0] for c in captions)
        for doc in self.nlp.pipe(encoded, batch_size=batch_size):
            yield next((c.interaction for c in self._candidates_doc(doc)), None)


def _drop_extra_person(text: str) -> str:
    """``_ hugging _ and _`` -> ``_ hugging _``; otherwise cut at the third ``_``."""
    for sep in (" and _", ", _", " & _"):
        i = text.find(sep, text.find("_", 2))
        if i >= 0:
            return text[:i] + text[i + len(sep) :]
    third = [i for i, ch in enumerate(text) if ch == "_"][2]
    words = text[:third].split()
    while words and (words[-1].lower() in _TRAILING or (not words[-1].isalnum() and words[-1] != "_")):
        words.pop()
    return " ".join(words)


_TRAILING = frozenset(
    ["with", "and", "to", "due", "of", "for", "on", "in", "at", "as", "by", "from", "&", ",", "the", "a", "an"]
)


def drop_pps_without_people(interaction: str, nlp: Any) -> str:
    """Remove prepositional phrases that hold no person from an interaction
    (``_ hugging _ at the airport`` -> ``_ hugging _``); the paper's ``interaction_no_pp``."""
    text, names = encode_people(interaction)
    doc = nlp(text)
    drop: set[int] = set()
    for tok in doc:
        if tok.pos_ == "ADP" and tok.dep_ == "prep":
            sub = list(tok.subtree)
            if not any(t.text in names for t in sub):
                drop.update(t.i for t in sub)
    kept = "".join(t.text_with_ws for t in doc if t.i not in drop)
    return normalise_interaction(mask_names(kept, names))
