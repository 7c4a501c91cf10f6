"""Writing what a command prints or saves per input, whatever the input's name.

* ``utf8_json(line)``: a JSON line that is valid UTF-8 even when a file name holds bytes the
  file system encoding could not decode (PEP 383 lone surrogates become ``\\udcff`` escapes,
  which any JSON reader turns back into the same string, and ``os.fsencode`` into the bytes).
* ``OutputNames``: distinct output stems for same-named inputs of one run (``a/x.jpg`` and
  ``b/x.jpg`` give ``x`` and ``x-2``), so ``--out`` never overwrites a result of the same run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def utf8_json(line: str) -> str:
    """``line`` (one JSON text) re-serialised with ASCII escapes if it cannot be UTF-8."""
    try:
        line.encode("utf-8")
        return line
    except UnicodeEncodeError:
        return json.dumps(json.loads(line), ensure_ascii=True, separators=(",", ":"))


class OutputNames:
    """Hands out one output stem per input; a stem already given in this run gets ``-2``,
    ``-3``... The same input (by resolved path) asked twice gets its first stem again."""

    def __init__(self) -> None:
        self._by_input: dict[str, str] = {}
        self._taken: set[str] = set()

    def stem(self, path: str | os.PathLike[str]) -> str:
        key = os.path.realpath(os.fspath(path))
        if key in self._by_input:
            return self._by_input[key]
        base = Path(path).stem or "input"
        stem, n = base, 1
        while stem.casefold() in self._taken:  # casefold: case-insensitive file systems too
            n += 1
            stem = f"{base}-{n}"
        self._taken.add(stem.casefold())
        self._by_input[key] = stem
        return stem
