"""`hhi pseudolabel`: caption -> interaction pseudo-labels."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit.cli.common import _print_err, fail

if TYPE_CHECKING:
    pass


def add_pseudolabel(sub: Any) -> None:
    p = sub.add_parser(
        "pseudolabel",
        help="caption -> interaction pseudo-labels (parse baseline or distilled student), with training weights",
    )
    p.add_argument("--captions", type=Path, help="CSV or JSONL with columns id, caption")
    p.add_argument("--out", type=Path, help="output JSONL (appended; a rerun resumes)")
    p.add_argument("--method", choices=("parse", "student"), default="parse")
    p.add_argument("--student", type=Path, default=None, help="student directory (HF layout); default: the store's")
    p.add_argument(
        "--train-student", action="store_true", help="(re)train the default student, then label if --captions"
    )
    p.add_argument("--pairs", type=int, default=200, help="synthetic pairs the teacher writes for training")
    p.add_argument("--epochs", type=float, default=1.0, help="student fine-tuning epochs")
    p.add_argument("--teacher", default="smollm2-135m-instruct", help="teacher model card")
    p.add_argument("--teacher-dir", type=Path, default=None, help="local causal LM directory to use as the teacher")
    p.add_argument(
        "--nli", type=Path, default=None, help="local NLI model directory for the filter (else the fallback)"
    )
    p.add_argument(
        "--seed-interactions",
        action="store_true",
        help="skip teacher step a: caption the seed interactions (weak teacher / slow CPU)",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N rows")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_pseudolabel)


def run_pseudolabel(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError

    if not args.train_student and (args.captions is None or args.out is None):
        _print_err("pseudolabel needs --captions FILE and --out OUT.jsonl (or --train-student)")
        return 2
    try:
        if args.train_student or (args.method == "student" and args.student is None):
            from hhikit.pseudolabel.distil import student_available, train_student
            from hhikit.pseudolabel.student import TrainConfig
            from hhikit.pseudolabel.teacher import TeacherConfig

            if args.train_student or not student_available():
                print("training the default student summariser (weak teacher: SmolLM2-135M) ...", file=sys.stderr)
                train_student(
                    n_pairs=args.pairs, teacher_card=args.teacher, teacher_dir=args.teacher_dir, nli_dir=args.nli,
                    train_cfg=TrainConfig(epochs=args.epochs), progress=not args.no_progress,
                    teacher_cfg=TeacherConfig(interactions="seeds" if args.seed_interactions else "generate"),
                    log=lambda m: print(m, file=sys.stderr),
                )  # fmt: skip
        if args.captions is None:
            return 0
        from hhikit.pseudolabel.run import pseudolabel_file

        counts = pseudolabel_file(
            args.captions, args.out, method=args.method, student_dir=args.student,
            progress=not args.no_progress, log=lambda m: print(m, file=sys.stderr), limit=args.limit,
        )  # fmt: skip
    except HHIError as exc:
        return fail(exc)
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0
