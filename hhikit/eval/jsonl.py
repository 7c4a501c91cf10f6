"""The one reader of evaluation inputs in JSON Lines: objects with their line numbers, and
a clear ``InputError`` naming the file and line for anything else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hhikit.errors import InputError


def iter_json_objects(path: str | Path, what: str = "file") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: {what} not found")
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {n} is not JSON ({exc.msg})") from None
            if not isinstance(d, dict):
                raise InputError(f"{path}: line {n} is not a JSON object")
            yield n, d
