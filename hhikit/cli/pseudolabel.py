"""`hhi pseudolabel`: caption -> interaction pseudo-labels."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hhikit.cli.common import _print_err, fail


def add_pseudolabel(sub: Any) -> None:
    p = sub.add_parser(
        "pseudolabel",
        help="caption -> interaction pseudo-labels (parse baseline or distilled student), with training weights",
    )
    p.add_argument("--captions", type=Path, help="CSV or JSONL with columns id, caption")
    p.add_argument("--out", type=Path, help="output JSONL (appended; a rerun resumes)")
    p.add_argument("--method", choices=("parse", "student"), default="parse")
    p.add_argument("--student", type=Path, default=None, help="student directory (HF layout); default: the store's")
    post = p.add_argument_group("post-processing (the paper's)")
    post.add_argument("--hashes", type=Path, default=None, help="id,hash CSV(.gz): repeated captions share a hash")
    post.add_argument("--ignore", type=Path, default=None, help="ids to drop, one a line (the paper's ignore.txt)")
    post.add_argument("--test-set", type=Path, default=None, help="CSV whose ids (source ww, if any) are dropped")
    post.add_argument("--weight-exp", type=float, default=0.25, help="exponent of the label-frequency weights")
    tr = p.add_argument_group("training a student")
    tr.add_argument("--train-student", action="store_true", help="train a student, then label if --captions")
    tr.add_argument("--synthetic", type=Path, default=None,
                    help="train from the paper's synthetic_captions.csv (caption -> interaction_no_pp), no teacher")  # fmt: skip
    tr.add_argument("--student-base", type=Path, default=None,
                    help="base model directory to fine-tune (e.g. T5-base, HF layout); default: packaged SmolLM2")  # fmt: skip
    tr.add_argument("--student-out", type=Path, default=None, help="where to save the student; default: the store's")
    tr.add_argument("--recipe", choices=("paper", "hhikit"), default=None,
                    help="paper: 3 epochs, batch 8, lr 5e-5 (default with --student-base/--synthetic); "
                    "hhikit: 1 epoch, lr 1e-4")  # fmt: skip
    tr.add_argument("--epochs", type=float, default=None, help="student fine-tuning epochs (default: the recipe's)")
    tr.add_argument("--pairs", type=int, default=200, help="synthetic pairs the teacher writes for training")
    tr.add_argument(
        "--max-attempts", type=int, default=None, help="teacher prompts to try at most (default 30 x pairs)"
    )
    tr.add_argument("--teacher", default="smollm2-135m-instruct", help="teacher model card")
    tr.add_argument("--teacher-dir", type=Path, default=None, help="local causal LM directory (e.g. GPT-Neo 1.3B)")
    tr.add_argument("--parses", type=Path, action="append", default=None,
                    help="the paper's seed files: CC-News parses (column parsed) and/or ww_parses.csv (parses, encoded)")  # fmt: skip
    tr.add_argument("--nli", type=Path, default=None, help="local NLI model directory (e.g. BART-large-MNLI)")
    tr.add_argument("--seed-interactions", action="store_true",
                    help="skip teacher step a: caption the seed interactions (weak teacher / slow CPU)")  # fmt: skip
    p.add_argument("--limit", type=int, default=None, help="only the first N rows")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_pseudolabel)


def _train(args: argparse.Namespace) -> Path:
    from hhikit.pseudolabel.distil import default_student_dir, train_from_synthetic, train_student
    from hhikit.pseudolabel.student import TrainConfig
    from hhikit.pseudolabel.teacher import TeacherConfig

    recipe = args.recipe or ("paper" if (args.student_base or args.synthetic) else "hhikit")
    cfg = TrainConfig.paper() if recipe == "paper" else TrainConfig()
    if args.epochs is not None:
        cfg.epochs = args.epochs
    out = args.student_out or default_student_dir()
    base_kw = {"base_dir": args.student_base} if args.student_base else {}

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    if args.synthetic is not None:
        return train_from_synthetic(args.synthetic, out_dir=out, train_cfg=cfg, progress=not args.no_progress,
                                    log=log, **base_kw)  # fmt: skip
    return train_student(
        n_pairs=args.pairs, teacher_card=args.teacher, teacher_dir=args.teacher_dir, nli_dir=args.nli,
        out_dir=out, train_cfg=cfg, progress=not args.no_progress, parses=args.parses,
        max_attempts=args.max_attempts, log=log,
        teacher_cfg=TeacherConfig(interactions="seeds" if args.seed_interactions else "generate"), **base_kw,
    )  # fmt: skip


def run_pseudolabel(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError

    if not args.train_student and (args.captions is None or args.out is None):
        _print_err("pseudolabel needs --captions FILE and --out OUT.jsonl (or --train-student)")
        return 2
    if args.captions is not None and args.out is None:
        _print_err("pseudolabel needs --out OUT.jsonl with --captions")
        return 2
    try:
        student_dir = args.student
        if args.train_student:
            trained = _train(args)
            student_dir = student_dir or trained
        if args.captions is None:
            return 0
        from hhikit.pseudolabel.postprocess import PostProcess
        from hhikit.pseudolabel.run import pseudolabel_file

        post = PostProcess.load(args.ignore, args.test_set, args.hashes, args.weight_exp)
        counts = pseudolabel_file(
            args.captions, args.out, method=args.method, student_dir=student_dir if args.method == "student" else None,
            progress=not args.no_progress, log=lambda m: print(m, file=sys.stderr), limit=args.limit, post=post,
        )  # fmt: skip
    except HHIError as exc:
        return fail(exc)
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0
