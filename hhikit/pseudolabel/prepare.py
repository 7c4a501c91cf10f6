"""Set-up step of the default student (``hhi models setup pseudolabel-student``).

Preparation only: never imported by run-time code. It fine-tunes the packaged SmolLM2-135M
on the project's 40 seed (caption, interaction) pairs, 3 epochs of batch 8 (15 steps), with
a progress bar: a few minutes on two CPU cores, about 520 MB in the store.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hhikit.models.card import ModelCard
from hhikit.models.setup import register_setup


@register_setup("pseudolabel-student")
def prepare_student(card: ModelCard, out_dir: Path) -> None:
    """Train the set-up student into ``out_dir`` (``run_setup`` renames it into place)."""
    from hhikit.pseudolabel.distil import train_from_seeds

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    log(f"{card.name}: fine-tuning SmolLM2-135M on the seed pairs (15 steps; about {card.size_mb:.0f} MB)")
    train_from_seeds(out_dir, log=log)
