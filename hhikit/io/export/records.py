"""Streaming reader of a results file (JSON Lines of ``hhikit/1`` records) for the
exporters: one record at a time, and a bad line becomes one message naming file and line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from hhikit.errors import InputError
from hhikit.types import SCHEMA, Record, from_dict

Problem = Callable[[str], None]
MAX_LINE = 64 << 20  # a record of thousands of people is under 1 MB; a longer line is no record


def _raise(msg: str) -> None:
    raise InputError(msg)


def iter_results(path: str | Path, on_problem: Problem | None = None) -> Iterator[Record]:
    """Yield the records of ``path``. A line that is not JSON, not an object, of another
    schema or malformed is passed to ``on_problem`` as ``"FILE:LINE: what"`` and skipped
    (``InputError`` when ``on_problem`` is None). A file whose first line is not a record
    at all is refused as "not a results file"."""
    path = Path(path)
    report = on_problem or _raise
    if not path.exists():
        raise InputError(f"{path}: results file not found")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    seen = False
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with fh:
        for n, raw in enumerate(_lines(fh), 1):
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
                raise InputError(f"{path}:{n}: not a results file ({problem}); expected JSON Lines of {SCHEMA} records")
            report(f"{path}:{n}: {problem}; line skipped")


def _lines(fh: BinaryIO) -> Iterator[bytes | None]:
    """The lines of ``fh``; ``None`` for a line longer than ``MAX_LINE`` (read past in
    chunks, never held whole)."""
    while True:
        line = fh.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while True:
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


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
