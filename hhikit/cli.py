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


# ---------------------------------------------------------------- video


def add_video(sub: Any) -> None:
    p = sub.add_parser("video", help="shots, transcript and interaction labels per clip of videos")
    p.add_argument("paths", nargs="+", help="video files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json/.srt/.vtt/.interactions.vtt/.png here")
    p.add_argument("--shots", default="transnetv2", help="shot detector: transnetv2 (default) or adaptive")
    p.add_argument("--no-gate", action="store_true", help="run TransNetV2 on every window (slower)")
    p.add_argument("--clip-shots", type=int, default=3, help="shots per clip (default 3)")
    p.add_argument("--clip-stride", type=int, default=1, help="shots between clip starts (default 1)")
    p.add_argument("--sample-fps", type=float, default=1.0, help="frames per second given to the person detector")
    p.add_argument("--detector", default=None, help="person detector backend (default: the default detector)")
    p.add_argument("--no-visual", action="store_true", help="skip people detection")
    p.add_argument("--no-asr", action="store_true", help="skip speech recognition")
    p.add_argument("--whisper-dir", default=None, help="a local CTranslate2 Whisper folder (default: whisper-tiny.en)")
    p.add_argument("--weights", default=None, help="a fusion classifier checkpoint from `hhi train video`")
    p.add_argument("--threshold", type=float, default=0.6, help="classifier decision threshold")
    p.set_defaults(func=run_video)


def _video_summary(r: Any) -> str:
    if r.error:
        return f"{r.path}: ERROR {r.error['type']}: {r.error['message']}"
    lines = [f"{r.path}: {r.duration:.1f} s at {r.fps:.2f} fps, {len(r.shots)} shots, {len(r.clips)} clips"]
    for w in r.extra.get("warnings", []):
        lines.append(f"  warning: {w}")
    for s in r.transcript:
        lines.append(f"  [{s.start:6.1f}-{s.end:6.1f}] {s.text}")
    for i, c in enumerate(r.clips):
        labs = ", ".join(f"{lab.label} {lab.score:.2f}" for lab in c.labels)
        lines.append(f"  clip {i} [{c.start:.1f}-{c.end:.1f} s, shots {c.shots[0]}-{c.shots[-1]}]: {labs}")
        for lab in c.labels[:2]:
            for cue in lab.cues[:3]:
                lines.append(f"      {lab.label}: {cue}")
    lines.append("  time " + ", ".join(f"{k} {v:.2f}" for k, v in r.timings.items()) + " s")
    return "\n".join(lines)


def run_video(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.types import VideoResult, dumps
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    cfg = VideoConfig(
        shot_detector=args.shots, shot_options={"gate": False} if args.no_gate and args.shots == "transnetv2" else {},
        clip_shots=args.clip_shots, clip_stride=args.clip_stride, sample_fps=args.sample_fps, detector=args.detector,
        visual=not args.no_visual, asr=not args.no_asr, asr_model_dir=args.whisper_dir, weights=args.weights,
        threshold=args.threshold,
    )  # fmt: skip
    try:
        pipe = VideoPipeline(cfg)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    failed = 0
    for path in args.paths:
        samples = None
        try:
            full = pipe.analyze_full(path)
            result, samples = full.result, full.samples
        except HHIError as exc:
            from hhikit.errors import error_record

            result = VideoResult(path=str(path), error=error_record(exc))
        except Exception:
            result = pipe.analyze(path)
        failed += result.error is not None
        print(dumps(result) if args.json else _video_summary(result), flush=True)
        if args.out:
            from hhikit.video.writers import write_outputs

            written = write_outputs(result, args.out, samples)
            if not args.json:
                print("  wrote " + ", ".join(str(p) for p in written))
    return 1 if failed else 0


def _train_parsers(sub: Any) -> Any:
    """The ``hhi train`` subcommand's own subparsers (shared by every trainable model)."""
    p = sub.choices.get("train") if hasattr(sub, "choices") else None
    if p is None:
        p = sub.add_parser("train", help="train models")
        p.set_defaults(_train_sub=p.add_subparsers(dest="train_cmd", required=True))
    return p.get_default("_train_sub")


def add_train_video(sub: Any) -> None:
    p = _train_parsers(sub).add_parser("video", help="train the video fusion classifier on a clips manifest")
    p.add_argument("--manifest", required=True, type=Path, help="CSV with columns clip,labels (labels split by ;)")
    p.add_argument("--out", type=Path, default=Path("runs/video"), help="checkpoint folder (last.pt, history.json)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--no-resume", action="store_true", help="start over even if out/last.pt exists")
    p.add_argument("--no-visual", action="store_true", help="skip people detection when extracting features")
    p.set_defaults(func=run_train_video)


def run_train_video(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.video.classifier import train_video
    from hhikit.video.pipeline import VideoConfig, VideoPipeline

    try:
        pipe = VideoPipeline(VideoConfig(visual=not args.no_visual))
        res = train_video(args.manifest, args.out, pipe, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                          hidden=args.hidden, resume=not args.no_resume)  # fmt: skip
    except HHIError as exc:
        _print_err(str(exc))
        return 1
    print(f"checkpoint {res['checkpoint']}; loss " + " -> ".join(f"{v:.4f}" for v in res["history"][:1] + res["history"][-1:]))
    return 0


# ---------------------------------------------------------------- main

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_video,
    add_train_video,
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
