"""`hhi video` and `hhi train video`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hhikit.cli.common import _add_plugin_option, _group, _print_err, fail
from hhikit.options import add_options, from_args
from hhikit.video.pipeline import VideoConfig


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
    if "scene_labels" in r.extra:  # the ICCCI model labels the whole video as one scene
        scene = ", ".join(f"{k} {v:.2f}" for k, v in sorted(r.extra["scene_labels"].items(), key=lambda kv: -kv[1]))
        lines.append(f"  scene (ICCCI): {', '.join(r.extra['scene_predicted']) or 'nothing above threshold'} [{scene}]")
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
    from hhikit.io.outputs import OutputNames, utf8_json
    from hhikit.io.safeopen import shown, shown_lines
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
    names = OutputNames()
    for path in args.paths:
        samples = None
        try:
            full = pipe.analyze_full(path)
            result, samples = full.result, full.samples
        except Exception as exc:  # one error policy; the video is never run a second time
            result = VideoResult(path=str(path), error=error_record(exc, path))
        failed += result.error is not None
        # JSON as valid UTF-8 whatever the file name; summaries with control characters escaped
        print(utf8_json(dumps(result)) if args.json else shown_lines(_video_summary(result)), flush=True)
        if args.out:
            from hhikit.video.writers import write_outputs

            try:  # same-named inputs of one run get distinct files
                written = write_outputs(result, args.out, samples, stem=names.stem(path))
            except OSError as exc:
                _print_err(f"{args.out}: cannot write results ({exc.strerror or exc})")
                return 2
            if not args.json:
                print(shown("  wrote " + ", ".join(str(p) for p in written)), flush=True)
    return 1 if failed else 0


def add_train_video(sub: Any) -> None:
    from hhikit.train.video import ICCCITrainConfig

    p = _group(sub, "train", "train models").add_parser(
        "video", help="train a video classifier: the ICCCI paper's model (--model iccci) or hhikit's own"
    )
    p.add_argument("--model", choices=["hhikit", "iccci"], default="hhikit",
                   help="iccci: the paper's MultimodalLSTM on BERT/AST/ViViT scene sequences; hhikit: the project's own")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("runs/video"), help="checkpoint folder (last.pt, card.json)")
    add_options(p, ICCCITrainConfig)  # defined once there; the hhikit model reads the shared ones
    p.add_argument("--no-visual", action="store_true", help="hhikit: skip people detection when extracting features")
    p.set_defaults(func=run_train_video)


def run_train_video(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.options import given
    from hhikit.train.video import ICCCITrainConfig

    try:
        if args.model == "iccci":
            from hhikit.train.video import train_iccci

            res = train_iccci(args.out, from_args(ICCCITrainConfig, args))
        else:
            v = given(args, ICCCITrainConfig)
            if not v.get("manifest"):
                _print_err("hhi train video --model hhikit needs --manifest")
                return 2
            from hhikit.train.video import train_video
            from hhikit.video.pipeline import VideoConfig, VideoPipeline

            pipe = VideoPipeline(VideoConfig(visual=not args.no_visual))
            res = train_video(v["manifest"], args.out, pipe, epochs=v.get("epochs", 20), batch_size=v.get("batch_size", 8),
                              lr=v.get("lr", 3e-5), hidden=v.get("hidden_dim", 64), resume=v.get("resume", True))  # fmt: skip
    except HHIError as exc:
        return fail(exc)
    loss = res["history"]["loss"] if isinstance(res["history"], dict) else res["history"]
    print(f"checkpoint {res['checkpoint']}; loss " + " -> ".join(f"{v:.4f}" for v in loss[:1] + loss[-1:]))
    return 0
