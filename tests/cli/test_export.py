from __future__ import annotations

import json

import numpy as np

from hhikit.cli import main
from hhikit.types import read_jsonl
from tests.io.export.conftest import hoi_record, write_results


def test_export_then_import_through_the_cli(tmp_path, capsys):
    results = write_results([hoi_record(str(tmp_path / "img" / "a.jpg"))], tmp_path / "r.jsonl")
    out = tmp_path / "ls" / "tasks.json"
    assert main(["export", str(results), "--to", "labelstudio", "--out", str(out), "--keypoints",
                 "--document-root", str(tmp_path)]) == 0  # fmt: skip
    assert "1 of 1 records written" in capsys.readouterr().err
    task = json.loads(out.read_text())[0]
    assert task["data"]["image"] == "/data/local-files/?d=img/a.jpg"
    assert (tmp_path / "ls" / "tasks.config.xml").is_file()
    back = tmp_path / "back.jsonl"
    assert main(["import", str(out), "--from", "labelstudio", "--out", str(back)]) == 0
    (r,) = read_jsonl(back)
    np.testing.assert_allclose(r.people[1].box, [70, 25, 120, 160], atol=1e-6)
    from hhikit.eval.waldo import load_waldo_predictions

    assert load_waldo_predictions(back) == {"a": ["_ shaking hands with _"]}  # reviewed pairs evaluate as they are
    coco = tmp_path / "c.json"
    assert main(["export", str(results), "--to", "coco", "--out", str(coco)]) == 0
    assert main(["import", str(coco), "--from", "coco", "--out", str(back)]) == 0
    assert [p.a for p in next(iter(read_jsonl(back))).pairs] == [0, 1]


def test_cli_bad_input_is_one_line_and_a_nonzero_exit(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(hoi_record().to_dict()) + '\n{"schema":"hhikit/1","pa\n')
    assert main(["export", str(results), "--to", "csv", "--out", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"hhi: {results}:2: truncated line (Unterminated string starting at column 22); line skipped"
    assert (tmp_path / "o.csv").is_file()
    jpg = tmp_path / "x.jpg"
    jpg.write_bytes(b"\xff\xd8\xff")
    assert main(["export", str(jpg), "--to", "coco", "--out", str(tmp_path / "o.json")]) == 1  # failed on its data
    assert (
        capsys.readouterr().err.strip()
        == f"hhi: {jpg}:1: not a results file (not UTF-8 text); expected JSON Lines of hhikit/1 records"
    )
    assert main(["import", str(results), "--from", "labelstudio", "--out", str(tmp_path / "b.jsonl")]) == 1
    assert "not a Label Studio JSON export" in capsys.readouterr().err
    assert main(["export", str(results), "--to", "nope", "--out", str(tmp_path / "x")]) == 2
    assert (
        "unknown export format 'nope'; available: coco, coco-detections, csv, hoi, labelstudio"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()
    assert main(["export", str(results), "--to", "csv", "--keypoint-threshold", "2", "--out", str(tmp_path / "x")]) == 2
    assert "keypoint_threshold must be a number in [0.0, 1.0], got 2.0" in capsys.readouterr().err


def test_the_cli_names_every_registered_format_without_importing_them():
    from hhikit import registry
    from hhikit.cli.export import FORMATS

    builtin = [e.name for e in registry.entries("export") if e.module.startswith("hhikit.")]
    assert tuple(builtin) == FORMATS


def test_a_plugin_adds_a_format(tmp_path, monkeypatch, scratch_registry):
    (tmp_path / "hhi_names_plugin.py").write_text(
        "from hhikit.io.export import register_writer\n"
        "from hhikit.io.export.base import AtomicFile\n\n"
        "@register_writer('names')\n"
        "class NamesWriter:\n"
        "    '''Image paths, one per line.'''\n"
        "    def __init__(self, out, options):\n"
        "        self.file = AtomicFile(out)\n"
        "    def write(self, record):\n"
        "        self.file.write(record.path + '\\n')\n"
        "    def close(self):\n"
        "        return [self.file.commit()]\n"
        "    def abort(self):\n"
        "        self.file.abort()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    results = write_results([hoi_record("/a.jpg"), hoi_record("/b.jpg")], tmp_path / "r.jsonl")
    out = tmp_path / "names.txt"
    assert main(["export", str(results), "--plugin", "hhi_names_plugin", "--to", "names", "--out", str(out)]) == 0
    assert out.read_text() == "/a.jpg\n/b.jpg\n"
    from hhikit.io.export import format_help

    assert format_help("names") == "Image paths, one per line."
