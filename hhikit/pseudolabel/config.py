"""Options of ``hhi pseudolabel``, defined once (``hhikit.options``): the CLI derives its
flags, checks and defaults from these dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from hhikit.options import opt


@dataclass
class LabelConfig:
    """Labelling a captions file, with the paper's post-processing of the labels."""

    method: str = opt("parse", choices=("parse", "student"), help="parse baseline or distilled student")
    student: str | None = opt(None, metavar="DIR", help="student directory (HF layout); default: the store's")
    ignore: str | None = opt(None, metavar="FILE", help="ids to drop, one a line (the paper's ignore.txt)")
    test_set: str | None = opt(
        None, metavar="CSV", help="ids to drop: a CSV's id column (its ww rows, if it has source)"
    )
    hashes: str | None = opt(None, metavar="FILE", help="id,hash CSV(.gz): repeated captions share a hash")
    weight_exp: float = opt(0.25, bounds=(0.0, None), help="exponent of the label-frequency weights")
    limit: int | None = opt(None, bounds=(1, None), metavar="N", help="only the first N rows")
    phhi: str | None = opt(
        None, metavar="CSV", help="also write the kept labels as the paper's phhi.csv (id,pseudolabel,weight)"
    )


@dataclass
class StudentTrainingConfig:
    """Training a student: from the paper's synthetic captions, or teacher pairs + filter."""

    synthetic: str | None = opt(None, metavar="CSV",
                                help="train from the paper's synthetic_captions.csv (caption -> interaction_no_pp)")  # fmt: skip
    student_base: str | None = opt(None, metavar="DIR",
                                   help="base model to fine-tune (e.g. T5-base, HF layout); default: packaged SmolLM2")  # fmt: skip
    student_out: str | None = opt(None, metavar="DIR", help="where to save the student; default: the store's")
    recipe: str | None = opt(None, choices=("paper", "hhikit"),
                             help="paper: 3 epochs, batch 8, lr 5e-5 (default with --student-base or --synthetic); "
                             "hhikit: 1 epoch, lr 1e-4")  # fmt: skip
    epochs: float | None = opt(None, bounds=(0.01, None), help="fine-tuning epochs (default: the recipe's)")
    pairs: int = opt(200, bounds=(1, None), help="usable synthetic pairs the teacher writes")
    max_attempts: int | None = opt(None, bounds=(1, None), metavar="N",
                                   help="teacher prompts to try at most (default 30 x pairs)")  # fmt: skip
    teacher: str = opt("smollm2-135m-instruct", metavar="CARD", help="teacher model card")
    teacher_dir: str | None = opt(None, metavar="DIR", help="local causal LM directory (e.g. GPT-Neo 1.3B)")
    parses: list[str] = opt([], metavar="CSV",
                            help="the paper's seed files: CC-News parses (parsed) and/or ww_parses.csv (parses, encoded)")  # fmt: skip
    nli: str | None = opt(None, metavar="DIR", help="local NLI model directory (e.g. BART-large-MNLI)")
    seed_interactions: bool = opt(False, help="skip teacher step a: caption the seed interactions")
