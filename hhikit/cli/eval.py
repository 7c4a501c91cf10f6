"""`hhi eval ...`: benchmark metrics."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hhikit.cli.common import _group, fail
from hhikit.eval.options import HOIEvalOptions, WaldoEvalOptions
from hhikit.options import add_options, from_args


def add_eval(sub: Any) -> None:
    esub = _group(sub, "eval", "evaluate predictions: Waldo and Wenda, imSitu-HHI, HOI mAP, interactiveness, ...")

    def common(q: Any) -> None:
        q.add_argument("--out", type=Path, help="write report.json, report.md and items.jsonl here")
        q.add_argument(
            "--json", action="store_true", help="print the JSON report (one line) instead of the Markdown table"
        )

    def text_metric(name: str, help: str, truth: str, truth_help: str) -> Any:
        """A parser of the text metrics: --predictions, the truth file, --glove (then -k)."""
        q = esub.add_parser(name, help=help)
        q.add_argument("--predictions", type=Path, required=True, help="JSONL: image records or {id, predictions}")
        q.add_argument(truth, type=Path, required=True, help=truth_help)
        q.add_argument("--glove", type=Path, help="GloVe text / word2vec file (default: packaged GloVe 6B 50-d)")
        return q

    def top_k(q: Any) -> None:
        q.add_argument("-k", type=int, nargs="+", default=[1, 5, 8])
        common(q)

    w = text_metric("waldo", "Waldo and Wenda text metrics at k = 1, 5, 8", "--labels",
                    "labels CSV: source,id,label,caption,url")  # fmt: skip
    w.add_argument("--bleurt", type=Path, help="local BLEURT checkpoint directory")
    w.add_argument("--nli", type=Path, help="local NLI model directory (transformers sequence classification)")
    w.add_argument("--no-minilm", action="store_true", help="skip the MiniLM sentence similarity")
    add_options(w, WaldoEvalOptions)  # --verb, defined once in hhikit.eval.options
    top_k(w)
    w.set_defaults(func=run_eval_waldo)

    im = text_metric("imsitu", "imSitu-HHI verb similarity and accuracy", "--ids",
                     "imsitu-hhi.txt (one id like admiring_0 per line)")  # fmt: skip
    top_k(im)
    im.set_defaults(func=run_eval_imsitu)

    h = esub.add_parser(
        "hoi",
        help="HICO-DET mAP (Default, Known Object) or V-COCO role and agent AP, as the "
        "official evaluation code computes them",
    )
    g = h.add_mutually_exclusive_group(required=True)
    g.add_argument("--hicodet", type=Path, help="HICO-DET annotation JSON (instances_test2015.json layout)")
    g.add_argument("--vcoco", type=Path, help="V-COCO annotation JSON (instances_vcoco_test.json layout)")
    h.add_argument("--predictions", type=Path, help="JSONL, one detection per line: image, box_h, box_o, hoi, score")
    h.add_argument("--gt-as-predictions", type=Path, metavar="OUT", help="write the ground truth as predictions")
    h.add_argument("--interactiveness", action="store_true", help="class-agnostic interactiveness AP instead")
    add_options(h, HOIEvalOptions)  # --iou, --count-empty/--no-count-empty, --train: hhikit.eval.options
    h.add_argument("--ignore-empty", dest="count_empty", action="store_const", const=False, default=argparse.SUPPRESS,
                   help="same as --no-count-empty (HICO-DET: not the official protocol)")  # fmt: skip
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
            return fail(exc)
        return 0 if report is None else _emit_report(report, args)

    return run


@_eval_guard
def run_eval_waldo(args: argparse.Namespace) -> Any:
    from hhikit.eval.waldo import evaluate_waldo, load_waldo_labels, load_waldo_predictions

    labels = load_waldo_labels(args.labels)
    preds = load_waldo_predictions(args.predictions)
    o = from_args(WaldoEvalOptions, args)
    return evaluate_waldo(preds, labels, k=args.k, verb=o.verb, glove=args.glove, bleurt=args.bleurt,
                          nli=args.nli, sentence=not args.no_minilm)  # fmt: skip


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
    from hhikit.errors import ConfigError
    from hhikit.eval import hoi

    o = from_args(HOIEvalOptions, args)
    gt = hoi.load_hoi_ground_truth(args.hicodet, args.vcoco, o.train)
    if args.gt_as_predictions:
        rows = hoi.gt_as_predictions(hoi.interactive_pairs(gt) if args.interactiveness else gt)
        n = hoi.write_hoi_predictions(rows, args.gt_as_predictions)
        print(f"wrote {n} detections to {args.gt_as_predictions}", file=sys.stderr)
        if not args.predictions:
            return None
    if not args.predictions:
        raise ConfigError("give --predictions FILE (or --gt-as-predictions OUT)")  # usage: exit 2
    det = hoi.read_hoi_predictions(args.predictions)
    with warnings.catch_warnings(record=True) as caught:  # one line each on stderr; also in the report
        warnings.simplefilter("always")
        if args.interactiveness:
            rep = hoi.evaluate_interactiveness(gt, det, convention=o.iou, count_empty=bool(o.count_empty))
        elif gt.dataset == "vcoco":
            rep = hoi.evaluate_vcoco(gt, det, convention=o.iou)  # type: ignore[arg-type]
        else:
            rep = hoi.evaluate_hicodet(gt, det, convention=o.iou, count_empty=o.count_empty is not False)  # type: ignore[arg-type]
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return rep


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
