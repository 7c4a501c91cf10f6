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


# ---------------------------------------------------------------- batch


def add_batch(sub: Any) -> None:
    p = sub.add_parser("batch", help="analyse a folder or manifest into one resumable JSON Lines file")
    p.add_argument("input", help="a folder (walked recursively), a manifest (one path per line, or CSV with a 'path' column)")
    p.add_argument("--out", required=True, type=Path, help="results file (JSON Lines); a rerun skips inputs it holds")
    p.add_argument("--workers", type=int, default=1, help="worker processes / Ray actors (0: in this process)")
    p.add_argument("--engine", choices=("local", "ray"), default="local")
    p.add_argument("--ray-address", default=None, help="an existing Ray cluster (e.g. HEAD:6379 or 'auto')")
    p.add_argument("--detector", default=None, help="person detector backend (see `hhi models list`)")
    p.add_argument("--detector-option", action="append", default=[], metavar="KEY=VALUE",
                   help="option of the detector backend (value parsed as JSON when it can be)")
    p.add_argument("--plugin", action="append", default=[], help="module to import in every worker first (registers backends)")
    p.add_argument("--threads", type=int, default=None, help="intra-op threads per worker (default 1 when workers > 1)")
    p.add_argument("--chunksize", type=int, default=4, help="inputs sent to a local worker at a time")
    p.add_argument("--fsync-every", type=float, default=1.0, help="seconds between fsyncs of the results file (0: every record)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--summary-json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=run_batch)


def _key_values(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def run_batch(args: argparse.Namespace) -> int:
    from hhikit.batch import BatchConfig, WorkerSpec
    from hhikit.batch import run_batch as batch
    from hhikit.errors import HHIError

    try:
        detector_options = _key_values(args.detector_option)
    except ValueError as exc:
        _print_err(f"--detector-option: {exc}")
        return 2
    cfg = BatchConfig(
        source=args.input,
        out=str(args.out),
        workers=args.workers,
        engine=args.engine,
        ray_address=args.ray_address,
        chunksize=args.chunksize,
        fsync_every=args.fsync_every,
        threads=args.threads,
        progress=not args.no_progress,
        spec=WorkerSpec(detector=args.detector, detector_options=detector_options, plugins=list(args.plugin)),
    )
    try:
        summary = batch(cfg)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    print(summary.text(), file=sys.stderr)
    if args.summary_json:
        print(json.dumps(summary.to_dict()))
    return 1 if summary.failed else 0


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_batch,
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
