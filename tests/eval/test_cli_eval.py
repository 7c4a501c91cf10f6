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
    assert rc == 1 and "not found" in capsys.readouterr().err


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


def test_eval_hoi_cli_vcoco_and_interactiveness(tmp_path, capsys):
    H, OB = [0, 0, 99, 99], [200, 200, 299, 299]
    ann = tmp_path / "v.json"
    ann.write_text(
        json.dumps(
            {
                "classes": ["hold obj", "look obj"],
                "annotations": [
                    {"file_name": "x.jpg", "boxes_h": [H, H], "boxes_o": [OB, OB], "actions": [0, 1], "objects": [3, 3]}
                ],
            }
        )
    )
    gtp = tmp_path / "gt.jsonl"
    assert main(["eval", "hoi", "--vcoco", str(ann), "--gt-as-predictions", str(gtp)]) == 0
    assert len(gtp.read_text().splitlines()) == 2
    assert main(["eval", "hoi", "--vcoco", str(ann), "--predictions", str(gtp), "--json"]) == 0
    out = capsys.readouterr().out.strip()
    assert "\n" not in out and json.loads(out)["scenario1"] == 1.0 and json.loads(out)["agent"] == 1.0
    pairs = tmp_path / "pairs.jsonl"
    assert main(["eval", "hoi", "--vcoco", str(ann), "--interactiveness", "--gt-as-predictions", str(pairs)]) == 0
    assert len(pairs.read_text().splitlines()) == 1  # the two actions share one pair
    assert main(["eval", "hoi", "--vcoco", str(ann), "--interactiveness", "--predictions", str(gtp), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["ap"] == 1.0 and d["n_unique_detections"] == 1
    assert main(["eval", "hoi", "--vcoco", str(ann)]) == 2


def test_eval_imsitu_cli(tmp_path, capsys):
    ids = tmp_path / "ids.txt"
    ids.write_text("hugging_1\nadmiring_3\n")
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"path": "/imgs/hugging_1.jpg", "interactions": [{"text": "_ kissing _", "score": 1}]}\n')
    glove = tmp_path / "g.txt"
    glove.write_text("hugging 1 0\nkissing 0.6 0.8\n")
    assert (
        main(["eval", "imsitu", "--predictions", str(preds), "--ids", str(ids), "--glove", str(glove), "--json"]) == 0
    )
    d = json.loads(capsys.readouterr().out)
    assert abs(d["at"]["1"]["verb_sim"] - 0.6) < 1e-6 and d["missing"] == 1


def test_eval_hoi_cli_hicodet_counts_empty_images_unless_told(tmp_path, capsys):
    from tests.eval.hoi.generate import toy_hicodet

    ann = toy_hicodet(0)
    path = tmp_path / "h.json"
    path.write_text(json.dumps(ann))
    e = ann["filenames"][ann["empty"][0]]
    a = ann["annotation"][0]
    rows = [{"image": ann["filenames"][0], "box_h": a["boxes_h"][0], "box_o": a["boxes_o"][0], "hoi": a["hoi"][0],
             "score": 0.5}, {"image": e, "box_h": [1, 1, 9, 9], "box_o": [1, 1, 9, 9], "hoi": a["hoi"][0], "score": 0.9}]  # fmt: skip
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    runs = {}
    for flag in ([], ["--ignore-empty"]):
        assert main(["eval", "hoi", "--hicodet", str(path), "--predictions", str(preds), "--json", *flag]) == 0
        runs[tuple(flag)] = json.loads(capsys.readouterr().out)
    official, ignored = runs[()], runs[("--ignore-empty",)]
    assert official["empty_images"] == "counted as false positives" and "changed by options" not in official["protocol"]
    assert ignored["empty_images"] == "ignored" and "changed by options" in ignored["protocol"]
    assert ignored["full"] > official["full"] and set(official["continuous"]) == {
        "full",
        "rare",
        "non_rare",
        "known_object",
    }
