"""Paired bootstrap over images: how sure is "score A ranks better than score B"?

Resampling whole images (with replacement) keeps the pairs of one image together, since
they share people and are not independent. Every score is evaluated on the same resamples,
so differences are paired. Deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hhikit.eval.ap import APMethod, average_precision


def image_resamples(groups: Sequence[str], n: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` index arrays, each the items of len(set(groups)) images drawn with replacement."""
    names, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(names))]
    rng = np.random.default_rng(seed)
    return [np.concatenate([members[g] for g in rng.integers(0, len(names), len(names))]) for _ in range(n)]


def paired_ap_bootstrap(
    scores: Mapping[str, np.ndarray],
    labels: np.ndarray,
    groups: Sequence[str],
    reference: str,
    n: int = 1000,
    seed: int = 0,
    method: APMethod = "continuous",
    level: float = 0.95,
) -> dict[str, Any]:
    """Percentile intervals of each score's AP and of ``AP(reference) - AP(other)`` for every
    other score, over ``n`` image resamples; ``p_reference_better`` is the share of resamples
    where the reference's AP is higher. Resamples without a positive are skipped."""
    if reference not in scores:
        raise ValueError(f"no score named {reference!r}")
    labels = np.asarray(labels)
    aps: dict[str, list[float]] = {k: [] for k in scores}
    for idx in image_resamples(groups, n, seed):
        y = labels[idx]
        if y.sum() == 0:
            continue
        for k, s in scores.items():
            aps[k].append(average_precision(np.asarray(s)[idx], y, method=method))
    lo, hi = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    arr = {k: np.asarray(v) for k, v in aps.items()}

    def ci(v: np.ndarray) -> list[float]:
        return [round(float(np.percentile(v, lo)), 4), round(float(np.percentile(v, hi)), 4)]

    ref = arr[reference]
    return {
        "resamples": int(ref.size),
        "unit": "image",
        "method": method,
        "level": level,
        "seed": seed,
        "ap_ci": {k: ci(v) for k, v in arr.items()},
        "difference_ci": {k: ci(ref - v) for k, v in arr.items() if k != reference},
        "p_reference_better": {k: round(float(np.mean(ref > v)), 4) for k, v in arr.items() if k != reference},
    }
