"""`hhi batch`: a folder or manifest into one resumable JSON Lines file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hhikit.cli.common import _add_pipeline_options, _pipeline_config, _print_err, fail
from hhikit.options import add_options, from_args, given


def add_batch(sub: Any) -> None:
    p = sub.add_parser("batch", help="analyse a folder or manifest into one resumable JSON Lines file")
    p.add_argument(
        "input", help="a folder (walked recursively), a manifest (one path per line, or CSV with a 'path' column)"
    )
    p.add_argument("--out", required=True, type=Path, help="results file (JSON Lines); a rerun skips inputs it holds")
    from hhikit.batch import BatchConfig

    add_options(p, BatchConfig)  # workers, engine, threads, ...: defined once in BatchConfig
    _add_pipeline_options(p)
    from hhikit.video.pipeline import VideoConfig

    add_options(
        p, VideoConfig, prefix="video-", group="videos in the batch (VideoConfig; detector: the images' by default)"
    )
    p.add_argument("--summary-json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    from hhikit.batch import BatchConfig, WorkerSpec
    from hhikit.batch import run_batch as batch
    from hhikit.errors import HHIError
    from hhikit.io.safeopen import shown_lines
    from hhikit.video.pipeline import VideoConfig

    try:
        pipeline = _pipeline_config(args)
        video_options = given(args, VideoConfig, prefix="video-")  # only what was set: defaults stay VideoConfig's
    except HHIError as exc:
        return fail(exc)
    try:
        cfg = from_args(BatchConfig, args, source=args.input, out=str(args.out),
                        spec=WorkerSpec(pipeline=pipeline, plugins=list(args.plugin), video_options=video_options))  # fmt: skip
        summary = batch(cfg)
    except HHIError as exc:
        return fail(exc)
    except OSError as exc:  # anything the runner did not name itself: still one line
        _print_err(f"{args.out}: {exc.strerror or exc}")
        return 2
    print(shown_lines(summary.text()), file=sys.stderr)
    if args.summary_json:
        try:
            print(json.dumps(summary.to_dict()), flush=True)
        except BrokenPipeError:
            pass
    if summary.interrupted:
        return 130
    return 1 if summary.failed else 0
