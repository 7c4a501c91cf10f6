"""Streaming reader of a results file (JSON Lines of ``hhikit/1`` records) for the
exporters: one record at a time, and a bad line becomes one message naming file and line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from hhikit.errors import InputError
from hhikit.io.safeopen import RECORD_LINE_MAX, iter_lines, open_regular, shown
from hhikit.types import SCHEMA, Record, from_dict

Problem = Callable[[str], None]
MAX_LINE = RECORD_LINE_MAX  # a longer line is no record: read past in chunks, never held whole


def _raise(msg: str) -> None:
    raise InputError(msg)


def iter_results(path: str | Path, on_problem: Problem | None = None) -> Iterator[Record]:
    """Yield the records of ``path`` (a regular file: a FIFO, device or folder is refused by
    ``hhikit.io.safeopen``). A line that is not JSON, not an object, of another schema,
    malformed or over ``MAX_LINE`` bytes is passed to ``on_problem`` as ``"FILE:LINE: what"``
    and skipped (``InputError`` when ``on_problem`` is None). A file whose first line is not a
    record at all is refused as "not a results file"."""
    report = on_problem or _raise
    name = shown(str(path))
    seen = False
    with open_regular(path, what="results") as fh:
        for n, raw in iter_lines(fh, MAX_LINE):
            if raw is None:
                problem, record = f"a line over {MAX_LINE:,} bytes (not a record)", None
            elif not raw.strip():
                continue
            else:
                problem, record = _parse(raw)
            if record is not None:
                seen = True
                yield record
                continue
            if not seen:
                raise InputError(f"{name}:{n}: not a results file ({problem}); expected JSON Lines of {SCHEMA} records")
            report(f"{name}:{n}: {problem}; line skipped")


def _parse(raw: bytes) -> tuple[str, Record | None]:
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return "not UTF-8 text", None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        ended = exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated string")
        what = "truncated line" if ended and text.startswith("{") else "not JSON"
        return f"{what} ({exc.msg.removesuffix(' at')} at column {exc.colno})", None
    if not isinstance(d, dict):
        return f"a JSON {type(d).__name__}, not a record object", None
    if d.get("schema") != SCHEMA:
        return f"a record of schema {d.get('schema')!r}, expected {SCHEMA!r}", None
    try:
        return "", from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"malformed record ({type(exc).__name__}: {exc})", None
