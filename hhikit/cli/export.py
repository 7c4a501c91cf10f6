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
    from hhikit.io.export.base import ExportOptions
    from hhikit.options import add_options

    add_options(p, ExportOptions, exclude=[f for f in ExportOptions.__dataclass_fields__ if "root" not in f])


def add_export(sub: Any) -> None:
    from hhikit.io.export.base import ExportOptions
    from hhikit.options import add_options

    p = sub.add_parser("export", help="results (JSON Lines) to COCO, Label Studio, HOI detections or CSV; streamed")
    p.add_argument("results", type=Path, nargs="+",
                   help="results files written by hhi analyze / batch / video (JSON Lines), read in order")  # fmt: skip
    p.add_argument("--to", required=True, metavar="FORMAT",
                   help=f"output format: {', '.join(FORMATS)} (or one a --plugin registers)")  # fmt: skip
    p.add_argument("--out", required=True, type=Path, help="output file (written atomically)")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="module imported first: registers extra export formats")  # fmt: skip
    add_options(p, ExportOptions)  # the options are defined once, on ExportOptions
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    import importlib

    from hhikit.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail
    from hhikit.errors import HHIError
    from hhikit.io.export import ExportOptions, export
    from hhikit.options import from_args

    for mod in args.plugin:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            _print_err(f"--plugin {mod}: cannot import ({exc})")
            return EXIT_USAGE
    try:
        options = from_args(ExportOptions, args)
        summary = export(args.results, args.to, args.out, options, on_problem=_print_err)
    except HHIError as exc:
        return fail(exc)
    except OSError as exc:
        _print_err(f"{exc.filename or args.out}: {exc.strerror or exc}")
        return EXIT_FAILED
    print(summary.text(), file=sys.stderr)
    return EXIT_FAILED if summary.problems else EXIT_OK


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
    from hhikit.cli.common import EXIT_FAILED, EXIT_OK, fail
    from hhikit.errors import HHIError
    from hhikit.io.export import ExportOptions
    from hhikit.io.export.base import AtomicFile
    from hhikit.io.export.coco import read_coco
    from hhikit.io.export.labelstudio_read import read_labelstudio
    from hhikit.options import from_args
    from hhikit.types import dumps

    problems: list[str] = []

    def problem(msg: str) -> None:
        problems.append(msg)
        _print_err(msg)

    n = 0
    try:
        options = from_args(ExportOptions, args)
        options.check()
    except HHIError as exc:
        return fail(exc)
    out = AtomicFile(args.out)
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
        return fail(exc)
    except BaseException:
        out.abort()
        raise
    print(f"import: {n} records written to {args.out} ({len(problems)} tasks skipped)", file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK
