"""`hhi batch`: a folder or manifest into one resumable JSON Lines file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit.cli.common import _add_pipeline_options, _pipeline_config, _print_err

if TYPE_CHECKING:
    pass


def add_batch(sub: Any) -> None:
    p = sub.add_parser("batch", help="analyse a folder or manifest into one resumable JSON Lines file")
    p.add_argument(
        "input", help="a folder (walked recursively), a manifest (one path per line, or CSV with a 'path' column)"
    )
    p.add_argument("--out", required=True, type=Path, help="results file (JSON Lines); a rerun skips inputs it holds")
    p.add_argument("--workers", type=int, default=1, help="worker processes / Ray actors (0: in this process)")
    p.add_argument("--engine", choices=("local", "ray"), default="local")
    p.add_argument("--ray-address", default=None, help="an existing Ray cluster (e.g. HEAD:6379 or 'auto')")
    _add_pipeline_options(p)
    p.add_argument("--threads", type=int, default=None, help="intra-op threads per worker (default 1 when workers > 1)")
    p.add_argument("--chunksize", type=int, default=4, help="inputs sent to a local worker at a time")
    p.add_argument(
        "--fsync-every", type=float, default=1.0, help="seconds between fsyncs of the results file (0: every record)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--summary-json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    from hhikit.batch import BatchConfig, WorkerSpec
    from hhikit.batch import run_batch as batch
    from hhikit.errors import HHIError
    from hhikit.io.safeopen import shown, shown_lines

    try:
        pipeline = _pipeline_config(args)
    except HHIError as exc:
        _print_err(str(exc))
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
        spec=WorkerSpec(pipeline=pipeline, plugins=list(args.plugin)),
    )
    try:
        summary = batch(cfg)
    except HHIError as exc:
        _print_err(shown(str(exc)))
        return 2
    except OSError as exc:  # anything the runner did not name itself: still one line
        _print_err(shown(f"{args.out}: {exc.strerror or exc}"))
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
