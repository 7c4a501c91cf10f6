"""The ``hhi`` command. Each subcommand is a thin call into the API.

A subcommand is a pair of functions: ``add_<name>(subparsers)`` declares its options and
sets ``func`` to ``run_<name>(args) -> int``. Adding one is one function pair and one line
in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hhikit import __version__


def _print_err(msg: str) -> None:
    print(f"hhi: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- analyze


def add_analyze(sub: Any) -> None:
    p = sub.add_parser("analyze", help="find people and their interactions in images")
    p.add_argument("paths", nargs="+", help="image files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json and an annotated <stem>.png per image here")
    p.add_argument("--detector", default=None, help="person detector backend (see `hhi models list`)")
    p.set_defaults(func=run_analyze)


def _summary(result: Any) -> str:
    if result.error:
        return f"{result.path}: ERROR {result.error['type']}: {result.error['message']}"
    lines = [f"{result.path}: {result.width}x{result.height}, {len(result.people)} people"]
    for p in result.people:
        kp = "" if p.keypoints is None else f", {int((p.keypoints[:, 2] >= 0.2).sum())} keypoints"
        face = ", face" if p.face is not None else ""
        box = ", ".join(f"{v:.0f}" for v in p.box)
        lines.append(f"  person #{p.id}: box [{box}] score {p.score:.2f}{kp}{face}")
    for pr in result.pairs:
        state = "suppressed" if pr.suppressed else "interacting"
        lines.append(f"  pair #{pr.a}-#{pr.b}: interactiveness {pr.interactiveness:.2f} ({state})")
        for it in pr.interactions[:3]:
            lines.append(f"    {it.text}  {it.score:.2f}  [{'; '.join(it.cues)}]")
    if result.interactions:
        lines.append("  image: " + " | ".join(f"{i.text} ({i.score:.2f})" for i in result.interactions[:3]))
    t = sum(result.timings.values())
    lines.append(f"  time {t * 1000:.0f} ms (" + ", ".join(f"{k} {v * 1000:.0f}" for k, v in result.timings.items()) + ")")
    return "\n".join(lines)


def run_analyze(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.io.draw import annotate, save_png
    from hhikit.io.images import read_image
    from hhikit.pipeline import Pipeline, PipelineConfig
    from hhikit.types import dumps

    try:
        pipe = Pipeline(PipelineConfig(detector=args.detector))
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    failed = 0
    for path in args.paths:
        result = pipe.analyze(path)
        failed += result.error is not None
        if args.json:
            print(dumps(result), flush=True)
        else:
            print(_summary(result), flush=True)
        if args.out and result.error is None:
            args.out.mkdir(parents=True, exist_ok=True)
            stem = Path(path).stem
            from hhikit.io.atomic import atomic_write_text

            atomic_write_text(args.out / f"{stem}.json", dumps(result) + "\n")
            save_png(str(args.out / f"{stem}.png"), annotate(read_image(path), result))
            if not args.json:
                print(f"  wrote {args.out / (stem + '.json')} and {args.out / (stem + '.png')}")
    if failed and not args.json:
        _print_err(f"{failed} of {len(args.paths)} inputs failed")
    return 1 if failed else 0


# ---------------------------------------------------------------- models


def add_models(sub: Any) -> None:
    p = sub.add_parser("models", help="list, prepare and verify models")
    msub = p.add_subparsers(dest="models_cmd", required=True)
    pl = msub.add_parser("list", help="table of model cards")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=run_models_list)
    ps = msub.add_parser("setup", help="one-time preparation of packaged models (bundles, conversions)")
    ps.add_argument("names", nargs="*")
    ps.add_argument("--force", action="store_true")
    ps.set_defaults(func=run_models_setup)
    pv = msub.add_parser("verify", help="load every available default model and run it once")
    pv.add_argument("names", nargs="*")
    pv.set_defaults(func=run_models_verify)


def run_models_list(args: argparse.Namespace) -> int:
    from hhikit.models.card import list_cards
    from hhikit.models.store import is_available

    rows = []
    for c in list_cards():
        d = c.to_dict()
        d["available"] = is_available(c.name)
        rows.append(d)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = ("name", "task", "source", "licence", "size MB", "default", "available")
    table = [head] + [
        (r["name"], r["task"], f"{r['source_kind']}:{r['source']}"[:48], r["licence"], f"{r['size_mb']:.1f}",
         "yes" if r["default"] else "", "yes" if r["available"] else "no")
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
    for row in table:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def run_models_setup(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.models.setup import run_setup

    try:
        done = run_setup(args.names or None, force=args.force)
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(f"prepared: {', '.join(done)}" if done else "all packaged models are ready")
    return 0


def run_models_verify(args: argparse.Namespace) -> int:
    from hhikit.models.verify import verify_models

    failures = 0
    for name, ok, msg in verify_models(args.names or None):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {msg}")
        failures += not ok
    return 1 if failures else 0


# ---------------------------------------------------------------- pseudolabel


def add_pseudolabel(sub: Any) -> None:
    p = sub.add_parser(
        "pseudolabel",
        help="caption -> interaction pseudo-labels (parse baseline or distilled student), with training weights",
    )
    p.add_argument("--captions", type=Path, help="CSV or JSONL with columns id, caption")
    p.add_argument("--out", type=Path, help="output JSONL (appended; a rerun resumes)")
    p.add_argument("--method", choices=("parse", "student"), default="parse")
    p.add_argument("--student", type=Path, default=None, help="student directory (HF layout); default: the store's")
    p.add_argument("--train-student", action="store_true", help="(re)train the default student, then label if --captions")
    p.add_argument("--pairs", type=int, default=200, help="synthetic pairs the teacher writes for training")
    p.add_argument("--epochs", type=float, default=1.0, help="student fine-tuning epochs")
    p.add_argument("--teacher", default="smollm2-135m-instruct", help="teacher model card")
    p.add_argument("--teacher-dir", type=Path, default=None, help="local causal LM directory to use as the teacher")
    p.add_argument("--nli", type=Path, default=None, help="local NLI model directory for the filter (else the fallback)")
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

            if args.train_student or not student_available():
                print("training the default student summariser (weak teacher: SmolLM2-135M) ...", file=sys.stderr)
                train_student(
                    n_pairs=args.pairs, teacher_card=args.teacher, teacher_dir=args.teacher_dir, nli_dir=args.nli,
                    train_cfg=TrainConfig(epochs=args.epochs), progress=not args.no_progress,
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
        _print_err(str(exc))
        return 1
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_pseudolabel,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hhi", description="Human-human interactions in images and videos.")
    parser.add_argument("--version", action="version", version=f"hhikit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
