"""`hhi app` (web demo) and `hhi report` (HTML page of results)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hhikit.cli.common import _add_pipeline_options, _pipeline_config, _print_err, fail
from hhikit.options import add_options, from_mapping, given
from hhikit.registry import load_plugins


def add_app(sub: Any) -> None:
    p = sub.add_parser("app", help="start the web demo (Streamlit) on this machine")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--max-upload-mb", type=float, default=25.0, help="upload size limit in MB (1 MB = 1,000,000 bytes)")
    _add_pipeline_options(p)  # the demo runs what `hhi analyze` would, with the same options
    from hhikit.video.pipeline import VideoConfig

    add_options(p, VideoConfig, prefix="video-", group="videos (VideoConfig)")
    p.set_defaults(func=run_app)


def run_app(args: argparse.Namespace) -> int:
    """Run the server in its own process group with a private upload folder; SIGTERM or
    Ctrl-C ends the whole group and removes the folder (no orphan server, no leftover upload)."""
    import os
    import shutil
    import signal
    import tempfile

    from hhikit.app.server import start_app, stop_app
    from hhikit.app.settings import APP_CONFIG_ENV, encode
    from hhikit.errors import HHIError
    from hhikit.video.pipeline import VideoConfig

    try:
        load_plugins(args.plugin)
        pipeline = _pipeline_config(args)
        pipeline.check()
        video = given(args, VideoConfig, prefix="video-")
        from_mapping(VideoConfig, video)
    except HHIError as exc:
        return fail(exc)
    os.environ[APP_CONFIG_ENV] = encode(pipeline, video, args.plugin)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _print_err(f"warning: binding to {args.host}: the demo is reachable from other machines")
    print(f"hhikit demo on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    uploads = tempfile.mkdtemp(prefix="hhikit-app-")
    proc = None
    try:
        proc = start_app(args.host, args.port, args.max_upload_mb, upload_root=uploads, start_new_session=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal may not cut the clean-up short
        if proc is not None:
            stop_app(proc)
        shutil.rmtree(uploads, ignore_errors=True)
        signal.signal(signal.SIGTERM, old)


def add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="render results (JSON Lines) as a self-contained HTML page")
    p.add_argument("results", type=Path, help="JSON Lines of hhikit records")
    p.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    p.add_argument("--title", default="hhikit report")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from hhikit.errors import InputError
    from hhikit.io.jsonl import read_jsonl
    from hhikit.io.report import write_report

    try:
        out = write_report(read_jsonl(args.results), args.out, args.title)
    except InputError as exc:  # missing, a FIFO / folder (never read), a bad line: one line each
        _print_err(str(exc))
        return 2
    except (ValueError, KeyError) as exc:
        _print_err(f"{args.results}: not a file of hhikit records ({exc})")
        return 2
    print(f"wrote {out}")
    return 0
