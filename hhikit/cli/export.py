"""`hhi export` and `hhi import`: results into COCO, Label Studio, HOI detection files and
CSV, and Label Studio / COCO files back into records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hhikit.cli.common import _print_err

# The built-in formats, named here so building the parser imports nothing (a test checks
# them against the registry's ``export`` entries).
FORMATS = ("coco", "coco-detections", "csv", "hoi", "labelstudio")


def _path_options(p: Any) -> None:
    p.add_argument("--document-root", type=Path, default=None,
                   help="write image paths relative to this folder (Label Studio: its local-files document root)")  # fmt: skip
    p.add_argument("--image-root", default=None, metavar="PREFIX",
                   help="Label Studio: image URL = PREFIX + relative path (e.g. https://host/images/ or s3://bucket/) "
                        "instead of /data/local-files/?d=")  # fmt: skip


def add_export(sub: Any) -> None:
    p = sub.add_parser("export", help="results (JSON Lines) to COCO, Label Studio, HOI detections or CSV; streamed")
    p.add_argument("results", type=Path, nargs="+",
                   help="results files written by hhi analyze / batch / video (JSON Lines), read in order")  # fmt: skip
    p.add_argument("--to", required=True, metavar="FORMAT",
                   help=f"output format: {', '.join(FORMATS)} (or one a --plugin registers)")  # fmt: skip
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="module imported first: registers extra export formats")  # fmt: skip
    p.add_argument("--out", required=True, type=Path, help="output file (written atomically)")
    _path_options(p)
    p.add_argument("--copy-images", type=Path, default=None, metavar="DIR",
                   help="copy the images into DIR and reference the copies (default: reference, never copy)")  # fmt: skip
    p.add_argument("--keypoint-threshold", type=float, default=0.3,
                   help="a keypoint is visible (COCO v=2, a Label Studio keypoint) at this score or more")  # fmt: skip
    p.add_argument("--keypoints", action="store_true", help="Label Studio: keypointlabels regions for each person")
    p.add_argument("--include-suppressed", action="store_true",
                   help="Label Studio relations and HOI detections: keep pairs that suppression removed")  # fmt: skip
    p.add_argument("--all-interactions", action="store_true",
                   help="Label Studio: every interaction of the HHI vocabulary in <Relations> (not only those predicted)")  # fmt: skip
    p.add_argument("--hoi-relations", action="store_true",
                   help="Label Studio: also a person -> object relation per HOI triplet (labelled 'verb object')")  # fmt: skip
    p.add_argument("--config", type=Path, default=None, help="Label Studio: labelling config path (OUT.config.xml)")
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    import importlib

    from hhikit.errors import HHIError
    from hhikit.io.export import ExportOptions, export

    for mod in args.plugin:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            _print_err(f"--plugin {mod}: cannot import ({exc})")
            return 2
    options = ExportOptions(document_root=args.document_root, image_root=args.image_root,
                            copy_images=args.copy_images, keypoint_threshold=args.keypoint_threshold,
                            include_suppressed=args.include_suppressed, keypoints=args.keypoints,
                            config=args.config, all_interactions=args.all_interactions,
                            hoi_relations=args.hoi_relations)  # fmt: skip
    try:
        summary = export(args.results, args.to, args.out, options, on_problem=_print_err)
    except HHIError as exc:
        _print_err(str(exc))
        return 2
    except OSError as exc:
        _print_err(f"{exc.filename or args.out}: {exc.strerror or exc}")
        return 2
    print(summary.text(), file=sys.stderr)
    return 1 if summary.problems else 0


def add_import(sub: Any) -> None:
    p = sub.add_parser("import", help="a Label Studio export or a COCO file back into hhikit/1 records")
    p.add_argument("file", type=Path, help="Label Studio native JSON export, or a COCO dataset JSON")
    p.add_argument("--from", dest="source_format", required=True, choices=("labelstudio", "coco"))
    p.add_argument("--out", required=True, type=Path, help="records file (JSON Lines, written atomically)")
    p.add_argument("--source", choices=("auto", "annotations", "predictions"), default="auto",
                   help="Label Studio: read annotations (latest not cancelled), predictions, or annotations "
                        "when a task has one (auto)")  # fmt: skip
    _path_options(p)
    p.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from hhikit.errors import HHIError
    from hhikit.io.export import ExportOptions
    from hhikit.io.export.base import AtomicFile
    from hhikit.io.export.coco import read_coco
    from hhikit.io.export.labelstudio_read import read_labelstudio
    from hhikit.types import dumps

    options = ExportOptions(document_root=args.document_root, image_root=args.image_root)
    problems: list[str] = []

    def problem(msg: str) -> None:
        problems.append(msg)
        _print_err(msg)

    out = AtomicFile(args.out)
    n = 0
    try:
        if args.source_format == "coco":
            records: Any = read_coco(args.file, options)
        else:
            records = read_labelstudio(args.file, args.source, options, on_problem=problem)
        for r in records:
            out.write(dumps(r) + "\n")
            n += 1
        out.commit()
    except HHIError as exc:
        out.abort()
        _print_err(str(exc))
        return 2
    except BaseException:
        out.abort()
        raise
    print(f"import: {n} records written to {args.out} ({len(problems)} tasks skipped)", file=sys.stderr)
    return 1 if problems else 0
