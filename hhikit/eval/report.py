"""Evaluation reports: one JSON summary, a Markdown table and a per-item JSONL file.

Every evaluator returns an :class:`EvalReport`. ``write(out_dir)`` writes ``report.json``,
``report.md`` and ``items.jsonl`` (one line per evaluated item, for error analysis), each
atomically.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hhikit.io.atomic import atomic_write_text


@dataclass
class Table:
    """A titled table for the Markdown report."""

    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class EvalReport:
    """``summary`` is the JSON report; ``items`` the per-item records; ``tables`` its Markdown."""

    task: str
    summary: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, **_clean(self.summary)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def to_markdown(self) -> str:
        parts = [f"# {self.task} evaluation", ""]
        for t in self.tables:
            parts += [f"## {t.title}", "", markdown_table(t.header, t.rows), ""]
        return "\n".join(parts)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``report.json``, ``report.md`` and ``items.jsonl`` under ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "report.json", "markdown": out / "report.md", "items": out / "items.jsonl"}
        atomic_write_text(paths["json"], self.to_json() + "\n")
        atomic_write_text(paths["markdown"], self.to_markdown())
        atomic_write_text(
            paths["items"],
            "".join(json.dumps(_clean(it), ensure_ascii=False, allow_nan=False) + "\n" for it in self.items),
        )
        return paths


def fmt(v: Any, digits: int = 4) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        if math.isnan(v):
            return "n/a"
        return f"{v:.{digits}f}"
    return str(v)


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _clean(x: Any) -> Any:
    """JSON-safe copy: NaN/inf become null, numpy scalars plain numbers, tuples lists."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        try:
            x = x.item()
        except (ValueError, AttributeError):
            return x.tolist() if hasattr(x, "tolist") else x
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
