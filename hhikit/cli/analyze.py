"""`hhi analyze`: people and their interactions in images."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hhikit.cli.common import _add_pipeline_options, _pipeline_config, _print_err, fail


def add_analyze(sub: Any) -> None:
    p = sub.add_parser("analyze", help="find people and their interactions in images")
    p.add_argument("paths", nargs="+", help="image files")
    p.add_argument("--json", action="store_true", help="one JSON record per input per line on stdout")
    p.add_argument("--out", type=Path, help="write <stem>.json and an annotated <stem>.png per image here")
    p.add_argument(
        "--hoi-out", type=Path, help="write the HOI triplets (NIS-kept) as `hhi eval hoi` predictions (JSON Lines)"
    )
    _add_pipeline_options(p)
    p.set_defaults(func=run_analyze)


def _summary(result: Any) -> str:
    if result.error:
        return f"{result.path}: ERROR {result.error['type']}: {result.error['message']}"
    n = len(result.people)
    lines = [f"{result.path}: {result.width}x{result.height}, {n} {'person' if n == 1 else 'people'}"]
    for p in result.people:
        kp = "" if p.keypoints is None else f", {int((p.keypoints[:, 2] >= 0.2).sum())} keypoints"
        face = ", face" if p.face is not None else ""
        box = ", ".join(f"{v:.0f}" for v in p.box)
        lines.append(f"  person #{p.id}: box [{box}] score {p.score:.2f}{kp}{face}")
    for pr in result.pairs:
        state = "suppressed" if pr.suppressed else "interacting"
        lines.append(f"  pair #{pr.a}-#{pr.b}: interactiveness {pr.interactiveness:.2f} ({state})")
        for it in pr.interactions[:3]:
            lines.append(f"    {it.text}  {it.score:.2f}  [{'; '.join(it.cues)}]")
    for h in result.hois[:12]:
        state = "NIS suppressed" if h.suppressed else f"score {h.score:.2f}"
        lines.append(
            f"  hoi: person #{h.person} {h.label} -> {h.object_name} #{h.object} ({state}, "
            f"interactiveness {h.interactiveness:.2f}) [{'; '.join(h.cues)}]"
        )
    if len(result.hois) > 12:
        lines.append(f"  ... {len(result.hois) - 12} more HOI triplets in the JSON record")
    if result.interactions:
        lines.append("  image: " + " | ".join(f"{i.text} ({i.score:.2f})" for i in result.interactions[:3]))
    t = sum(result.timings.values())
    lines.append(
        f"  time {t * 1000:.0f} ms (" + ", ".join(f"{k} {v * 1000:.0f}" for k, v in result.timings.items()) + ")"
    )
    return "\n".join(lines)


def run_analyze(args: argparse.Namespace) -> int:
    from hhikit.batch.worker import load_plugins
    from hhikit.errors import HHIError
    from hhikit.io.atomic import atomic_write_text
    from hhikit.io.draw import annotate, save_png
    from hhikit.io.images import read_image
    from hhikit.io.outputs import OutputNames, utf8_json
    from hhikit.io.safeopen import shown, shown_lines
    from hhikit.pipeline import Pipeline
    from hhikit.types import dumps

    try:
        load_plugins(args.plugin)
        pipe = Pipeline(_pipeline_config(args))
    except HHIError as exc:
        return fail(exc)
    failed = 0
    hoi_rows_all: list[dict[str, Any]] = []
    names = OutputNames()
    for path in args.paths:
        result = pipe.analyze(path)
        if args.hoi_out is not None:
            from hhikit.hoi.image import hoi_rows

            hoi_rows_all += hoi_rows(result)
        failed += result.error is not None
        # JSON as valid UTF-8 whatever the file name; summaries with control characters escaped
        print(utf8_json(dumps(result)) if args.json else shown_lines(_summary(result)), flush=True)
        if args.out and result.error is None:
            stem = names.stem(path)  # same-named inputs of one run get distinct files
            js, png = args.out / f"{stem}.json", args.out / f"{stem}.png"
            try:
                args.out.mkdir(parents=True, exist_ok=True)
                atomic_write_text(js, utf8_json(dumps(result)) + "\n")
                save_png(str(png), annotate(read_image(path), result))
            except OSError as exc:
                _print_err(f"{args.out}: cannot write results ({exc.strerror or exc})")
                return 2
            if not args.json:
                print(shown(f"  wrote {js} and {png}"), flush=True)
    if args.hoi_out is not None:
        from hhikit.eval.hoi import write_hoi_predictions

        try:
            n = write_hoi_predictions(hoi_rows_all, args.hoi_out)
        except OSError as exc:
            _print_err(f"{args.hoi_out}: cannot write HOI detections ({exc.strerror or exc})")
            return 2
        if not args.json:
            print(shown(f"wrote {n} HOI detections to {args.hoi_out}"), flush=True)
    if failed and not args.json:
        _print_err(f"{failed} of {len(args.paths)} inputs failed")
    return 1 if failed else 0
