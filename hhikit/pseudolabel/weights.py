"""Per-item weights for training the captioner on pseudo-labels.

Rare labels weigh more, frequent ones less, gently: ``w = 1/freq(label)``, normalised to
mean 1, raised to ``exp`` (0.25), normalised to mean 1 again, then divided by the number of
items that share the same caption (so a caption repeated k times counts once in total).
Items without a usable label get weight 0 and take no part in the distribution.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def caption_weights(
    labels: Sequence[str | None], captions: Sequence[str] | None = None, exp: float = 0.25
) -> list[float]:
    """Weights of items with pseudo-labels ``labels`` (``None``/empty = unusable -> 0.0)
    and source ``captions`` (same length; ``None`` = all distinct)."""
    if captions is not None and len(captions) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(captions)} captions")
    usable = [i for i, lab in enumerate(labels) if lab]
    out = [0.0] * len(labels)
    if not usable:
        return out
    freq = Counter(labels[i] for i in usable)
    raw = [1.0 / freq[labels[i]] for i in usable]
    mean = sum(raw) / len(raw)
    powered = [(r / mean) ** exp for r in raw]
    mean = sum(powered) / len(powered)
    dup = Counter(captions[i] for i in usable) if captions is not None else None
    for i, w in zip(usable, powered):
        k = dup[captions[i]] if dup is not None and captions is not None else 1
        out[i] = w / mean / k
    return out
