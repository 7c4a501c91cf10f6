"""What every subcommand module of ``hhi`` shares: messages, command groups, pipeline options."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit.options import add_options, from_args
from hhikit.options import parse_key_values as parse_key_values

if TYPE_CHECKING:
    from hhikit.pipeline import PipelineConfig


def _print_err(msg: str) -> None:
    """One message on stderr; file names in it are shown with control characters escaped."""
    from hhikit.io.safeopen import shown

    print(f"hhi: {shown(msg)}", file=sys.stderr)


# The one table of exit codes, applied by every subcommand (documented in README.md).
EXIT_OK = 0  # every input gave a result
EXIT_FAILED = 1  # some inputs failed (each has an error record or message), or a run failed on its data
EXIT_USAGE = 2  # bad usage or configuration: unknown option or backend, a model not set up; results cannot be written


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that stops on ``exc``."""
    from hhikit.errors import ConfigError, ModelUnavailable, OutputError

    return EXIT_USAGE if isinstance(exc, ConfigError | ModelUnavailable | OutputError) else EXIT_FAILED


def fail(exc: BaseException) -> int:
    """Print ``exc`` as one line (the error policy's message) and return its exit code."""
    from hhikit.errors import error_record

    _print_err(error_record(exc)["message"])
    return exit_code(exc)


# Nested command groups (``hhi train ...``, ``hhi eval ...``) shared by several areas: the
# first add_* that needs a group creates it, later ones add their subcommand to it.
_GROUPS: dict[str, Any] = {}


def _group(sub: Any, name: str, help: str) -> Any:
    if name not in _GROUPS or _GROUPS[name][0] is not sub:
        p = sub.add_parser(name, help=help)
        _GROUPS[name] = (sub, p.add_subparsers(dest=f"{name}_cmd", required=True))
    return _GROUPS[name][1]


def _add_pipeline_options(p: Any) -> None:
    """Every option of the image pipeline, from ``PipelineConfig`` (defined there once), shared
    by analyze and batch so one configuration tried on a few images runs unchanged on a whole
    corpus; plus two shortcuts and ``--plugin``."""
    from hhikit.pipeline import PipelineConfig

    add_options(p, PipelineConfig)
    p.add_argument("--ocr", action="store_true", help="shortcut for --describer-option ocr=true (default describer)")
    p.add_argument(
        "--interactiveness-weights", type=Path, default=None, help="shortcut for --interactiveness-option weights=PATH"
    )
    _add_plugin_option(p)


def _add_plugin_option(p: Any) -> None:
    p.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="module imported before the pipeline is built (in every batch worker): registers extra backends",
    )


def _pipeline_config(args: argparse.Namespace) -> PipelineConfig:
    """The ``PipelineConfig`` of the options added by ``_add_pipeline_options``. Raises
    ``ConfigError`` for a malformed ``--detector-option``; values are checked by
    ``PipelineConfig.check`` (the pipeline and the batch runner call it)."""
    from hhikit.pipeline import PipelineConfig

    cfg = from_args(PipelineConfig, args, check=False)
    if getattr(args, "ocr", False) and (cfg.describer or "").startswith("default"):
        cfg.describer_options.setdefault("ocr", True)  # scene text is a cue of the default describer only
    if getattr(args, "interactiveness_weights", None) is not None:
        cfg.interactiveness_options.setdefault("weights", args.interactiveness_weights)
    return cfg
