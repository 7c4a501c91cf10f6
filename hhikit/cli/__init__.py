"""The ``hhi`` command. Each subcommand is a thin call into the API.

A subcommand lives in its own module of this package: ``add_<name>(subparsers)`` declares
its options and sets ``func`` to ``run_<name>(args) -> int``. Adding one is one module and
one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from hhikit import __version__
from hhikit.cli.analyze import add_analyze
from hhikit.cli.app import add_app, add_report
from hhikit.cli.batch import add_batch
from hhikit.cli.captioner import add_train
from hhikit.cli.common import EXIT_OK, _pipeline_config, _print_err, exit_code, fail, parse_key_values
from hhikit.cli.eval import add_eval
from hhikit.cli.export import add_export, add_import
from hhikit.cli.interactiveness import add_interactiveness
from hhikit.cli.models import add_models
from hhikit.cli.pseudolabel import add_pseudolabel
from hhikit.cli.video import add_train_video, add_video
from hhikit.errors import HHIError, debug_enabled, error_record, set_debug

__all__ = ["COMMANDS", "_pipeline_config", "build_parser", "main", "parse_key_values"]

COMMANDS: list[Callable[[Any], None]] = [
    add_analyze,
    add_models,
    add_batch,
    add_pseudolabel,
    add_eval,
    add_app,
    add_report,
    add_interactiveness,
    add_video,
    add_train_video,
    add_train,
    add_export,
    add_import,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hhi", description="Human-human interactions in images and videos.")
    parser.add_argument("--version", action="version", version=f"hhikit {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of every error (also in workers)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        set_debug(True)
    try:
        return int(args.func(args) or EXIT_OK)
    except KeyboardInterrupt:
        _print_err("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the one error policy: a line (and the traceback with --debug), an exit code
        if not isinstance(exc, HHIError) and not debug_enabled():
            _print_err(f"{error_record(exc)['message']} (an internal error: run with --debug for the traceback)")
            return exit_code(exc)
        return fail(exc)


if __name__ == "__main__":
    sys.exit(main())
