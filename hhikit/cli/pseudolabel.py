"""`hhi pseudolabel`: caption -> interaction pseudo-labels."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hhikit.cli.common import _print_err, fail


def add_pseudolabel(sub: Any) -> None:
    from hhikit.options import add_options
    from hhikit.pseudolabel.config import LabelConfig, StudentTrainingConfig

    p = sub.add_parser(
        "pseudolabel",
        help="caption -> interaction pseudo-labels (parse baseline or distilled student), with training weights",
    )
    p.add_argument("--captions", type=Path, help="CSV or JSONL with columns id, caption")
    p.add_argument("--out", type=Path, help="output JSONL (appended; a rerun resumes)")
    add_options(p, LabelConfig, group="labelling and the paper's post-processing (LabelConfig)")
    p.add_argument("--train-student", action="store_true", help="train a student, then label if --captions")
    add_options(p, StudentTrainingConfig, group="training a student (StudentTrainingConfig)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run_pseudolabel)


def _train(tc: Any, progress: bool) -> Path:
    from hhikit.pseudolabel.distil import default_student_dir, train_from_synthetic, train_student
    from hhikit.pseudolabel.student import TrainConfig
    from hhikit.pseudolabel.teacher import TeacherConfig

    recipe = tc.recipe or ("paper" if (tc.student_base or tc.synthetic) else "hhikit")
    cfg = TrainConfig.paper() if recipe == "paper" else TrainConfig()
    if tc.epochs is not None:
        cfg.epochs = tc.epochs
    out = Path(tc.student_out) if tc.student_out else default_student_dir()
    base_kw = {"base_dir": Path(tc.student_base)} if tc.student_base else {}

    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    if tc.synthetic is not None:
        return train_from_synthetic(tc.synthetic, out_dir=out, train_cfg=cfg, progress=progress, log=log, **base_kw)
    return train_student(
        n_pairs=tc.pairs, teacher_card=tc.teacher, teacher_dir=tc.teacher_dir, nli_dir=tc.nli, out_dir=out,
        train_cfg=cfg, progress=progress, parses=list(tc.parses) or None, max_attempts=tc.max_attempts, log=log,
        teacher_cfg=TeacherConfig(interactions="seeds" if tc.seed_interactions else "generate"), **base_kw,
    )  # fmt: skip


def run_pseudolabel(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.options import from_args
    from hhikit.pseudolabel.config import LabelConfig, StudentTrainingConfig

    if not args.train_student and (args.captions is None or args.out is None):
        _print_err("pseudolabel needs --captions FILE and --out OUT.jsonl (or --train-student)")
        return 2
    if args.captions is not None and args.out is None:
        _print_err("pseudolabel needs --out OUT.jsonl with --captions")
        return 2
    try:
        lc = from_args(LabelConfig, args)
        tc = from_args(StudentTrainingConfig, args)
        student_dir = Path(lc.student) if lc.student else None
        if args.train_student:
            trained = _train(tc, progress=not args.no_progress)
            student_dir = student_dir or trained
        if args.captions is None:
            return 0
        from hhikit.pseudolabel.postprocess import PostProcess
        from hhikit.pseudolabel.run import pseudolabel_file

        post = PostProcess.load(lc.ignore, lc.test_set, lc.hashes, lc.weight_exp)
        counts = pseudolabel_file(
            args.captions, args.out, method=lc.method, student_dir=student_dir if lc.method == "student" else None,
            progress=not args.no_progress, log=lambda m: print(m, file=sys.stderr), limit=lc.limit, post=post,
        )  # fmt: skip
        if lc.phhi:
            from hhikit.pseudolabel.run import write_phhi

            print(f"{lc.phhi}: {write_phhi(args.out, lc.phhi)} kept labels (phhi.csv layout)", file=sys.stderr)
    except HHIError as exc:  # the one error policy: a model not set up or a bad option exits 2
        return fail(exc)
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0
