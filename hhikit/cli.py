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
    p.add_argument("--seed-interactions", action="store_true",
                   help="skip teacher step a: caption the seed interactions (weak teacher / slow CPU)")
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
        _print_err(str(exc))
        return 1
    print(
        f"{args.out}: {counts['rows']} rows, {counts['labelled']} labelled, {counts['empty']} without a valid "
        f"interaction, {counts['errors']} errors, {counts['skipped']} already done",
        file=sys.stderr,
    )
    return 1 if counts["errors"] else 0
# ---------------------------------------------------------------- eval


def add_eval(sub: Any) -> None:
    p = sub.add_parser("eval", help="evaluate predictions: Waldo and Wenda, imSitu-HHI, HOI mAP, multi-label, shots")
    esub = p.add_subparsers(dest="eval_cmd", required=True)

    def common(q: Any) -> None:
        q.add_argument("--out", type=Path, help="write report.json, report.md and items.jsonl here")
        q.add_argument("--json", action="store_true", help="print the JSON report (one line) instead of the Markdown table")

    w = esub.add_parser("waldo", help="Waldo and Wenda text metrics at k = 1, 5, 8")
    w.add_argument("--predictions", type=Path, required=True, help="JSONL: image records or {id, predictions}")
    w.add_argument("--labels", type=Path, required=True, help="labels CSV: source,id,label,caption,url")
    w.add_argument("--glove", type=Path, help="GloVe text / word2vec file (default: packaged GloVe 6B 50-d)")
    w.add_argument("--bleurt", type=Path, help="local BLEURT checkpoint directory")
    w.add_argument("--nli", type=Path, help="local NLI model directory (transformers sequence classification)")
    w.add_argument("--no-minilm", action="store_true", help="skip the MiniLM sentence similarity")
    w.add_argument("-k", type=int, nargs="+", default=[1, 5, 8])
    common(w)
    w.set_defaults(func=run_eval_waldo)

    im = esub.add_parser("imsitu", help="imSitu-HHI verb similarity and accuracy")
    im.add_argument("--predictions", type=Path, required=True, help="JSONL: image records or {id, predictions}")
    im.add_argument("--ids", type=Path, required=True, help="imsitu-hhi.txt (one id like admiring_0 per line)")
    im.add_argument("--glove", type=Path, help="GloVe text / word2vec file (default: packaged GloVe 6B 50-d)")
    im.add_argument("-k", type=int, nargs="+", default=[1, 5, 8])
    common(im)
    im.set_defaults(func=run_eval_imsitu)

    h = esub.add_parser("hoi", help="HICO-DET mAP (Default, Known Object) or V-COCO role AP")
    g = h.add_mutually_exclusive_group(required=True)
    g.add_argument("--hicodet", type=Path, help="HICO-DET annotation JSON (instances_test2015.json layout)")
    g.add_argument("--vcoco", type=Path, help="V-COCO annotation JSON (instances_vcoco_test.json layout)")
    h.add_argument("--predictions", type=Path, help="JSONL, one detection per line: image, box_h, box_o, hoi, score")
    h.add_argument("--gt-as-predictions", type=Path, metavar="OUT", help="write the ground truth as predictions")
    h.add_argument("--interactiveness", action="store_true", help="class-agnostic interactiveness AP instead")
    h.add_argument("--iou", choices=["inclusive", "continuous"], default="inclusive", help="IoU pixel convention")
    h.add_argument("--count-empty", action="store_true", help="HICO-DET: detections on 'empty' images are FPs")
    common(h)
    h.set_defaults(func=run_eval_hoi)

    m = esub.add_parser("multilabel", help="per-class, macro and micro P/R/F1 with a threshold sweep")
    m.add_argument("--truth", type=Path, required=True, help="JSONL {id, labels: [...]}")
    m.add_argument("--predictions", type=Path, required=True, help="JSONL {id, scores: {label: s}} or video records")
    m.add_argument("--classes", type=Path, help="class names, one per line (default: all labels seen)")
    m.add_argument("--threshold", type=float, default=0.5)
    common(m)
    m.set_defaults(func=run_eval_multilabel)

    s = esub.add_parser("shots", help="shot-boundary P/R/F1 with a frame tolerance")
    s.add_argument("--truth", type=Path, required=True, help="JSONL {video, boundaries: [frames]} or shots")
    s.add_argument("--predictions", type=Path, required=True, help="same layout, or hhikit video records")
    s.add_argument("--tolerance", type=int, default=2, help="frames (default 2)")
    common(s)
    s.set_defaults(func=run_eval_shots)


