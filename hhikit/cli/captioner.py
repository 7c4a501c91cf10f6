"""`hhi train captioner`."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from hhikit.cli.common import _group, _print_err, fail
from hhikit.options import add_options, from_args


def add_train(sub: Any) -> None:
    from hhikit.train.captioner import CaptionerTrainConfig

    tsub = _group(sub, "train", "train a model")
    c = tsub.add_parser("captioner", help="train an interaction captioner (the paper's recipe by default)")
    c.add_argument(
        "--data", required=True, type=Path,
        help="manifest: CSV/JSONL with image, text, weight; or the paper's phhi.csv (id, pseudolabel, weight)",
    )  # fmt: skip
    c.add_argument("--out", required=True, type=Path, help="output directory (checkpoints and the final model)")
    add_options(c, CaptionerTrainConfig)  # defined once there
    c.set_defaults(func=run_train_captioner)


def run_train_captioner(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.captioner import CaptionerTrainConfig, train_captioner

    try:
        cfg = from_args(CaptionerTrainConfig, args)
        rep = train_captioner(args.data, args.out, **dataclasses.asdict(cfg))
    except HHIError as exc:
        return fail(exc)
    for msg in rep.skipped[:10]:
        _print_err(f"skipped: {msg}")
    last = f", last loss {rep.losses[-1]:.4f}" if rep.losses else ""
    print(f"trained {rep.steps} steps over {rep.epochs} epochs{last}; model in {rep.out_dir}")
    return 0
