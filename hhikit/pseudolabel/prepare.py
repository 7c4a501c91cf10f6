"""Set-up step of the default student (``hhi models setup pseudolabel-student``).

Preparation only: never imported by run-time code. It fine-tunes the packaged SmolLM2-135M
on the project's 40 seed (caption, interaction) pairs, 3 epochs of batch 8 (15 steps), with
a progress bar: a few minutes on two CPU cores, about 520 MB in the store. On a machine
whose load is above its core count, torch runs one thread (several threads fighting other
processes for the same cores were several times slower here).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hhikit.models.card import ModelCard
from hhikit.models.setup import register_setup


@register_setup("pseudolabel-student")
def prepare_student(card: ModelCard, out_dir: Path) -> None:
    """Train the set-up student into ``out_dir`` (``run_setup`` renames it into place)."""
    from hhikit.pseudolabel.distil import train_from_seeds
    from hhikit.pseudolabel.student import busy_machine, threads_for_load

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    if "OMP_NUM_THREADS" not in os.environ and busy_machine():
        log(f"{card.name}: the machine is busy (load {os.getloadavg()[0]:.1f}): one torch thread")
    log(f"{card.name}: fine-tuning SmolLM2-135M on the seed pairs (15 steps; about {card.size_mb:.0f} MB)")
    with threads_for_load():  # one thread while busy, restored after
        train_from_seeds(out_dir, log=log)