def _emit_report(report: Any, args: argparse.Namespace) -> int:
    if args.out:
        paths = report.write(args.out)
        if not args.json:
            print(f"wrote {paths['json']}, {paths['markdown']}, {paths['items']}", file=sys.stderr)
    print(report.to_json(indent=None) if args.json else report.to_markdown())
    return 0


def _eval_guard(fn: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from hhikit.errors import HHIError

        try:
            report = fn(args)
        except HHIError as exc:
            _print_err(str(exc))
            return 2
        return 0 if report is None else _emit_report(report, args)

    return run


@_eval_guard
def run_eval_waldo(args: argparse.Namespace) -> Any:
    from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels, load_waldo_predictions

    labels = load_waldo_labels(args.labels)
    preds = load_waldo_predictions(args.predictions)
    return evaluate_waldo(preds, labels, k=args.k, glove=args.glove, bleurt=args.bleurt, nli=args.nli,
                          sentence=not args.no_minilm)  # fmt: skip


@_eval_guard
def run_eval_imsitu(args: argparse.Namespace) -> Any:
    from hhikit.eval.imsitu import evaluate_imsitu, load_imsitu_ids, predicted_verb
    from hhikit.eval.text import WordVectors
    from hhikit.eval.waldo import load_waldo_predictions

    ids = load_imsitu_ids(args.ids)
    preds = load_waldo_predictions(args.predictions)
    keep = {v for p in preds.values() for t in p for v in [predicted_verb(t)] if v} | {i.rsplit("_", 1)[0] for i in ids}
    vectors = WordVectors.from_file(args.glove, keep=keep) if args.glove else None
    return evaluate_imsitu(preds, ids, vectors=vectors, k=args.k)


@_eval_guard
def run_eval_hoi(args: argparse.Namespace) -> Any:
    from hhikit.errors import InputError
    from hhikit.eval import hoi

    gt = hoi.load_hoi_ground_truth(args.hicodet, args.vcoco)
    if args.gt_as_predictions:
        rows = hoi.gt_as_predictions(hoi.interactive_pairs(gt) if args.interactiveness else gt)
        n = hoi.write_hoi_predictions(rows, args.gt_as_predictions)
        print(f"wrote {n} detections to {args.gt_as_predictions}", file=sys.stderr)
        if not args.predictions:
            return None
    if not args.predictions:
        raise InputError("give --predictions FILE (or --gt-as-predictions OUT)")
    det = hoi.read_hoi_predictions(args.predictions)
    if args.interactiveness:
        return hoi.evaluate_interactiveness(gt, det, convention=args.iou, count_empty=args.count_empty)
    if gt.dataset == "vcoco":
        return hoi.evaluate_vcoco(gt, det, convention=args.iou)
    return hoi.evaluate_hicodet(gt, det, convention=args.iou, count_empty=args.count_empty)


@_eval_guard
def run_eval_multilabel(args: argparse.Namespace) -> Any:
    from hhikit.errors import InputError
    from hhikit.eval.multilabel import evaluate_multilabel, load_multilabel

    classes = None
    if args.classes:
        if not args.classes.is_file():
            raise InputError(f"{args.classes}: class list not found")
        classes = [c.strip() for c in args.classes.read_text(encoding="utf-8").splitlines() if c.strip()]
    yt, ys, names, ids, missing = load_multilabel(args.truth, args.predictions, classes)
    report = evaluate_multilabel(yt, ys, names, threshold=args.threshold, ids=ids)
    report.summary["missing_predictions"] = missing
    return report


@_eval_guard
def run_eval_shots(args: argparse.Namespace) -> Any:
    from hhikit.eval.shots import evaluate_shots, load_boundaries

    return evaluate_shots(load_boundaries(args.truth), load_boundaries(args.predictions), tolerance=args.tolerance)


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_pseudolabel,
    add_eval,
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
