"""imSitu-HHI: does the predicted interaction have the right verb?

The subset (Alper & Averbuch-Elor, ICCV 2023) lists imSitu image ids such as ``admiring_0``;
the gold verb is the id's prefix (``admiring``). A prediction is a free-text interaction
(``_ admiring _``, its verb is the second word) or a bare verb. Metrics at k: *verb
similarity* (GloVe cosine of predicted and gold verb, max over the first k; 0 out of
vocabulary) and *verb accuracy* (the gold verb is among the first k predicted verbs). Items
without predictions are counted and left out of the means, as for Waldo and Wenda.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hhikit.errors import InputError
from hhikit.eval.report import EvalReport, Table
from hhikit.eval.text import WordVectors, verb_of


def gold_verb(image_id: str) -> str:
    """``admiring_0`` -> ``admiring`` (``admiring_0.jpg`` works too)."""
    stem = Path(image_id).stem if "." in image_id else image_id
    verb, sep, num = stem.rpartition("_")
    if not sep or not verb or not num.isdigit():
        raise InputError(f"imSitu id {image_id!r} is not '<verb>_<number>'")
    return verb.lower()


def load_imsitu_ids(path: str | Path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: imSitu-HHI id list not found")
    ids = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for i in ids:
        gold_verb(i)
    return ids


def predicted_verb(text: str) -> str | None:
    """The verb of a prediction: the second word of ``_ <verb> ... _``, or a bare word."""
    words = text.split()
    if len(words) == 1 and words[0] != "_":
        return words[0].lower().strip(".,;:!?\"'")
    return verb_of(text)


def evaluate_imsitu(
    predictions: Mapping[str, Sequence[str]],
    ids: Sequence[str],
    vectors: WordVectors | None = None,
    k: Sequence[int] = (1, 5, 8),
) -> EvalReport:
    """Verb similarity and accuracy at k over the ids that have predictions."""
    vectors = vectors or WordVectors.packaged()
    ks = sorted({int(x) for x in k})
    idset = {Path(i).stem: i for i in ids}
    scored, unknown = [], 0
    for pid, preds in predictions.items():
        key = Path(str(pid)).stem
        if key not in idset:
            unknown += 1
        elif preds:
            scored.append((idset[key], list(preds)))
    items: list[dict[str, Any]] = []
    for iid, preds in scored:
        g = gold_verb(iid)
        pv = [predicted_verb(p) for p in preds[: ks[-1]]]
        sims = [vectors.similarity(v, g) for v in pv]
        items.append({
            "id": iid, "gold": g, "predictions": preds[: ks[-1]], "verbs": pv, "similarity": sims,
            "at": {str(kk): {"verb_sim": max(sims[:kk]), "verb_acc": float(g in pv[:kk])} for kk in ks},
        })  # fmt: skip
    at = {
        str(kk): {m: (float(np.mean([it["at"][str(kk)][m] for it in items])) if items else None)
                  for m in ("verb_sim", "verb_acc")}
        for kk in ks
    }  # fmt: skip
    per_verb: dict[str, list[float]] = defaultdict(list)
    for it in items:
        per_verb[it["gold"]].append(it["at"][str(ks[0])]["verb_sim"])
    summary = {
        "k": ks,
        "at": at,
        "n_ids": len(ids),
        "n_scored": len(items),
        "missing": len(ids) - len(items),
        "unknown_ids": unknown,
        "vectors": vectors.name,
        "per_verb_sim_at_1": {v: float(np.mean(s)) for v, s in sorted(per_verb.items())},
    }
    tables = [
        Table("imSitu-HHI", ["k", "verb similarity", "verb accuracy"],
              [[f"@{kk}", at[str(kk)]["verb_sim"], at[str(kk)]["verb_acc"]] for kk in ks]),
        Table(f"Per gold verb (similarity @{ks[0]})", ["verb", "n", "similarity"],
              [[v, len(s), float(np.mean(s))] for v, s in sorted(per_verb.items())]),
    ]  # fmt: skip
    return EvalReport("imsitu", summary, items, tables)
