"""`hhi video` and `hhi train video`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit.cli.common import _add_plugin_option, _group, fail
from hhikit.options import add_options, from_args
from hhikit.video.pipeline import VideoConfig

if TYPE_CHECKING:
    pass


def add_video(sub: Any) -> None:
    p = sub.add_parser("video", help="shots, transcript and interaction labels per clip of videos")
    p.add_argument("paths", nargs="+", help="video files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json/.srt/.vtt/.interactions.vtt/.png here")
    add_options(p, VideoConfig)  # every VideoConfig field, defined there once
    p.add_argument("--no-gate", action="store_true", help="shortcut for --shot-option gate=false (transnetv2)")
    _add_plugin_option(p)
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
    from hhikit.errors import HHIError, error_record
    from hhikit.registry import load_plugins
    from hhikit.types import VideoResult, dumps
    from hhikit.video.pipeline import VideoPipeline

    try:
        load_plugins(args.plugin)
        cfg = from_args(VideoConfig, args)
    except HHIError as exc:
        return fail(exc)
    if args.no_gate and cfg.shot_detector == "transnetv2":
        cfg.shot_options.setdefault("gate", False)
    try:
        pipe = VideoPipeline(cfg)
    except HHIError as exc:
        return fail(exc)
    failed = 0
    for path in args.paths:
        samples = None
        try:
            full = pipe.analyze_full(path)
            result, samples = full.result, full.samples
        except Exception as exc:  # one error policy; the video is never run a second time
            result = VideoResult(path=str(path), error=error_record(exc, path))
        failed += result.error is not None
        print(dumps(result) if args.json else _video_summary(result), flush=True)
        if args.out:
            from hhikit.video.writers import write_outputs

            written = write_outputs(result, args.out, samples)
            if not args.json:
                print("  wrote " + ", ".join(str(p) for p in written))
    return 1 if failed else 0


def add_train_video(sub: Any) -> None:
    p = _group(sub, "train", "train models").add_parser(
        "video", help="train the video fusion classifier on a clips manifest"
    )
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
        return fail(exc)
    print(
        f"checkpoint {res['checkpoint']}; loss "
        + " -> ".join(f"{v:.4f}" for v in res["history"][:1] + res["history"][-1:])
    )
    return 0
