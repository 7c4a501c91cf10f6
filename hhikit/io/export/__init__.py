"""Exports of results files to the formats users already work with (COCO, Label Studio,
HOI detection files, CSV) and imports back where the format allows a round trip.

Each format is one module behind the ``Writer`` protocol and registered by name; ``export``
streams a results file through a writer, one record at a time, so any size fits in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hhikit.errors import ConfigError, InputError
from hhikit.io.export import coco, csv, hoi, labelstudio  # noqa: F401  (register the writers)
from hhikit.io.export.base import (
    FORMATS,
    ExportOptions,
    NotSupported,
    Writer,
    format_help,
    register_writer,
)
from hhikit.io.export.records import iter_results
from hhikit.types import Record

__all__ = [
    "FORMATS",
    "ExportOptions",
    "ExportSummary",
    "NotSupported",
    "Writer",
    "export",
    "export_records",
    "format_help",
    "iter_results",
    "open_writer",
    "register_writer",
]


@dataclass
class ExportSummary:
    """What an export did: records read, written, skipped (error records or records the
    format has no form for), problems (bad lines) and the files written."""

    read: int = 0
    written: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    def text(self) -> str:
        files = ", ".join(str(p) for p in self.paths)
        return (f"export: {self.written} of {self.read} records written to {files}"
                f" ({self.skipped} skipped, {len(self.problems)} problems)")  # fmt: skip


def open_writer(fmt: str, out: str | Path, options: ExportOptions | None = None) -> Writer:
    """The writer of format ``fmt`` (an ``export`` entry of the registry) into ``out``;
    ``ConfigError`` for an unknown format, naming the available ones."""
    options = options or ExportOptions()
    options.check()
    return FORMATS.build(fmt, Path(out), options)


def export_records(records: Iterable[Record], fmt: str, out: str | Path, options: ExportOptions | None = None,
                   on_problem: Callable[[str], None] | None = None) -> ExportSummary:  # fmt: skip
    """Stream ``records`` into format ``fmt``. A record the format cannot take (a video in
    HOI detection files, a broken pair) is reported through ``on_problem`` and skipped."""
    summary = ExportSummary()
    writer = open_writer(fmt, out, options)
    try:
        for record in records:
            summary.read += 1
            if not record.ok:
                summary.skipped += 1
                continue
            try:
                writer.write(record)
            except InputError as exc:
                summary.skipped += 1
                if on_problem is None:
                    raise
                on_problem(str(exc))
                continue
            summary.written += 1
    except BaseException:
        writer.abort()
        raise
    summary.paths = writer.close()
    return summary


def export(results: str | Path | Sequence[str | Path], fmt: str, out: str | Path, options: ExportOptions | None = None,
           on_problem: Callable[[str], None] | None = None) -> ExportSummary:  # fmt: skip
    """Export results files (JSON Lines of records; several are read one after the other,
    e.g. the per-image files of ``hhi analyze --out``) to ``fmt``; bad lines are reported
    through ``on_problem`` (as ``FILE:LINE: what``) and skipped."""
    problems: list[str] = []
    files = [results] if isinstance(results, str | Path) else list(results)

    def problem(msg: str) -> None:
        problems.append(msg)
        if on_problem is not None:
            on_problem(msg)

    for f in files:  # refuse a missing or foreign file, or the output itself, before anything is written
        if Path(out).exists() and Path(f).exists() and Path(f).resolve() == Path(out).resolve():
            raise ConfigError(f"{out}: the output is an input results file; choose another --out")
        next(iter(iter_results(f, problem)), None)
    records = (r for f in files for r in iter_results(f, problem))
    summary = export_records(records, fmt, out, options, problem)
    summary.problems = problems
    return summary
