"""`hhi train interactiveness` and `hhi eval interactiveness`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hhikit.cli.common import _group, _print_err, fail


def add_interactiveness(sub: Any) -> None:
    t = _group(sub, "train", "train a model").add_parser(
        "interactiveness",
        help="train the pair interactiveness model (V-COCO human-object pairs; HICO-DET training files)",
    )
    t.add_argument(
        "--vcoco",
        nargs="+",
        default=[],
        type=Path,
        help="V-COCO instance files to learn from (e.g. train and val; the last is held out to choose the NIS threshold)",
    )
    t.add_argument(
        "--hicodet",
        nargs="+",
        default=[],
        type=Path,
        help="HICO-DET training instance files (e.g. instances_train2015.json; never the test split): explicit "
        "no_interaction negatives and human-human pairs; 20%% of their images are held out to choose the IoU prior "
        "weight and the NIS threshold on human-human pairs",
    )
    t.add_argument(
        "--hicodet-objects",
        choices=("all", "person", "non-person"),
        default="all",
        help="which HICO-DET pairs to learn from: all, human-human only, or human-object only (TIN's transfer)",
    )
    t.add_argument("--out", type=Path, default=None, help="weights file (default: the packaged geometry weights)")
    t.add_argument("--model", choices=("geometry", "tin"), default="geometry")
    t.add_argument("--recall", type=float, default=0.95, help="NIS threshold keeps this recall on the held-out file")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=run_train_interactiveness)
    e = _group(sub, "eval", "evaluate a model on a benchmark").add_parser(
        "interactiveness", help="AP of pair interactiveness vs single-geometry heuristics (ground-truth boxes)"
    )
    e.add_argument("--hicodet", type=Path, help="HICO-DET instances_test2015.json (person-person pairs)")
    e.add_argument("--vcoco", type=Path, help="a V-COCO instances file (human-object pairs), e.g. the test split")
    e.add_argument("--per-item", type=Path, help="write one JSON line per pair here")
    e.add_argument("--model", default=None, help="interactiveness model (default geometry)")
    e.add_argument("--weights", type=Path, default=None, help="weights file of the model")
    e.add_argument("--nis-threshold", type=float, default=None, help="threshold for the NIS figures")
    e.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="N paired image resamples: 95%% intervals of the model's AP, the best heuristic's and their difference",
    )
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=run_eval_interactiveness)


def run_train_interactiveness(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.interactiveness import default_out, report_json, train_interactiveness

    if not args.vcoco and not args.hicodet:
        _print_err("give --vcoco FILE... and/or --hicodet FILE...")
        return 2
    try:
        out = args.out or default_out(args.model)
        report = train_interactiveness(
            args.vcoco,
            out,
            model=args.model,
            target_recall=args.recall,
            seed=args.seed,
            hicodet=args.hicodet,
            hicodet_objects=args.hicodet_objects,
        )
    except HHIError as exc:
        return fail(exc)
    print(report_json(report))
    return 0


def run_eval_interactiveness(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.eval.interactiveness import evaluate_interactiveness, format_report
    from hhikit.pairs import get_interactiveness

    if args.hicodet is None and args.vcoco is None:
        _print_err("give --hicodet FILE and/or --vcoco FILE")
        return 2
    try:
        model = get_interactiveness(args.model, **({"weights": args.weights} if args.weights else {}))
        report = evaluate_interactiveness(
            model, args.hicodet, args.vcoco, args.per_item, args.nis_threshold, bootstrap=args.bootstrap
        )
    except HHIError as exc:
        return fail(exc)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
