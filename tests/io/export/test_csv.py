from __future__ import annotations

import csv

from hhikit.io.export import export, export_records
from hhikit.io.export.csv import CLIP_COLUMNS, PAIR_COLUMNS
from tests.io.export.conftest import hoi_record, video_record


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_one_row_per_pair_of_real_results(ww_records, ww_results, tmp_path):
    export(ww_results, "csv", tmp_path / "pairs.csv")
    rows = _read(tmp_path / "pairs.csv")
    assert list(rows[0]) == PAIR_COLUMNS
    assert len(rows) == sum(len(r.pairs) for r in ww_records)
    r = next(r for r in ww_records if r.pairs)
    row, pair = rows[[x["image"] for x in rows].index(r.path)], r.pairs[0]
    a = next(p for p in r.people if p.id == pair.a)
    assert float(row["a_x1"]) == round(float(a.box[0]), 4) and float(row["interactiveness"]) == round(
        pair.interactiveness, 4
    )
    assert row["interaction"] == pair.interactions[0].text and row["suppressed"] == str(pair.suppressed).lower()


def test_suppressed_pairs_are_rows_and_text_is_quoted(tmp_path):
    r = hoi_record('/data/a "quoted", path.jpg')
    export_records([r], "csv", tmp_path / "p.csv")
    rows = _read(tmp_path / "p.csv")
    assert [(x["a"], x["b"], x["suppressed"]) for x in rows] == [("0", "1", "false"), ("1", "2", "true")]
    assert rows[0]["image"] == '/data/a "quoted", path.jpg'
    assert rows[0]["interactions"] == "_ shaking hands with _=0.7; _ hugging _=0.2"


def test_one_row_per_clip_label_and_one_kind_per_file(tmp_path):
    problems: list[str] = []
    s = export_records([video_record(), hoi_record()], "csv", tmp_path / "c.csv", on_problem=problems.append)
    rows = _read(tmp_path / "c.csv")
    assert list(rows[0]) == CLIP_COLUMNS
    assert [(x["clip"], x["start"], x["end"], x["label"], x["score"]) for x in rows] == [
        ("0", "0", "4", "hug", "0.8"), ("0", "0", "4", "talk", "0.6"), ("1", "4", "10", "fight", "0.55"),
        ("2", "0", "10", "", "")]  # fmt: skip
    assert s.skipped == 1 and "export images and videos to separate files" in problems[0]
