from __future__ import annotations

import json
import os

import pytest

from hhikit.errors import ConfigError, InputError
from hhikit.io.export import export
from hhikit.io.export.records import iter_results
from hhikit.types import dumps
from tests.io.export.conftest import hoi_record, video_record


def test_records_stream_back_in_order(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join(dumps(r) for r in [hoi_record(), video_record(), hoi_record("/x.jpg")]) + "\n\n")
    assert [r.path for r in iter_results(p)] == ["/data/HICO_test2015_00000001.jpg", "/data/scene.mp4", "/x.jpg"]


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('{"schema":"hhikit/1","path":"/a.jpg","people":[{"id":0,"bo', "truncated line"),
        ('{"schema":"other/2","path":"/a.jpg"}', "a record of schema 'other/2', expected 'hhikit/1'"),
        ("[1, 2]", "a JSON list, not a record object"),
        ('{"schema":"hhikit/1","path":"/a.jpg","people":[{"id":0}]}', "malformed record (KeyError: 'box')"),
        ("not json at all", "not JSON"),
    ],
)
def test_a_bad_line_is_one_message_naming_file_and_line_and_the_run_goes_on(tmp_path, line, what):
    p = tmp_path / "r.jsonl"
    p.write_text(dumps(hoi_record()) + "\n" + line + "\n" + dumps(hoi_record("/b.jpg")) + "\n")
    problems: list[str] = []
    assert [r.path for r in iter_results(p, problems.append)] == ["/data/HICO_test2015_00000001.jpg", "/b.jpg"]
    assert len(problems) == 1 and problems[0].startswith(f"{p}:2: {what}") and "\n" not in problems[0]
    with pytest.raises(InputError, match=f"{p}:2: "):
        list(iter_results(p))
    s = export(p, "csv", tmp_path / "o.csv", on_problem=lambda m: None)
    assert (s.read, s.written, len(s.problems)) == (2, 2, 1)


def test_not_a_results_file_is_refused_at_its_first_line(tmp_path):
    jpg = tmp_path / "photo.jpg"
    jpg.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\n\x01\x02")
    with pytest.raises(InputError, match=r"photo\.jpg:1: not a results file \(not UTF-8 text\)"):
        list(iter_results(jpg, lambda m: None))
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(InputError, match=r"coco\.json:1: not a results file \(a record of schema None"):
        list(iter_results(coco, lambda m: None))
    with pytest.raises(InputError, match="is a directory, not a results file"):
        list(iter_results(tmp_path))
    with pytest.raises(InputError, match="nope.jsonl: no such file"):
        list(iter_results(tmp_path / "nope.jsonl"))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes to it: opening must not block
    with pytest.raises(InputError, match="pipe: is a FIFO"):
        list(iter_results(fifo))


def test_a_failed_export_leaves_no_output(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(dumps(hoi_record()) + "\n")
    out = tmp_path / "o.json"
    with pytest.raises(InputError):
        export(tmp_path / "missing.jsonl", "coco", out)
    assert not out.exists() and not list(tmp_path.glob(".o.json.*"))


def test_several_results_files_are_read_in_order_and_a_foreign_one_stops_it_first(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"  # as `hhi analyze --out` writes them
    a.write_text(dumps(hoi_record("/a.jpg")) + "\n")
    b.write_text(dumps(hoi_record("/b.jpg")) + "\n")
    s = export([a, b], "csv", tmp_path / "o.csv")
    assert (s.read, s.written) == (2, 2) and (tmp_path / "o.csv").read_text().count("/b.jpg") == 2
    (tmp_path / "c.txt").write_text("path\n/x.jpg\n")
    with pytest.raises(InputError, match=r"c\.txt:1: not a results file"):
        export([a, tmp_path / "c.txt"], "csv", tmp_path / "p.csv")
    assert not (tmp_path / "p.csv").exists()


def test_the_output_never_overwrites_an_input(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(dumps(hoi_record()) + "\n")
    with pytest.raises(ConfigError, match="the output is an input results file"):
        export(p, "csv", p)
    assert p.read_text() == dumps(hoi_record()) + "\n"


def test_an_absurdly_long_line_is_skipped_without_holding_it(tmp_path, monkeypatch):
    import hhikit.io.export.records as rec

    monkeypatch.setattr(rec, "MAX_LINE", 4096)
    p = tmp_path / "r.jsonl"
    p.write_text(dumps(hoi_record()) + "\n" + "x" * 50_000 + "\n" + dumps(hoi_record("/b.jpg")) + "\n")
    problems: list[str] = []
    assert [r.path for r in iter_results(p, problems.append)] == ["/data/HICO_test2015_00000001.jpg", "/b.jpg"]
    assert problems == [f"{p}:2: a line over 4,096 bytes (not a record); line skipped"]
