from __future__ import annotations

import json

from hhikit.cli import main


def test_eval_waldo_cli_json_and_out(tmp_path, capsys):
    labels = tmp_path / "l.csv"
    labels.write_text('source,id,label,caption,url\nww,000001,_ hugging _,"_ hugs _",\n')
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "000001", "predictions": ["_ kissing _", "_ hugging _"]}\n')
    glove = tmp_path / "g.txt"
    glove.write_text("hugging 1 0\nkissing 0.6 0.8\n")
    rc = main(["eval", "waldo", "--predictions", str(preds), "--labels", str(labels), "--glove", str(glove),
               "--no-minilm", "--json", "--out", str(tmp_path / "out")])  # fmt: skip
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert abs(d["metrics"]["verb_sim"]["at"]["1"]["overall"] - 0.6) < 1e-6
    assert d["metrics"]["verb_sim"]["at"]["5"]["ww"] == 1.0
    assert d["metrics"]["minilm"]["available"] is False and d["metrics"]["bleurt"]["at"] is None
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json", "report.md", "items.jsonl"}


def test_eval_cli_bad_input_is_one_line(tmp_path, capsys):
    rc = main(["eval", "waldo", "--predictions", str(tmp_path / "x"), "--labels", str(tmp_path / "y")])
    assert rc == 2 and "not found" in capsys.readouterr().err


def test_eval_shots_and_multilabel_cli(tmp_path, capsys):
    t = tmp_path / "t.jsonl"
    t.write_text('{"video": "a", "boundaries": [10, 50]}\n')
    p = tmp_path / "p.jsonl"
    p.write_text('{"video": "a", "boundaries": [11]}\n')
    assert main(["eval", "shots", "--truth", str(t), "--predictions", str(p), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recall"] == 0.5
    t.write_text('{"id": "a", "labels": ["hug"]}\n')
    p.write_text('{"id": "a", "scores": {"hug": 0.9}}\n')
    assert main(["eval", "multilabel", "--truth", str(t), "--predictions", str(p)]) == 0
    assert "| macro | 1.0000 | 1.0000 | 1.0000 |" in capsys.readouterr().out
