"""Caption -> interaction text (``_ shaking hands with _``) under weak supervision.

There are no HHI labels to train on, so they are distilled from noisy captions, after
Alper & Averbuch-Elor (ICCV 2023): a syntactic parse extractor (the baseline), an LLM
teacher that writes synthetic (interaction, caption) pairs, a filter, a student
summariser fine-tuned on the kept pairs, and per-item weights for training a captioner.
"""

from __future__ import annotations

from hhikit.pseudolabel.format import FORMAT_RE, is_valid_interaction
from hhikit.pseudolabel.inflect import gerund
from hhikit.pseudolabel.weights import caption_weights

__all__ = ["FORMAT_RE", "caption_weights", "gerund", "is_valid_interaction"]
