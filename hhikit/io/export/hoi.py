"""HOI detection files: the prediction form that ``hhi eval hoi`` reads (HICO-DET and
V-COCO), one detection per line ``{"image", "box_h", "box_o", "hoi", "score"}``, from the
HOI triplets of image records. ``image`` is the file name (the benchmarks' key) unless a
document root makes it a relative path; a triplet without an object box (a V-COCO role with
no object) gets ``box_o: null``. Suppressed triplets (non-interaction suppression) are left
out unless asked, as TIN drops them before evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from hhikit.io.export.base import AtomicFile, ExportOptions, ImageRefs, NotSupported, record_hois, register_writer
from hhikit.types import Record, VideoResult


@register_writer("hoi")
class HOIWriter:
    """HOI detections (JSON Lines: image, box_h, box_o, hoi, score) for `hhi eval hoi`."""

    def __init__(self, out: Path, options: ExportOptions) -> None:
        self.options = options
        self.refs = ImageRefs(options)
        self.file = AtomicFile(out)
        self.rows = 0

    def _image(self, path: str) -> str:
        return self.refs.local(path) if self.options.document_root or self.options.copy_images else Path(path).name

    def write(self, record: Record) -> None:
        if isinstance(record, VideoResult):
            raise NotSupported(f"{record.path}: HOI detection files have no video form (export videos as csv, "
                               "coco or labelstudio)")  # fmt: skip
        by_id = {p.id: p for p in record.people}
        image = self._image(record.path)
        lines = []
        for h in record_hois(record):
            if h.suppressed and not self.options.include_suppressed:
                continue
            if h.hoi is None:
                raise NotSupported(f"{record.path}: an HOI triplet ({h.verb} {h.object_name}) has no class id")
            person = by_id.get(h.person)
            if person is None or (h.object is not None and h.object >= len(record.objects)):
                raise NotSupported(f"{record.path}: an HOI triplet names a person or object the record does not have")
            box_o = None if h.object is None else [round(float(v), 4) for v in record.objects[h.object].box]
            row = {"image": image, "box_h": [round(float(v), 4) for v in person.box], "box_o": box_o,
                   "hoi": int(h.hoi), "score": round(float(h.score), 6)}  # fmt: skip
            lines.append(json.dumps(row, separators=(",", ":")) + "\n")
        self.file.write("".join(lines))
        self.rows += len(lines)

    def close(self) -> list[Path]:
        return [self.file.commit()]

    def abort(self) -> None:
        self.file.abort()
