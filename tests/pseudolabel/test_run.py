"""The streaming, resumable runner and ``hhi pseudolabel`` end to end (parse method)."""

from __future__ import annotations

import json

import pytest

from hhikit.cli import main
from hhikit.errors import InputError
from hhikit.pseudolabel.run import Labeller, done_ids, pseudolabel_file, read_captions
from hhikit.pseudolabel.weights import caption_weights

CSV = """id,caption,extra
a1,_ hugs _ at the station after the match.,x
a2,Two men are talking to each other near a fountain.,y
a3,A dog runs across the field.,z
a4,,w
a5,_ hugs _ at the station after the match.,x
a6,Coach _ talks with _ during practice on Monday.,q
a7,_ and _ shake hands before the debate.,q
"""


@pytest.fixture(scope="module")
def parse_labeller():
    return Labeller("parse")


def _read(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_read_captions_csv_and_jsonl(tmp_path):
    c = tmp_path / "c.csv"
    c.write_text(CSV)
    rows = list(read_captions(c))
    assert [r.id for r in rows] == ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    assert rows[3].problem and "c.csv:5" in rows[3].problem
    j = tmp_path / "c.jsonl"
    j.write_text('{"id": 1, "caption": "x y"}\nnot json\n\n{"caption": "no id"}\n')
    rows = list(read_captions(j))
    assert rows[0].id == "1" and rows[0].caption == "x y"
    assert rows[1].problem and "not valid JSON" in rows[1].problem
    assert rows[2].problem and "no id" in rows[2].problem


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        list(read_captions(tmp_path / "none.csv"))
    bad = tmp_path / "b.csv"
    bad.write_text("name,text\n1,2\n")
    with pytest.raises(InputError, match="id and caption"):
        list(read_captions(bad))
    txt = tmp_path / "b.txt"
    txt.write_text("x")
    with pytest.raises(InputError, match=".csv or .jsonl"):
        list(read_captions(txt))


def test_full_run_and_weights(tmp_path, parse_labeller):
    c = tmp_path / "c.csv"
    c.write_text(CSV)
    out = tmp_path / "out.jsonl"
    counts = pseudolabel_file(c, out, labeller=parse_labeller, progress=False, log=lambda m: None)
    recs = _read(out)
    assert [r["id"] for r in recs] == ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    by = {r["id"]: r for r in recs}
    assert by["a1"]["pseudolabel"] == "_ hugging _" and by["a3"]["pseudolabel"] == ""
    assert by["a3"]["weight"] == 0.0 and "error" in by["a4"] and by["a4"]["weight"] == 0.0
    assert counts == {"rows": 7, "skipped": 0, "labelled": 5, "empty": 1, "errors": 1}
    labels = [r["pseudolabel"] or None for r in recs]
    caps = ["h", "t", "d", "", "h", "c", "s"]
    expected = caption_weights(labels, caps)
    assert [r["weight"] for r in recs] == pytest.approx(expected, abs=1e-6)
    assert by["a1"]["weight"] == pytest.approx(by["a5"]["weight"]) and by["a1"]["weight"] < by["a2"]["weight"]


def test_resume_after_interruption(tmp_path, parse_labeller):
    c = tmp_path / "c.csv"
    c.write_text(CSV)
    full = tmp_path / "full.jsonl"
    pseudolabel_file(c, full, labeller=parse_labeller, progress=False, log=lambda m: None)
    # simulate a crash: two complete lines with provisional weights, then a torn third line
    out = tmp_path / "out.jsonl"
    lines = full.read_text().splitlines()
    first = [json.dumps({**json.loads(x), "weight": 1.0}) for x in lines[:2]]
    out.write_text("\n".join(first) + "\n" + lines[2][:15])
    assert done_ids(out) == {"a1", "a2"} and out.read_text().endswith("\n")  # torn line cut

    class Counting:
        batch_size = 2

        def __init__(self):
            self.seen: list[str] = []

        def label(self, caps):
            self.seen.extend(caps)
            return parse_labeller.label(caps)

    lab = Counting()
    counts = pseudolabel_file(c, out, labeller=lab, progress=False, log=lambda m: None)
    assert counts["skipped"] == 2 and len(lab.seen) == 4  # a1, a2 not redone; a4 has no caption
    assert _read(out) == _read(full)  # same lines, same final weights


def test_cli_end_to_end(tmp_path, capsys):
    c = tmp_path / "c.csv"
    c.write_text(CSV)
    out = tmp_path / "o.jsonl"
    rc = main(["pseudolabel", "--captions", str(c), "--out", str(out), "--method", "parse"])
    assert rc == 1  # one bad row, reported and skipped
    recs = _read(out)
    assert len(recs) == 7 and all(set(r) >= {"id", "pseudolabel", "weight"} for r in recs)
    err = capsys.readouterr().err
    assert "7 rows, 5 labelled" in err and "pseudolabel (parse)" in err
    rc = main(["pseudolabel", "--captions", str(c), "--out", str(out), "--no-progress"])
    assert _read(out) == recs and "7 already done" in capsys.readouterr().err
    assert main(["pseudolabel", "--captions", str(tmp_path / "nope.csv"), "--out", str(out)]) == 1
    assert "captions file not found" in capsys.readouterr().err
    assert main(["pseudolabel"]) == 2


def test_cli_student_with_a_local_tiny_model(tmp_path, capsys):
    from hhikit.pseudolabel.student import Summariser
    from tests.pseudolabel.conftest import tiny_t5, tiny_tokenizer

    tok = tiny_tokenizer()
    d = tmp_path / "student"
    Summariser(tiny_t5(tok), tok).save(d)
    c = tmp_path / "c.jsonl"
    c.write_text('{"id": "x1", "caption": "_ hugs _.", "other": 1}\n{"id": "x2", "caption": "A dog runs."}\n')
    out = tmp_path / "o.jsonl"
    rc = main(
        [
            "pseudolabel",
            "--captions",
            str(c),
            "--out",
            str(out),
            "--method",
            "student",
            "--student",
            str(d),
            "--no-progress",
        ]
    )
    recs = _read(out)
    assert rc == 0 and [r["id"] for r in recs] == ["x1", "x2"]
    assert all(isinstance(r["pseudolabel"], str) and isinstance(r["weight"], float) for r in recs)
    assert "2 rows" in capsys.readouterr().err
