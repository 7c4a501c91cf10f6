"""Records as JSON Lines files: read (tolerating only a truncated last line) and write
(atomically)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from hhikit.errors import InputError
from hhikit.io.atomic import atomic_write_text
from hhikit.io.safeopen import RECORD_LINE_MAX, iter_lines, open_regular
from hhikit.types import Record, dumps, from_dict


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Read records from a JSON Lines file, skipping blank lines. Only a truncated last line
    (a write cut short) is skipped; any other unreadable line raises ``InputError`` naming
    the file and the line number. A FIFO, device or folder is refused (never blocks), and a
    line over ``RECORD_LINE_MAX`` bytes is refused without being held in memory."""
    pending: tuple[int, json.JSONDecodeError] | None = None
    with open_regular(path, what="results") as fh:
        for number, raw in iter_lines(fh, RECORD_LINE_MAX):
            if raw is None:
                raise InputError(f"{path}: line {number}: over {RECORD_LINE_MAX:,} bytes (not a record)")
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise InputError(f"{path}: line {number}: not UTF-8 text") from None
            if not line:
                continue
            if pending is not None:
                n, exc = pending
                raise InputError(f"{path}: line {n}: not valid JSON ({exc.msg} at column {exc.colno})")
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                pending = (number, exc)  # tolerated only if it is the unterminated last line
                continue
            try:
                rec = from_dict(d)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InputError(f"{path}: line {number}: not a record ({type(exc).__name__}: {exc})") from None
            yield rec
        if pending is not None:
            fh.seek(-1, 2)
            if fh.read(1) == b"\n":  # the bad line was complete: not a write cut short
                n, exc = pending
                raise InputError(f"{path}: line {n}: not valid JSON ({exc.msg} at column {exc.colno})")


def write_jsonl(records: Iterable[Record], path: str | Path) -> int:
    """Write records atomically (temp file + rename). Returns how many were written."""
    lines = [dumps(r) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
