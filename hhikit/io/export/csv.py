"""CSV for spreadsheets: one row per pair of an image (people boxes, interactiveness,
suppressed, top interaction and its score), or one row per clip label of a video. The
kind of the first record decides the columns; WebVTT and SRT of videos stay in
``hhikit.video.writers``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hhikit.io.export.base import AtomicFile, ExportOptions, ImageRefs, NotSupported, register_writer
from hhikit.types import ImageResult, Record, VideoResult

PAIR_COLUMNS = ["image", "width", "height", "a", "b", "a_x1", "a_y1", "a_x2", "a_y2", "a_score",
                "b_x1", "b_y1", "b_x2", "b_y2", "b_score", "interactiveness", "suppressed", "interaction",
                "interaction_score", "interactions"]  # fmt: skip
CLIP_COLUMNS = ["video", "clip", "start", "end", "shots", "label", "score", "cues"]


def _n(x: float) -> str:
    return f"{float(x):.4f}".rstrip("0").rstrip(".") if x == x else ""


def pair_rows(r: ImageResult, image: str, include_suppressed: bool = True) -> list[list[str]]:
    """One row per pair; ``interactions`` lists every text with its score (``text=score; ...``)."""
    by_id = {p.id: p for p in r.people}
    rows = []
    for q in r.pairs:
        if q.suppressed and not include_suppressed:
            continue
        a, b = by_id.get(q.a), by_id.get(q.b)
        if a is None or b is None:
            raise NotSupported(f"{r.path}: pair ({q.a}, {q.b}) names a person the record does not have")
        top = q.interactions[0] if q.interactions else None
        rows.append([image, str(r.width), str(r.height), str(q.a), str(q.b), *(_n(v) for v in a.box), _n(a.score),
                     *(_n(v) for v in b.box), _n(b.score), _n(q.interactiveness), str(q.suppressed).lower(),
                     top.text if top else "", _n(top.score) if top else "",
                     "; ".join(f"{i.text}={_n(i.score)}" for i in q.interactions)])  # fmt: skip
    return rows


def clip_rows(v: VideoResult, video: str) -> list[list[str]]:
    """One row per clip label (a clip without a label gets one row with an empty label)."""
    rows = []
    for k, c in enumerate(v.clips):
        shots = " ".join(str(s) for s in c.shots)
        labels = c.labels or [None]
        for lab in labels:
            rows.append([video, str(k), _n(c.start), _n(c.end), shots, lab.label if lab else "",
                         _n(lab.score) if lab else "", "; ".join(lab.cues) if lab else ""])  # fmt: skip
    return rows


@register_writer("csv")
class CsvWriter:
    """CSV: one row per pair of an image, or one row per clip label of a video.

    Streams rows. Every pair is a row, suppressed ones too (a column says so): a
    spreadsheet is where one looks at what suppression removed."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        self.file = AtomicFile(out)
        self.refs = ImageRefs(options)
        self.kind: str | None = None
        self.buf = io.StringIO()
        self.csv = csv.writer(self.buf, lineterminator="\n")

    def _rows(self, rows: list[list[str]]) -> None:
        self.csv.writerows(rows)
        self.file.write(self.buf.getvalue())
        self.buf.seek(0)
        self.buf.truncate()

    def write(self, record: Record) -> None:
        kind = "video" if isinstance(record, VideoResult) else "image"
        if self.kind is None:
            self.kind = kind
            self._rows([CLIP_COLUMNS if kind == "video" else PAIR_COLUMNS])
        elif kind != self.kind:
            raise NotSupported(f"{record.path}: a {kind} in a CSV of {self.kind}s (the columns differ): "
                               "export images and videos to separate files")  # fmt: skip
        ref = self.refs.local(record.path)
        self._rows(clip_rows(record, ref) if isinstance(record, VideoResult) else pair_rows(record, ref))

    def close(self) -> list[Path]:
        if self.kind is None:
            self._rows([PAIR_COLUMNS])
        return [self.file.commit()]

    def abort(self) -> None:
        self.file.abort()
