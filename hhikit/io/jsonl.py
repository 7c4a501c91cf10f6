"""Records as JSON Lines files: read (tolerating only a truncated last line) and write
(atomically)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from hhikit.errors import InputError
from hhikit.io.atomic import atomic_write_text
from hhikit.types import Record, dumps, from_dict


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Read records from a JSON Lines file, skipping blank lines. Only a truncated last line
    (a write cut short) is skipped; any other unreadable line raises ``InputError`` naming
    the file and the line number."""
    pending: tuple[int, str, json.JSONDecodeError] | None = None
    with open(path, encoding="utf-8") as fh:
        for number, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line:
                continue
            if pending is not None:
                n, _, exc = pending
                raise InputError(f"{path}: line {n}: not valid JSON ({exc.msg} at column {exc.colno})")
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                if raw.endswith("\n"):
                    raise InputError(
                        f"{path}: line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
                    ) from None
                pending = (number, line, exc)  # tolerated only if nothing follows
                continue
            try:
                rec = from_dict(d)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise InputError(f"{path}: line {number}: not a record ({type(exc).__name__}: {exc})") from None
            yield rec


def write_jsonl(records: Iterable[Record], path: str | Path) -> int:
    """Write records atomically (temp file + rename). Returns how many were written."""
    lines = [dumps(r) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    return len(lines)
