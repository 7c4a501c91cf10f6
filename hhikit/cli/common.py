"""What every subcommand module of ``hhi`` shares: messages, command groups, pipeline options."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hhikit.pipeline import PipelineConfig


def _print_err(msg: str) -> None:
    print(f"hhi: {msg}", file=sys.stderr)


# Nested command groups (``hhi train ...``, ``hhi eval ...``) shared by several areas: the
# first add_* that needs a group creates it, later ones add their subcommand to it.
_GROUPS: dict[str, Any] = {}


def _group(sub: Any, name: str, help: str) -> Any:
    if name not in _GROUPS or _GROUPS[name][0] is not sub:
        p = sub.add_parser(name, help=help)
        _GROUPS[name] = (sub, p.add_subparsers(dest=f"{name}_cmd", required=True))
    return _GROUPS[name][1]


def parse_key_values(items: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}`` (values parsed as JSON when they can be);
    ``ValueError`` for an item without ``=`` or key. Used by the CLI and the bench scripts."""
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


def _add_pipeline_options(p: Any) -> None:
    """Every option of the image pipeline (``PipelineConfig``), shared by analyze and batch
    so one configuration tried on a few images runs unchanged on a whole corpus."""
    p.add_argument("--detector", default=None, help="person detector backend (see `hhi models list`)")
    p.add_argument(
        "--detector-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="option of the detector backend, e.g. pose33=true (value parsed as JSON when it can be)",
    )
    p.add_argument("--describer", default="default", help="default | encdec:PATH | clipcap:PATH | clip:DIR | none")
    p.add_argument(
        "--describer-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="option of the describer, e.g. clip=DIR gpt2=DIR for a released checkpoint, beam=32",
    )
    p.add_argument("--ocr", action="store_true", help="default describer: use scene text (rapidocr) as a cue")
    p.add_argument("--interactiveness", default=None, help="pair interactiveness model: geometry (default) or tin")
    p.add_argument(
        "--interactiveness-weights", type=Path, default=None, help="weights file of the interactiveness model"
    )
    p.add_argument(
        "--nis-threshold",
        type=float,
        default=None,
        help="suppress pairs below this interactiveness, in [0, 1] (default: the model's, 95%% recall on V-COCO val)",
    )
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
    from hhikit.errors import ConfigError
    from hhikit.pipeline import PipelineConfig

    try:
        detector_options = parse_key_values(args.detector_option)
    except ValueError as exc:
        raise ConfigError(f"--detector-option: {exc}") from None
    try:
        describer_options = parse_key_values(getattr(args, "describer_option", []))
    except ValueError as exc:
        raise ConfigError(f"--describer-option: {exc}") from None
    describer = args.describer
    ocr = args.ocr and (describer or "").startswith("default")  # scene text is a cue of the default describer only
    weights = args.interactiveness_weights
    return PipelineConfig(
        detector=args.detector,
        detector_options=detector_options,
        describer=describer,
        describer_options={**describer_options, **({"ocr": True} if ocr else {})},
        interactiveness=args.interactiveness,
        interactiveness_options={"weights": weights} if weights else {},
        nis_threshold=args.nis_threshold,
    )
