"""The interaction text format and the masking of people as ``_``.

An interaction is ``_ <verb>ing ... _``: exactly two people, the first is the subject, the
second word is an -ing verb. Models read people as dummy names (language models know
what to do with ``Anna hugs Ben``, less so with ``_ hugs _``); ``encode_people`` and
``mask_names`` convert between the two.
"""

from __future__ import annotations

import re

#: The format rule of the paper's post-processing: subject, -ing verb, one more person.
FORMAT_RE = re.compile(r"^_ [^ ]*ing [^_]*_[^_]*$")

#: Dummy names that stand for masked people inside model inputs (distinct, common, unisex-ish
#: enough for a parser's NER to tag them PERSON).
DUMMY_NAMES: tuple[str, ...] = (
    "Anna", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jonas",
    "Kate", "Leo", "Maria", "Nick", "Olga", "Paul",
)  # fmt: skip

# Subjects joined by a conjunction: "_ and _ shaking hands" -> "_ shaking hands with _".
_CONJ_SUBJ = re.compile(r"^_(?:\s*,\s*_)*\s*,?\s*(?:and|&)\s+_\s+(?=\S)")
_IS_ING = re.compile(r"^_ (?:is|are|was|were) ([^ ]*ing\b)")


def is_valid_interaction(text: str) -> bool:
    """True when ``text`` follows the format rule ``^_ [^ ]*ing [^_]*_[^_]*$``."""
    return bool(FORMAT_RE.match(text))


def normalise_interaction(text: str) -> str:
    """Tidy an interaction: curly quotes, spaces, ``_ and _ V`` -> ``_ V with _``,
    ``_ is Ving`` -> ``_ Ving``, no final full stop."""
    t = " ".join(text.replace("\u2019", "'").split()).strip().rstrip(".").strip()
    m = _CONJ_SUBJ.match(t)
    if m and t.count("_") == 2:
        t = "_ " + t[m.end() :] + " with _"
    t = _IS_ING.sub(r"_ \1", t)
    return t


def encode_people(text: str, names: tuple[str, ...] = DUMMY_NAMES) -> tuple[str, list[str]]:
    """Replace each ``_`` (a masked person) by a distinct dummy name; return the text and
    the names used, in order."""
    out: list[str] = []
    used: list[str] = []
    parts = re.split(r"(?<![A-Za-z0-9])_(?![A-Za-z0-9])", text)
    for i, part in enumerate(parts):
        out.append(part)
        if i < len(parts) - 1:
            name = names[len(used) % len(names)]
            used.append(name)
            out.append(name)
    return "".join(out), used


def mask_names(text: str, names: list[str] | tuple[str, ...]) -> str:
    """Replace whole-word occurrences of ``names`` by ``_`` (``Ben's`` -> ``_'s``)."""
    for name in sorted(set(names), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "_", text)
    return text
