"""Options of the evaluation commands, defined once (``hhikit.options``): the CLI derives
its flags from these dataclasses; the defaults are the reference protocols."""

from __future__ import annotations

from dataclasses import dataclass

from hhikit.eval.text import VERB_MODES
from hhikit.options import opt


@dataclass
class HOIEvalOptions:
    """Protocol options of ``hhi eval hoi``; the defaults are the official HICO-DET / V-COCO code's."""

    iou: str = opt("inclusive", choices=("inclusive", "continuous"),
                   help="IoU pixel convention: inclusive = width x2 - x1 + 1, as the official code")  # fmt: skip
    count_empty: bool | None = opt(
        None,
        help="detections on 'empty' images are false positives (default: yes for HICO-DET, as the official "
        "code; no for --interactiveness)",
    )
    train: str | None = opt(None, metavar="FILE",
                            help="HICO-DET training annotations: recompute the rare split (< 10 instances)")  # fmt: skip


@dataclass
class WaldoEvalOptions:
    """Metric definitions of ``hhi eval waldo``; the default is the paper's."""

    verb: str = opt("paper", choices=VERB_MODES,
                    help="verb of a text: paper = second word as it is, case-sensitive look-up; "
                    "lenient = lower-cased, punctuation stripped")  # fmt: skip
