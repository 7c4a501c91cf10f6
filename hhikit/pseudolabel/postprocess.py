"""The paper's post-processing of pseudo-labels before they become training data.

A label is dropped (weight 0, ``"dropped"`` says why) when its item is on the ignore list
(``ignore.txt``: duplicates and items sharing an artist or a date with test items), is a
test item (the ``ww`` rows of a Waldo and Wenda CSV), has no ``-ing`` word other than a
few non-verbs (``during``, ``thing``, ``king``, ...), fails the format rule, or contains
``photo``, ``image`` or ``picture`` (as substrings, as the paper's check). Weights then
divide by the number of kept items sharing a caption hash: the paper's ``hashes.csv.gz``
(``id,hash``) when given, else the whitespace- and case-normalised caption text.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hhikit.errors import InputError
from hhikit.pseudolabel.format import is_valid_interaction

#: Words ending in -ing that the paper's post-processing does not count as verbs.
NON_VERB_ING = frozenset(
    {"during", "thing", "sing", "ring", "ding", "king", "zing", "bling", "cling", "bring", "swing", "wring", "sting"}
)
#: Substrings that drop a pseudo-label (the paper's post-processing list).
BANNED_SUBSTRINGS = ("photo", "image", "picture")


def has_ing_verb(text: str) -> bool:
    """A word ends in ``ing`` and is not one of the listed non-verbs."""
    return any(w.endswith("ing") and w not in NON_VERB_ING for w in text.split())


def label_problem(text: str) -> str | None:
    """Why the paper's post-processing drops this label (``None``: kept)."""
    if not text:
        return "no interaction"
    if not has_ing_verb(text):
        return "no -ing verb"
    if not is_valid_interaction(text):
        return "format"
    if any(b in text for b in BANNED_SUBSTRINGS):
        return "banned word"
    return None


@contextmanager
def open_text(path: Path) -> Iterator[io.TextIOWrapper]:
    """A UTF-8 text file, gzip-compressed when its name ends in ``.gz``."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        yield fh


def read_id_list(path: str | Path) -> frozenset[str]:
    """One id per line (the paper's ``ignore.txt``)."""
    path = Path(path)
    try:
        with open_text(path) as fh:
            return frozenset(line.strip() for line in fh if line.strip())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the id list ({exc})") from None


def read_test_ids(path: str | Path) -> frozenset[str]:
    """Ids of test items: the ``ww`` rows of a CSV with ``id`` and ``source`` (Waldo and
    Wenda), or every id when it has no ``source`` column."""
    path = Path(path)
    try:
        with open_text(path) as fh:
            reader = csv.DictReader(fh)
            if "id" not in (reader.fieldnames or ()):
                raise InputError(f"{path}: test set CSV needs an id column (found {reader.fieldnames})")
            has_source = "source" in (reader.fieldnames or ())
            return frozenset(r["id"] for r in reader if not has_source or r.get("source") == "ww")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the test set ({exc})") from None


def read_hashes(path: str | Path) -> dict[str, str]:
    """``id -> caption hash`` from the paper's ``hashes.csv.gz`` (columns ``id,hash``)."""
    path = Path(path)
    try:
        with open_text(path) as fh:
            reader = csv.DictReader(fh)
            if not {"id", "hash"} <= set(reader.fieldnames or ()):
                raise InputError(f"{path}: hashes file needs the columns id and hash (found {reader.fieldnames})")
            return {r["id"]: r["hash"] for r in reader}
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as exc:
        raise InputError(f"{path}: cannot read the hashes ({exc})") from None


@dataclass(frozen=True)
class PostProcess:
    """The paper's post-processing: id lists, label rules, caption hashes for the weights."""

    ignore: frozenset[str] = frozenset()
    test_ids: frozenset[str] = frozenset()
    hashes: dict[str, str] | None = None
    weight_exp: float = 0.25
    missing_hashes: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def load(
        cls,
        ignore: str | Path | None = None,
        test_set: str | Path | None = None,
        hashes: str | Path | None = None,
        weight_exp: float = 0.25,
    ) -> PostProcess:
        return cls(
            read_id_list(ignore) if ignore else frozenset(),
            read_test_ids(test_set) if test_set else frozenset(),
            read_hashes(hashes) if hashes else None,
            weight_exp,
        )

    def drop_reason(self, item_id: str, label: str) -> str | None:
        if item_id in self.ignore:
            return "ignore list"
        if item_id in self.test_ids:
            return "test item"
        return label_problem(label)

    def caption_key(self, item_id: str, caption: str | None) -> str:
        """What identifies a repeated caption: its hash when known, else its normalised text."""
        if self.hashes is not None:
            h = self.hashes.get(item_id)
            if h is not None:
                return "h:" + h
            self.missing_hashes.append(item_id)
        return "t:" + " ".join(caption.split()).lower() if caption is not None else f"\0{item_id}"
