"""Pairs of an image: every unordered pair of people, scored, with Non-Interaction Suppression.

``build_pairs`` makes one ``Pair`` per unordered pair ``a < b`` of person ids (so n people
give n(n-1)/2 pairs, each once), fills its geometry (``hhikit.pairs.geometry``) and its
interactiveness, then ``apply_nis`` marks pairs below the threshold ``suppressed=True``.
Suppressed pairs stay in the record (TIN's NIS removes them from HOI detection; here the
describer skips them and the drawing dashes them), so nothing is lost for later analysis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hhikit.keypoints import coco17_keypoints
from hhikit.pairs.geometry import pairs_geometry
from hhikit.pairs.interactiveness import InteractivenessModel
from hhikit.types import Pair, Person


def apply_nis(pairs: Sequence[Pair], threshold: float) -> list[Pair]:
    """Mark every pair whose interactiveness is below ``threshold`` as suppressed."""
    for p in pairs:
        p.suppressed = bool(p.interactiveness < threshold)
    return list(pairs)


_coco17 = coco17_keypoints  # the one "COCO-17 keypoints of a person" (hhikit.keypoints)


def build_pairs(
    people: Sequence[Person], model: InteractivenessModel | None = None, nis_threshold: float | None = None
) -> list[Pair]:
    """All unordered pairs ``a < b`` with geometry, interactiveness and NIS.

    ``nis_threshold`` defaults to the model's own threshold; without a model the
    interactiveness stays 0 and nothing is suppressed.
    """
    by_id = sorted(people, key=lambda p: p.id)
    idx = [(i, j) for i in range(len(by_id)) for j in range(i + 1, len(by_id))]
    kps = [coco17_keypoints(p) for p in by_id]
    geos = pairs_geometry(np.array([p.box for p in by_id]).reshape(-1, 4), kps, idx)
    pairs = [Pair(a=by_id[i].id, b=by_id[j].id, geometry=g) for (i, j), g in zip(idx, geos, strict=True)]
    if model is None or not pairs:
        return pairs
    ba = np.stack([by_id[i].box for i, _ in idx])
    bb = np.stack([by_id[j].box for _, j in idx])
    scores = model.score(ba, bb, [kps[i] for i, _ in idx], [kps[j] for _, j in idx])
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)  # degenerate boxes score 0
    for p, s in zip(pairs, scores, strict=True):
        p.interactiveness = float(s)
    return apply_nis(pairs, model.threshold if nis_threshold is None else float(nis_threshold))
