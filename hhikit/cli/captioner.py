"""`hhi train captioner`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhikit.cli.common import _group, _print_err, fail

if TYPE_CHECKING:
    pass


def add_train(sub: Any) -> None:
    tsub = _group(sub, "train", "train a model")
    c = tsub.add_parser("captioner", help="train an interaction captioner (the paper's recipe by default)")
    c.add_argument(
        "--data", required=True, type=Path,
        help="manifest: CSV/JSONL with image, text, weight; or the paper's phhi.csv (id, pseudolabel, weight)",
    )  # fmt: skip
    c.add_argument("--images", type=Path, help="image directory of an id manifest: DIR/<id>/image.jpg (Who's Waldo)")
    c.add_argument(
        "--recipe", default="paper", choices=["paper", "hhikit"],
        help="paper: its loss, targets and uniform sampling; hhikit: whole-text targets, loss over real tokens, epochs",
    )  # fmt: skip
    c.add_argument("--out", required=True, type=Path, help="output directory (checkpoints and the final model)")
    c.add_argument("--kind", default=None, choices=["encdec", "clipcap"], help="default: encdec, or that of --init")
    c.add_argument(
        "--init", type=Path,
        help="start from a captioner directory, the paper's Lightning .ckpt or CLIPCap's .pt (with --clip, --gpt2)",
    )  # fmt: skip
    c.add_argument("--clip", type=Path, help="pretrained CLIP directory (Hugging Face layout)")
    c.add_argument("--gpt2", type=Path, help="pretrained GPT-2 directory (Hugging Face layout)")
    c.add_argument("--epochs", type=int, default=1)
    c.add_argument("--max-steps", type=int, default=None)
    c.add_argument("--batch-size", type=int, default=16)
    c.add_argument("--lr", type=float, default=1e-5)
    c.add_argument("--weight-decay", type=float, default=0.1)
    c.add_argument("--save-every", type=int, default=500)
    c.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    c.set_defaults(func=run_train_captioner)


def run_train_captioner(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.captioner import train_captioner

    try:
        rep = train_captioner(
            args.data, args.out, init=args.init, kind=args.kind, clip_dir=args.clip, gpt2_dir=args.gpt2,
            epochs=args.epochs, max_steps=args.max_steps, batch_size=args.batch_size, lr=args.lr,
            weight_decay=args.weight_decay, save_every=args.save_every, resume=args.resume,
            recipe=args.recipe, images_dir=args.images,
        )  # fmt: skip
    except HHIError as exc:
        return fail(exc)
    for msg in rep.skipped[:10]:
        _print_err(f"skipped: {msg}")
    last = f", last loss {rep.losses[-1]:.4f}" if rep.losses else ""
    print(f"trained {rep.steps} steps over {rep.epochs} epochs{last}; model in {rep.out_dir}")
    return 0
