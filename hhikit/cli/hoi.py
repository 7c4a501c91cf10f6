"""`hhi hoi predict`, `hhi train hoi-spatial` and `hhi train hoi` (TIN's HOI detection)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hhikit.cli.common import _group, _print_err, fail


def add_hoi(sub: Any) -> None:
    h = sub.add_parser("hoi", help="human-object interaction detection (TIN)")
    hs = h.add_subparsers(dest="hoi_cmd", required=True)
    p = hs.add_parser(
        "predict", help="score the ground-truth pairs of an annotation file (oracle detection) in `hhi eval hoi` format"
    )
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--vcoco", type=Path, help="V-COCO annotation file (e.g. instances_vcoco_test.json)")
    g.add_argument("--hicodet", type=Path, help="HICO-DET annotation file (instances_test2015.json layout)")
    p.add_argument("--gt-boxes", action="store_true", required=True,
                   help="oracle detection: every annotated human box with every annotated object box of an image")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="JSON Lines: image, box_h, box_o, hoi, score")
    p.add_argument("--model", default=None, help="HOI model: tin-spatial (default, packaged) | tin | prior")
    p.add_argument("--weights", type=Path, default=None, help="weights of the model (default: packaged)")
    p.add_argument("--prior-from", type=Path, nargs="+", default=[],
                   help="--model prior: training annotation files the class frequencies come from")  # fmt: skip
    p.add_argument("--no-nis", action="store_true", help="skip Non-Interaction Suppression")
    p.set_defaults(func=run_hoi_predict)

    t = _group(sub, "train", "train a model").add_parser(
        "hoi-spatial", help="train the offline HOI model (TIN spatial stream + discriminator) from box annotations"
    )
    tg = t.add_mutually_exclusive_group(required=True)
    tg.add_argument("--vcoco", type=Path, nargs="+", help="V-COCO files: train ..., then val (selection)")
    tg.add_argument("--hicodet", type=Path, nargs="+", help="HICO-DET training files (20%% of images for selection)")
    t.add_argument("--out", type=Path, required=True, help="weights file to write")
    t.add_argument("--report", type=Path, default=None, help="write the training report (JSON) here")
    t.add_argument("--epochs", type=int, default=5, help="epochs (the packaged model: 5, best chosen on val)")
    t.add_argument("--width", type=int, default=128, help="hidden width (TIN: 1024)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=run_train_hoi_spatial)

    f = _group(sub, "train", "train a model").add_parser(
        "hoi", help="train the full TIN network (ResNet-50 + human, object, spatial streams) on images"
    )
    fg = f.add_mutually_exclusive_group(required=True)
    fg.add_argument("--vcoco", type=Path, help="V-COCO training annotation file")
    fg.add_argument("--hicodet", type=Path, help="HICO-DET training annotation file")
    f.add_argument("--images", type=Path, required=True, help="folder of the annotation file's images")
    f.add_argument("--backbone", type=Path, default=None,
                   help="local Hugging Face ResNet directory (transformers ResNetModel); none: random init")  # fmt: skip
    f.add_argument("--out", type=Path, required=True, help="checkpoint file to write")
    f.add_argument("--epochs", type=int, default=1)
    f.add_argument("--lr", type=float, default=1e-3)
    f.add_argument("--max-images", type=int, default=None)
    f.add_argument("--seed", type=int, default=0)
    f.set_defaults(func=run_train_hoi)


def run_hoi_predict(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.eval.hoi import write_hoi_predictions
    from hhikit.hoi.data import concat_pairs, load_hoi_pairs
    from hhikit.hoi.predict import model_scores, prior_scores, rows_from_scores

    try:
        pairs = load_hoi_pairs(args.vcoco, args.hicodet, mode="all")
        if args.model == "prior":
            if not args.prior_from:
                _print_err("--model prior needs --prior-from TRAIN_FILE...")
                return 2
            loader = "vcoco" if args.vcoco else "hicodet"
            train = concat_pairs([load_hoi_pairs(**{loader: f}, mode="all") for f in args.prior_from])
            scores = prior_scores(train, pairs)
            n_sup, inter_ap = 0, None
        else:
            from hhikit.hoi.models import get_hoi_model

            model = get_hoi_model(args.model, **({"weights": args.weights} if args.weights else {}))
            from hhikit.eval.ap import average_precision

            scores, p_bin, mask = model_scores(model, pairs, nis=not args.no_nis)
            n_sup = int(mask.sum())
            inter_ap = average_precision(pairs.interactive, p_bin[:, 0]) if pairs.interactive.any() else None
        n = write_hoi_predictions(rows_from_scores(pairs, scores), args.out)
    except HHIError as exc:
        return fail(exc)
    except ValueError as exc:  # a model whose classes are not the file's
        _print_err(str(exc))
        return 1
    print(f"{n} detections ({len(pairs)} ground-truth box pairs x {scores.shape[1]} classes, "
          f"{n_sup} pairs suppressed by NIS; oracle-detection setting) -> {args.out}")  # fmt: skip
    if inter_ap is not None:
        print(f"interactiveness AP of the discriminator on these {len(pairs)} pairs "
              f"({pairs.interactive.mean():.1%} interactive): {inter_ap:.4f}")  # fmt: skip
    return 0


def run_train_hoi_spatial(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.hoi.spatial import SpatialTrainConfig
    from hhikit.train.hoi import train_hoi_spatial

    cfg = SpatialTrainConfig(epochs=args.epochs, width=args.width, seed=args.seed, threads=1)
    try:
        _, rep = train_hoi_spatial(args.vcoco or (), args.hicodet or (), args.out, cfg, args.report)
    except HHIError as exc:
        return fail(exc)
    print(json.dumps(rep, indent=2))
    return 0


def run_train_hoi(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.train.tin import TINTrainConfig, train_tin_network

    cfg = TINTrainConfig(epochs=args.epochs, lr=args.lr, seed=args.seed, max_images=args.max_images)
    try:
        rep = train_tin_network(args.vcoco, args.hicodet, args.images, args.out, args.backbone, cfg)
    except HHIError as exc:
        return fail(exc)
    for msg in rep["skipped"][:10]:
        _print_err(f"skipped: {msg}")
    print(json.dumps({k: v for k, v in rep.items() if k != "skipped"}, indent=2))
    return 0
